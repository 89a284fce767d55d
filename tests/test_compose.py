"""compose.yaml and the Dockerfile cannot run here (no container engine): check that they
describe what exists, the deployment shape issue #13 asks for, and no secret."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from services.cli.main import COMMANDS, build_parser

REPO = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (REPO / "compose.yaml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")


def _seagrid_services() -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in COMPOSE["services"].items()
        if service.get("image", "").startswith("seagrid")
    }


def _option(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def test_compose_commands_exist_in_the_cli_contract_s10() -> None:
    """Every service's command parses with the real `seagrid` parser, including CONTRACTS
    §10's `run persist`, `--partition I/N` and `--metrics-port`. This is the one test that
    fails until the branches adding those (issue #13) are merged: argparse exits on them."""
    for name, command in _seagrid_services().items():
        assert command[0] in COMMANDS, f"{name}: unknown command {command[0]}"
        try:
            build_parser(command[0]).parse_args(command)
        except SystemExit as exc:
            raise AssertionError(f"{name}: `seagrid {' '.join(command)}` does not parse") from exc


def test_the_deployment_shape() -> None:
    """Ingest, two partitions of gridding and alerts, persist, two web replicas; every run
    process has a metrics port and a health check on it, the web one on /readyz."""
    runs = {n: c for n, c in _seagrid_services().items() if c[0] == "run"}
    by_stage: dict[str, list[list[str]]] = {}
    for command in runs.values():
        by_stage.setdefault(command[1], []).append(command)
    assert set(by_stage) == {"ingest", "gridding", "alerts", "persist", "web"}
    for stage in ("gridding", "alerts"):
        partitions = sorted(_option(c, "--partition") or "" for c in by_stage[stage])
        assert partitions == ["0/2", "1/2"], stage
    for name, command in runs.items():
        service = COMPOSE["services"][name]
        probe = service["healthcheck"]["test"]
        if command[1] == "web":
            assert probe[-1] == "http://127.0.0.1:8000/readyz"
            assert service["deploy"]["replicas"] == 2
            assert "--partition" not in command
        else:
            port = _option(command, "--metrics-port")
            assert port is not None, f"{name}: no --metrics-port"
            assert probe[-1] == f"http://127.0.0.1:{port}/healthz", name
        assert probe[:4] == ["CMD", "python", "-m", "services.core.probe"]


def test_start_order_waits_for_health() -> None:
    services = COMPOSE["services"]
    for name in _seagrid_services():
        depends = services[name]["depends_on"]
        assert {"redis", "postgres"} <= set(depends), name
        for target, condition in depends.items():
            assert condition == {"condition": "service_healthy"}, (name, target)
            assert "healthcheck" in services[target], f"{name} waits on {target}, no check"
    # Consumers first: their groups must exist before ingest publishes.
    consumers = {n for n, c in _seagrid_services().items() if c[1] != "ingest" and c[1] != "web"}
    assert consumers <= set(services["ingest"]["depends_on"])


def test_redis_keeps_its_streams_with_aof_everysec() -> None:
    command = COMPOSE["services"]["redis"]["command"]
    assert _option(command, "--appendonly") == "yes"
    assert _option(command, "--appendfsync") == "everysec"
    assert "appendfsync always" in COMPOSE_TEXT  # the trade-off is written down beside it
    assert any(v.endswith(":/data") for v in COMPOSE["services"]["redis"]["volumes"])


def test_backing_services_and_no_secret_in_the_file() -> None:
    assert {"redis", "postgres"} <= set(COMPOSE["services"])
    assert "${POSTGRES_PASSWORD:?" in COMPOSE_TEXT
    assert "${SEAGRID_SECRET_KEY:?" in COMPOSE_TEXT
    for service in COMPOSE["services"].values():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|SECRET|KEY", key):
                assert str(value).startswith("${"), f"{key} is written in the file"
            assert not re.search(r"://[^:/@]+:[^$@][^@]*@", str(value)), f"{key} has a password"


def test_the_image_is_built_from_this_repository() -> None:
    assert 'ENTRYPOINT ["seagrid"]' in DOCKERFILE
    for service in _seagrid_services():
        assert COMPOSE["services"][service]["build"] == "."


def test_the_image_builds_the_map_and_runs_without_root() -> None:
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?", DOCKERFILE, re.M)
    assert stages[0][0].startswith("node:") and stages[-1][0].startswith("python:3.11")
    assert "npm ci" in DOCKERFILE and "COPY --from=frontend" in DOCKERFILE
    assert "SEAGRID_REQUIRE_MAP=1" in DOCKERFILE  # the build fails without MapLibre
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*services\.core\.probe", DOCKERFILE, re.M)
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "frontend/node_modules"} <= set(ignored)
