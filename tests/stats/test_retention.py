"""Retention drops whole daily partitions of raw positions and keeps the aggregates."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys

import asyncpg
import pytest

from services.core.bus_memory import MemoryBus
from services.core.settings import DatabaseSettings
from services.core.types import CellPosition
from services.ingest.persist import PersistStage
from services.ingest.store import PositionStore
from services.stats.retention import drop_old_positions, partitions

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


def at(days_ago: float, mmsi: int = 412000001) -> CellPosition:
    ts = (NOW - dt.timedelta(days=days_ago)).timestamp()
    return CellPosition(mmsi, ts, 24.8, 118.6, "C-07", "shishi", speed=8.0)


async def test_old_partitions_go_and_aggregates_stay(pool: asyncpg.Pool) -> None:
    store = PositionStore(pool)
    store.add([at(200), at(200.01), at(181.5), at(179), at(1), at(0)])
    await store.flush()
    before = await pool.fetchval("SELECT sum(positions) FROM traffic_presence")
    assert before == 6
    assert len(await partitions(pool)) == 5

    dropped = await drop_old_positions(pool, 180, now=NOW)
    assert [d.isoformat() for d in dropped] == ["2025-12-12", "2025-12-31"]
    assert await pool.fetchval("SELECT count(*) FROM positions") == 3
    assert await pool.fetchval("SELECT sum(positions) FROM traffic_presence") == before
    assert await drop_old_positions(pool, 180, now=NOW) == []  # nothing left to drop

    # a late report for a dropped day: the writer creates the partition again
    store.add([at(200, mmsi=412000002)])
    await store.flush()
    assert await pool.fetchval("SELECT count(*) FROM positions") == 4


async def test_keep_days_must_be_positive(pool: asyncpg.Pool) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await drop_old_positions(pool, 0)


def test_retention_command(pg_url: str) -> None:
    env = dict(os.environ, SEAGRID_DATABASE_URL=pg_url)
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "stats", "retention", "--keep-days", "3650"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dropped 0 daily partitions")
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "stats", "retention", "--keep-days", "0"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "at least 1" in done.stderr


async def test_the_persist_stage_applies_retention_when_it_starts(pool: asyncpg.Pool) -> None:
    store = PositionStore(pool)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    store.add([CellPosition(412000003, old.timestamp(), 24.8, 118.6, "C-07", "shishi")])
    await store.flush()
    stage = PersistStage(pool, DatabaseSettings(retention_days=180))
    stop = asyncio.Event()
    stop.set()  # start, apply retention, write nothing, stop
    await stage.run(MemoryBus(), stop)
    assert await pool.fetchval("SELECT count(*) FROM positions") == 0
    assert await pool.fetchval("SELECT sum(positions) FROM traffic_presence") == 1
    assert old.date() not in await partitions(pool)
