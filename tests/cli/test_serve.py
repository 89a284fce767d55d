"""`seagrid serve` as a real process: the demo on a free port, and start-up refusals."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from services.assembly.embedded import StartupError, signer_for
from services.core.settings import DEMO_CONFIG_DIR
from services.web.auth import AuthError, User
from services.web.settings import ServeSettings
from tests.web.conftest import free_port

SEAGRID = [sys.executable, "-m", "services.cli.main"]
REPO = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    env.update(extra)
    return env


def _wait_for(url: str, proc: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("serve did not come up")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [*SEAGRID, "serve", "--demo", "--port", str(port), "--speed", "5"],
            cwd=REPO,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as proc,
    ):
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/healthz", proc)
            yield base, proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)


def test_demo_prints_url_and_users_and_they_log_in(
    demo: tuple[str, subprocess.Popen[str]],
) -> None:
    base, proc = demo
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]
    assert base in lines[0] and "password: demo" in lines[1]
    printed = lines[2:] + [proc.stdout.readline() for _ in range(9)]
    names = {line.split()[0] for line in printed}
    assert {"operator", "supervisor", "admin", "patrol", "shishi", "nanan"} <= names
    for name in ("operator", "shishi", "patrol", "admin", "supervisor"):
        reply = httpx.post(f"{base}/api/auth/token", data={"username": name, "password": "demo"})
        assert reply.status_code == 200, name
    wrong = httpx.post(f"{base}/api/auth/token", data={"username": "operator", "password": "x"})
    assert wrong.status_code == 401
    assert httpx.get(f"{base}/api/vessels").status_code == 401  # demo mode too


def test_demo_shows_live_vessels_within_seconds(demo: tuple[str, subprocess.Popen[str]]) -> None:
    base, _ = demo
    token = httpx.post(
        f"{base}/api/auth/token", data={"username": "operator", "password": "demo"}
    ).json()["access_token"]

    async def first_frames() -> tuple[dict, dict]:
        url = base.replace("http", "ws") + f"/ws/live?token={token}"
        async with connect(url, max_size=None) as ws:
            await ws.send(orjson.dumps({"type": "subscribe", "bbox": [118, 24, 120, 26]}).decode())
            frames = []
            while len(frames) < 2:
                msg = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg["type"] == "positions":
                    frames.append(msg)
            return frames[0], frames[1]

    snapshot, delta = asyncio.run(first_frames())
    assert snapshot["snapshot"] is True and len(snapshot["vessels"]) > 20
    assert all(abs(v["ts"] - time.time()) < 600 for v in snapshot["vessels"])  # shifted to now
    assert delta["vessels"] or delta["removed"]
    ready = httpx.get(f"{base}/readyz").json()
    assert ready["ready"] is True
    metrics = httpx.get(f"{base}/metrics").text
    assert 'seagrid_ingest_status{stage="ingest",counter="positions"}' in metrics
    assert 'seagrid_bus_lag{topic="seagrid.positions",group="gridding"}' in metrics


def test_sigterm_stops_the_demo_cleanly() -> None:
    port = free_port()
    with subprocess.Popen(
        [*SEAGRID, "serve", "--demo", "--port", str(port)],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as proc:
        _wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_without_demo_a_secret_key_is_required() -> None:
    result = subprocess.run(
        [*SEAGRID, "serve", "--port", str(free_port())],
        cwd=REPO,
        env=_env(SEAGRID_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/test"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "SEAGRID_SECRET_KEY" in result.stderr


def test_signing_key_rules() -> None:
    with pytest.raises(StartupError, match="SEAGRID_SECRET_KEY"):
        signer_for(ServeSettings(secret_key=None), demo=False)
    with pytest.raises(StartupError, match="16 bytes"):
        signer_for(ServeSettings(secret_key="short"), demo=False)
    a, b = signer_for(ServeSettings(), demo=True), signer_for(ServeSettings(), demo=True)
    token, _ = a.issue(User("x", "admin"), 0)
    with pytest.raises(AuthError, match="invalid token"):
        b.check(token, 1)  # a random key per process: tokens die with the demo


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--speed", "max"], "--speed"),
        (["--speed", "-1"], "speed"),
        (["--port", "70000"], "port"),
        (["--config", "/nonexistent"], "not a directory"),
    ],
)
def test_bad_arguments_exit_1_with_a_clear_line(args: list[str], message: str) -> None:
    result = subprocess.run(
        [*SEAGRID, "serve", "--demo", *args],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_demo_config_is_the_default() -> None:
    assert ServeSettings().config_dir == DEMO_CONFIG_DIR
