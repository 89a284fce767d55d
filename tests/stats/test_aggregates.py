"""Traffic aggregates kept by the position writer equal a direct computation from the raw
positions of a replayed recording, exactly, per cell, vessel and hour; a back-fill gives
the same rows; a redelivered batch is counted once."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from services.ingest.store import PositionStore
from services.stats.backfill import backfill
from tests.stats.conftest import TRAFFIC
from tests.stats.direct import density_totals, presence
from tests.stats.recording import write_recording

pytestmark = pytest.mark.postgres

_PRESENCE = """
SELECT hour, cell, mmsi, office, positions, speed_n, speed_dk, speed_max, entries, exits
FROM traffic_presence"""
_DENSITY = "SELECT day, gx, gy, sum(positions) AS n FROM traffic_density GROUP BY 1, 2, 3"


async def stored_presence(pool: asyncpg.Pool) -> dict[Any, tuple[Any, ...]]:
    return {(r[0], r[1], r[2]): tuple(r)[3:] for r in await pool.fetch(_PRESENCE)}


async def stored_density(pool: asyncpg.Pool) -> dict[Any, int]:
    return {(r["day"], r["gx"], r["gy"]): r["n"] for r in await pool.fetch(_DENSITY)}


async def raw(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT mmsi, ts, lat, lon, speed, cell, office FROM positions")


async def test_incremental_equals_direct_computation_and_backfill(pool: asyncpg.Pool) -> None:
    written = await write_recording(PositionStore(pool, batch_size=1500), redeliver=3)
    rows = await raw(pool)
    assert len(rows) == written  # the redelivered batch is stored once...
    expected = presence(rows)
    incremental = await stored_presence(pool)
    assert incremental == expected  # ...and counted once, per hour, cell and vessel
    assert sum(v[5] for v in expected.values()) > 100  # entries happen in the recording
    assert sum(v[6] for v in expected.values()) > 100
    assert await stored_density(pool) == density_totals(rows)
    last = await pool.fetch("SELECT * FROM traffic_vessel_last ORDER BY mmsi")

    await pool.execute(f"TRUNCATE {TRAFFIC}")
    result = await backfill(pool)
    assert result.positions == written and result.days >= 1
    assert await stored_presence(pool) == incremental
    assert await stored_density(pool) == density_totals(rows)
    assert await pool.fetch("SELECT * FROM traffic_vessel_last ORDER BY mmsi") == last
    # and a second back-fill of the same days replaces, never adds
    await backfill(pool)
    assert await stored_presence(pool) == incremental


async def test_office_figures_count_each_vessel_once(pool: asyncpg.Pool) -> None:
    await write_recording(PositionStore(pool, batch_size=5000))
    hourly = await pool.fetch(
        "SELECT office, count(DISTINCT mmsi) AS n FROM traffic_presence WHERE positions > 0"
        " GROUP BY office"
    )
    direct = await pool.fetch(
        "SELECT office, count(DISTINCT mmsi) AS n FROM positions WHERE office IS NOT NULL"
        " GROUP BY office"
    )
    assert sorted(map(tuple, hourly)) == sorted(map(tuple, direct))
    # the roll-up view sums to the presence rows
    view = await pool.fetchval("SELECT sum(positions) FROM traffic_hourly")
    assert view == await pool.fetchval("SELECT count(*) FROM positions WHERE cell IS NOT NULL")
