"""`seagrid serve --demo` shows the command loop within its first minutes: an overdue case
already escalated, an instruction waiting for the patrol tablet, a repeat offender's record,
and the emergency case opened from the recording's distress alert."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.cli.test_serve import REPO, SEAGRID, _env, _wait_for
from tests.web.conftest import free_port


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [*SEAGRID, "serve", "--demo", "--port", str(port), "--speed", "10"],
            cwd=REPO,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        ) as proc,
    ):
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/healthz", proc)
            yield base
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)


def token(base: str, name: str) -> dict[str, str]:
    reply = httpx.post(f"{base}/api/auth/token", data={"username": name, "password": "demo"})
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_the_demo_scripts_the_loop(demo: str) -> None:
    op = token(demo, "operator")
    deadline = time.monotonic() + 60
    emergency = None
    while time.monotonic() < deadline and emergency is None:
        cases = httpx.get(f"{demo}/api/cases?status=open", headers=op).json()["items"]
        emergency = next((c for c in cases if c["type"] == "search_rescue"), None)
        time.sleep(0.5)
    assert emergency is not None, "no emergency case from the distress alert"
    assert emergency["priority"] == "critical" and emergency["alert_ids"]
    assert emergency["office"] == "shishi" and "assist" in emergency
    overdue = httpx.get(f"{demo}/api/cases?overdue=true", headers=op).json()["items"]
    assert any(c["mmsi"] == 412440101 and "centre" in c["escalated_to"] for c in overdue)
    crew = token(demo, "patrol")
    pending = httpx.get(f"{demo}/api/instructions?pending=true", headers=crew).json()["items"]
    assert len(pending) == 1 and pending[0]["to"].startswith("patrol:")
    ack = httpx.post(f"{demo}/api/instructions/{pending[0]['id']}/ack", headers=crew)
    assert ack.status_code == 200 and ack.json()["case"]["status"] == "acknowledged"
    detail = httpx.get(f"{demo}/api/cases/{overdue[0]['id']}", headers=op).json()
    assert detail["vessel_record"]["violations"] >= 1
