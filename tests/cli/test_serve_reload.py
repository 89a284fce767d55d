"""`seagrid serve` reloads its grid on SIGHUP, as `seagrid run gridding` does."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / "services" / "demo" / "config"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gridding(base: str, counter: str) -> float | None:
    try:
        text = httpx.get(f"{base}/metrics", timeout=5).text
    except httpx.HTTPError:  # not listening yet
        return None
    pattern = rf'seagrid_gridding_status\{{[^}}]*counter="{counter}"[^}}]*\}} ([0-9.e+]+)'
    found = re.search(pattern, text)
    return float(found.group(1)) if found else None


def _wait(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_sighup_applies_a_changed_grid_and_keeps_the_old_one_when_broken(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEMO_CONFIG, config)
    grid_file = config / "grid.geojson"
    grid = json.loads(grid_file.read_text(encoding="utf-8"))
    cells = len(grid["features"])
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "serve", "--demo", "--port", str(port)]
        + ["--config", str(config)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        _wait(lambda: _gridding(base, "cells") == cells)

        grid["features"] = grid["features"][:-1]
        grid_file.write_text(json.dumps(grid), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        _wait(lambda: _gridding(base, "reloads") == 1)
        assert _gridding(base, "cells") == cells - 1

        grid_file.write_text("{broken", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        _wait(lambda: _gridding(base, "reload_failures") == 1)
        assert _gridding(base, "cells") == cells - 1
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
