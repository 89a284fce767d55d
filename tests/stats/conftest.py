from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import orjson
import pytest

from services.alerts.model import AlertChange, alert_from_json
from services.alerts.store import PgAlertStore
from services.alerts.store_api import InvalidTransition
from services.core.db import open_database
from services.demo import RECORDING
from services.ingest.store import PositionStore
from services.stats.retention import partitions
from tests.stats.recording import write_recording

TRAFFIC = "traffic_presence, traffic_density, traffic_vessel_last"


@pytest.fixture
async def pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_database(pg_url)
    await pool.execute(f"TRUNCATE positions, vessels, {TRAFFIC}")
    for name in (await partitions(pool)).values():  # other tests' days, empty now
        await pool.execute(f'DROP TABLE "{name}"')
    yield pool
    await pool.close()


# The demo recording: 2026-03-02 00:00-02:00 UTC (08:00-10:00 in Quanzhou).
RECORDING_DAY = "2026-03-02"


@pytest.fixture(scope="session")
def filled_url(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own holding the demo recording as the pipeline stores it: positions
    (through the real writer, with its statistics), the alerts `seagrid replay` raises on it,
    and operator responses to them at known times."""
    name = f"seagrid_reports_{uuid.uuid4().hex[:8]}"
    admin_url = pg_url.rsplit("/", 1)[0] + "/postgres"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    alerts = tmp_path_factory.mktemp("replay") / "alerts.jsonl"
    subprocess.run(
        [sys.executable, "-m", "services.cli.main", "replay", str(RECORDING), "--speed", "max",
         "--alerts-out", str(alerts)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    asyncio.run(_fill(url, alerts))
    try:
        yield url
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# Operator responses: (every n-th alert, action, seconds after raise)
RESPONSES = ((2, "acknowledge", 90.0), (3, "resolve", 600.0), (5, "false_alarm", 1200.0))


async def _fill(url: str, alerts_file: Path) -> None:
    pool = await open_database(url)
    try:
        await write_recording(PositionStore(pool))
        store = PgAlertStore(pool)
        for line in alerts_file.read_text().splitlines():
            alert = alert_from_json(orjson.loads(line))
            await store.apply(AlertChange("raised", alert, alert.raised_at))
        rows = await pool.fetch(
            "SELECT id, extract(epoch FROM raised_at)::float8 AS t FROM alerts ORDER BY id"
        )
        for i, row in enumerate(rows):
            for every, action, after in RESPONSES:
                if i % every == 0:
                    with contextlib.suppress(InvalidTransition):
                        await store.transition(row["id"], action, "op", row["t"] + after + i)
    finally:
        await pool.close()
