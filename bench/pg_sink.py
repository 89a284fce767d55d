"""Benchmark: positions per second through PositionStore into the local PostgreSQL.

Creates a scratch database next to SEAGRID_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), migrates it, writes `n` positions of a simulated
Quanzhou-bay traffic picture in the store's batches (add + flush per batch, as the persist
stage does), and drops the database. The baseline is what a naive sink would do: one
`executemany` INSERT (with the same ON CONFLICT, so both are idempotent) per batch of the
same rows, measured on fewer rows in the same run, into a twin table with the same indexes.
Positions carry a cell and office as gridding would give them: a 0.1-degree grid over the
bay with six offices, and NULL for the quarter of the traffic outside it, so the partial
(cell, ts) and (office, ts) indexes cost what they would in service.
The last line printed is one JSON object (CONTRACTS §7).
"""

from __future__ import annotations

import asyncio
import heapq
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass

import asyncpg

from services.core.db import connect, migrate
from services.core.types import CellPosition
from services.ingest.store import DEFAULT_BATCH_SIZE, PositionStore

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BASELINE_N = 20_000

_BASELINE_TABLE = "positions_baseline"
_BASELINE_INSERT = f"""
INSERT INTO {_BASELINE_TABLE} (mmsi, ts, lat, lon, speed, course, turn, heading, status, msg_type,
                               source, cell, office)
VALUES ($1, to_timestamp($2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (mmsi, ts, lat, lon) DO NOTHING"""


@dataclass(slots=True)
class _Ship:
    mmsi: int
    lat: float
    lon: float
    speed: float
    course: float
    class_b: bool

    @property
    def interval(self) -> float:
        """Reporting interval (ITU-R M.1371): class A by speed, class B every 30 s."""
        if self.class_b:
            return 30.0
        return 10.0 if self.speed < 14 else 6.0 if self.speed < 23 else 2.0

    def move(self, seconds: float) -> None:
        distance_deg = self.speed * seconds / 3600 / 60
        self.lat += distance_deg * math.cos(math.radians(self.course))
        self.lon += distance_deg * math.sin(math.radians(self.course))


def simulated_positions(n: int, *, vessels: int = 1500, seed: int = 7) -> list[CellPosition]:
    """`n` reports of `vessels` ships moving in the Quanzhou approaches, in time order.

    A fifth are class B (type 18, no heading or status); a third are moored or at anchor.
    """
    rng = random.Random(seed)
    ships = [_ship(rng, 413_000_000 + i) for i in range(vessels)]
    due = [(rng.uniform(0, 10), i) for i in range(vessels)]
    heapq.heapify(due)
    out: list[CellPosition] = []
    while len(out) < n:
        t, i = due[0]
        ship = ships[i]
        out.append(_report(ship, 1_750_000_000.0 + t, rng))
        ship.move(ship.interval)
        heapq.heapreplace(due, (t + ship.interval, i))
    return out


def _ship(rng: random.Random, mmsi: int) -> _Ship:
    return _Ship(
        mmsi=mmsi,
        lat=rng.uniform(24.45, 25.15),
        lon=rng.uniform(118.45, 119.15),
        speed=rng.choice([0.0, 0.1, rng.uniform(3, 25)]),
        course=rng.uniform(0, 360),
        class_b=rng.random() < 0.2,
    )


def _cell(lat: float, lon: float) -> tuple[str | None, str | None]:
    """A 0.1-degree cell of the bay (24.5..25.1 N, 118.5..119.1 E) and its office."""
    if not (24.5 <= lat < 25.1 and 118.5 <= lon < 119.1):
        return None, None
    row, col = int((lat - 24.5) * 10), int((lon - 118.5) * 10)
    return f"C-{row}{col}", f"office-{row}"


def _report(ship: _Ship, ts: float, rng: random.Random) -> CellPosition:
    class_b = ship.class_b
    lat, lon = round(ship.lat, 6), round(ship.lon, 6)
    cell, office = _cell(lat, lon)
    return CellPosition(
        mmsi=ship.mmsi,
        ts=round(ts, 3),
        lat=lat,
        lon=lon,
        cell=cell,
        office=office,
        speed=round(ship.speed, 1),
        course=round(ship.course, 1),
        heading=None if class_b else int(ship.course) % 360,
        status=None if class_b else (1 if ship.speed < 0.5 else 0),
        turn=None if class_b or rng.random() < 0.5 else 0.0,
        msg_type=18 if class_b else 1,
        source="bench",
    )


