"""`python -m tests.stats.fill ADMIN_URL NAME`: create database NAME holding the replayed demo
recording (positions with statistics, alerts and operator responses), for tests that cannot
run asyncio in their own process (the browser tests: Playwright's loop owns it)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from services.demo import RECORDING
from tests.stats.conftest import _admin, _fill


def main(admin_url: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        alerts = Path(tmp) / "alerts.jsonl"
        subprocess.run(
            [sys.executable, "-m", "services.cli.main", "replay", str(RECORDING), "--speed", "max",
             "--alerts-out", str(alerts)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
        asyncio.run(_fill(admin_url.rsplit("/", 1)[0] + f"/{name}", alerts))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
