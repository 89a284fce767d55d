"""compose.yaml cannot run here (no container engine): check it describes what exists."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.cli.main import COMMANDS, build_parser
from services.cli.run import BUILDERS

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


def _seagrid_services() -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in COMPOSE["services"].items()
        if service.get("image", "").startswith("seagrid")
    }


def test_every_stage_has_a_service_and_every_service_a_real_command() -> None:
    services = _seagrid_services()
    stages = {cmd[1] for cmd in services.values() if cmd[0] == "run"}
    assert stages == set(BUILDERS), "compose.yaml and `seagrid run` stages differ"
    for name, command in services.items():
        assert command[0] in COMMANDS, f"{name}: unknown command {command[0]}"
        build_parser(command[0]).parse_args(command)  # exits (fails) on a bad argument


def test_backing_services_and_no_secret_in_the_file() -> None:
    assert {"redis", "postgres"} <= set(COMPOSE["services"])
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert "${POSTGRES_PASSWORD:?" in text
    for service in COMPOSE["services"].values():
        env = service.get("environment", {})
        for value in env.values():
            assert "password=" not in str(value).lower()


def test_the_image_is_built_from_this_repository() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["seagrid"]' in dockerfile
    for service in _seagrid_services():
        assert COMPOSE["services"][service]["build"] == "."