class _Timer:
    """Seconds spent in timed blocks, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def rate(self, items: int) -> float:
        return items / self.seconds

    async def time(self, work: Awaitable[object]) -> None:
        start = time.perf_counter()
        await work
        self.seconds += time.perf_counter() - start


async def _store_batch(store: PositionStore, batch: list[CellPosition]) -> None:
    store.add(batch)
    await store.flush()


async def _baseline_batch(pool: asyncpg.Pool, batch: list[CellPosition]) -> None:
    rows = [
        (p.mmsi, p.ts, p.lat, p.lon, p.speed, p.course, p.turn, p.heading, p.status)
        + (p.msg_type, p.source, p.cell, p.office)
        for p in batch
    ]
    async with pool.acquire() as conn, conn.transaction():
        await conn.executemany(_BASELINE_INSERT, rows)


def _batches(items: list[CellPosition], size: int) -> list[list[CellPosition]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _measure(
    pool: asyncpg.Pool, positions: list[CellPosition], baseline_n: int
) -> tuple[float, float]:
    """Both rates; baseline batches are interleaved with the store's so that both meet the
    same load on a shared machine, and go to a twin table so neither sees the other's rows."""
    await pool.execute(f"CREATE TABLE {_BASELINE_TABLE} (LIKE positions INCLUDING ALL)")
    store = PositionStore(pool)
    batches = _batches(positions, store.batch_size)
    baseline = _batches(positions[:baseline_n], DEFAULT_BATCH_SIZE)
    every = max(1, len(batches) // max(1, len(baseline)))
    ours, theirs = _Timer(), _Timer()
    for i, batch in enumerate(batches):
        await ours.time(_store_batch(store, batch))
        if baseline and i % every == every // 2:
            await theirs.time(_baseline_batch(pool, baseline.pop(0)))
    for batch in baseline:
        await theirs.time(_baseline_batch(pool, batch))
    stored = await pool.fetchval("SELECT count(*) FROM positions")
    if stored != len(positions):
        raise RuntimeError(f"stored {stored} positions, expected {len(positions)}")
    gridded = await pool.fetchval("SELECT count(*) FROM positions WHERE cell IS NOT NULL")
    if gridded != sum(p.cell is not None for p in positions):
        raise RuntimeError(f"stored {gridded} positions with a cell, expected more or fewer")
    return ours.rate(len(positions)), theirs.rate(min(baseline_n, len(positions)))


async def _scratch(url: str, name: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql.format(name=name))
    finally:
        await conn.close()


async def run_pg_sink(
    n: int = 200_000, baseline_n: int = BASELINE_N, url: str | None = None
) -> dict[str, float]:
    """Both rates, in a scratch database that is dropped afterwards."""
    admin_url = url or os.environ.get("SEAGRID_DATABASE_URL", DEFAULT_URL)
    name = f"seagrid_bench_{uuid.uuid4().hex[:10]}"
    positions = simulated_positions(n)
    await _scratch(admin_url, name, 'CREATE DATABASE "{name}"')
    try:
        pool = await connect(f"{admin_url.rsplit('/', 1)[0]}/{name}", max_size=2)
        try:
            await migrate(pool)
            rate, baseline = await _measure(pool, positions, baseline_n)
        finally:
            await pool.close()
    finally:
        await _scratch(admin_url, name, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"items_per_s": rate, "baseline_items_per_s": baseline}


def measure_pg_sink(n: int = 200_000) -> float:
    """Positions per second written through PositionStore (COPY batches) into PostgreSQL."""
    return asyncio.run(run_pg_sink(n))["items_per_s"]


def main() -> int:
    quick = "--quick" in sys.argv[1:]  # small sizes, for the test that keeps it working
    rates = asyncio.run(run_pg_sink(5_000, 1_000) if quick else run_pg_sink())
    rate, baseline = rates["items_per_s"], rates["baseline_items_per_s"]
    print(
        json.dumps(
            {
                "bench": "pg_sink",
                "items_per_s": round(rate),
                "baseline_items_per_s": round(baseline),
                "ratio": round(rate / baseline, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
