"""Benchmark: positions per second through PositionStore into the local PostgreSQL.

Creates a scratch database next to SEAGRID_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), migrates it, writes `n` positions of a simulated
Quanzhou-bay traffic picture in the store's batches (add + flush per batch, as the persist
stage does), and drops the database. The baseline is what a naive sink would do: one
`executemany` INSERT per batch of the same rows, measured on fewer rows in the same run.
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
from dataclasses import dataclass
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.core.db import connect, migrate  # noqa: E402
from services.core.types import Position  # noqa: E402
from services.ingest.store import DEFAULT_BATCH_SIZE, PositionStore  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BASELINE_N = 10_000

_BASELINE_INSERT = """
INSERT INTO positions (mmsi, ts, lat, lon, speed, course, turn, heading, status, msg_type, source)
VALUES ($1, to_timestamp($2), $3, $4, $5, $6, $7, $8, $9, $10, $11)
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


def simulated_positions(n: int, *, vessels: int = 1500, seed: int = 7) -> list[Position]:
    """`n` reports of `vessels` ships moving in the Quanzhou approaches, in time order.

    A fifth are class B (type 18, no heading or status); a third are moored or at anchor.
    """
    rng = random.Random(seed)
    ships = [_ship(rng, 413_000_000 + i) for i in range(vessels)]
    due = [(rng.uniform(0, 10), i) for i in range(vessels)]
    heapq.heapify(due)
    out: list[Position] = []
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


def _report(ship: _Ship, ts: float, rng: random.Random) -> Position:
    class_b = ship.class_b
    return Position(
        mmsi=ship.mmsi,
        ts=round(ts, 3),
        lat=round(ship.lat, 6),
        lon=round(ship.lon, 6),
        speed=round(ship.speed, 1),
        course=round(ship.course, 1),
        heading=None if class_b else int(ship.course) % 360,
        status=None if class_b else (1 if ship.speed < 0.5 else 0),
        turn=None if class_b or rng.random() < 0.5 else 0.0,
        msg_type=18 if class_b else 1,
        source="bench",
    )


async def _store_rate(pool: asyncpg.Pool, positions: list[Position]) -> float:
    store = PositionStore(pool)
    start = time.perf_counter()
    for i in range(0, len(positions), store.batch_size):
        store.add(positions[i : i + store.batch_size])
        await store.flush()
    elapsed = time.perf_counter() - start
    stored = await pool.fetchval("SELECT count(*) FROM positions")
    if stored != len(positions):
        raise RuntimeError(f"stored {stored} positions, expected {len(positions)}")
    return len(positions) / elapsed


async def _baseline_rate(pool: asyncpg.Pool, positions: list[Position]) -> float:
    rows = [
        (p.mmsi, p.ts, p.lat, p.lon, p.speed, p.course, p.turn, p.heading, p.status)
        + (p.msg_type, p.source)
        for p in positions
    ]
    start = time.perf_counter()
    async with pool.acquire() as conn:
        for i in range(0, len(rows), DEFAULT_BATCH_SIZE):
            async with conn.transaction():
                await conn.executemany(_BASELINE_INSERT, rows[i : i + DEFAULT_BATCH_SIZE])
    return len(rows) / (time.perf_counter() - start)


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
            rate = await _store_rate(pool, positions)
            await pool.execute("TRUNCATE positions")
            baseline = await _baseline_rate(pool, positions[: min(baseline_n, n)])
        finally:
            await pool.close()
    finally:
        await _scratch(admin_url, name, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"items_per_s": rate, "baseline_items_per_s": baseline}


def measure_pg_sink(n: int = 200_000) -> float:
    """Positions per second written through PositionStore (COPY batches) into PostgreSQL."""
    return asyncio.run(run_pg_sink(n))["items_per_s"]


def main() -> int:
    rates = asyncio.run(run_pg_sink())
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
