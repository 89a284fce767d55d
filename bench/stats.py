"""Benchmark: traffic statistics and reports over a month of stored positions.

In a scratch database next to SEAGRID_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), dropped afterwards:

1. generates `n` positions (default 10 million) of a month's traffic inside the demo
   jurisdiction, inside PostgreSQL (`generate_series`: Python would take longer than the
   database), with the cell and office of each from a raster of the demo grid;
2. computes their aggregates from raw positions (`seagrid stats backfill` over the month):
   the baseline, what recomputing the month costs;
3. produces the monthly report of the whole jurisdiction (HTML and PDF), which must take
   under 10 s;
4. writes positions at 5,000 per second through the real `PositionStore` (which folds each
   batch into the statistics in its transaction) and measures the lag from a position's
   arrival to its aggregate's commit, which must stay under 5 s;
5. prints the incremental cost per position (time in the fold / positions) against the
   month's recomputation, and the disk use per million positions.

`--quick` runs the same steps on 100,000 positions and 3 s of writing (tests/stats run it).
The last line printed is one JSON object (CONTRACTS §7).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import statistics
import time
import uuid
from typing import Any

import asyncpg
import numpy as np

from services.core.config import SeagridConfig, load_config
from services.core.db import connect, migrate
from services.core.types import CellPosition
from services.demo import CONFIG_DIR
from services.gridding.grid import Grid
from services.ingest.store import PositionStore
from services.reports.data import gather
from services.reports.period import period_for
from services.reports.render import build_report
from services.stats.backfill import backfill
from services.stats.incremental import RASTER_PER_DEGREE

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
MONTH_START = dt.date(2026, 1, 1)  # the generated month: January 2026 (local days)
VESSELS = 400
RATE = 5000  # positions per second in the live phase
REPORT_LIMIT_S = 10.0
LAG_LIMIT_S = 5.0

# Vessel v at report k: a triangle wave across the jurisdiction's box in lon and lat, with
# per-vessel phase and pace, so tracks cross cells and offices as real ones do.
_GENERATE = """
INSERT INTO positions (ts, lat, lon, speed, course, mmsi, msg_type, source, cell, office)
SELECT g.ts, g.lat, g.lon, g.speed, g.course, g.mmsi, 1, 'bench', r.cell, r.office
FROM (
    SELECT to_timestamp($1::float8 + (k + (v * 7919 % 1000) / 1000.0) * $3::float8) AS ts,
           412000000 + v AS mmsi,
           $5::float8 + ($6::float8 - $5::float8) * abs(mod((v * 0.618 + k * (0.0004 + (v % 7) * 0.0001))::numeric, 2) - 1)::float8 AS lon,
           $7::float8 + ($8::float8 - $7::float8) * abs(mod((v * 0.414 + k * (0.0003 + (v % 5) * 0.0001))::numeric, 2) - 1)::float8 AS lat,
           (4 + v % 15)::float8 AS speed, ((v * 37) % 360)::float8 AS course
    FROM generate_series($2::int, $9::int) AS v, generate_series(0, $4::int - 1) AS k
) g
LEFT JOIN bench_raster r ON r.gx = floor(g.lon * 100)::int AND r.gy = floor(g.lat * 100)::int
"""


def raster(config: SeagridConfig) -> list[tuple[int, int, str, str]]:
    """The demo grid on the density raster: (gx, gy, cell, office) of each square's centre."""
    grid = Grid(config.cells)
    x0, y0, x1, y1 = _bbox(config)
    k = RASTER_PER_DEGREE
    gxs, gys = np.meshgrid(
        np.arange(math.floor(x0 * k), math.floor(x1 * k) + 1),
        np.arange(math.floor(y0 * k), math.floor(y1 * k) + 1),
    )
    gx, gy = gxs.ravel(), gys.ravel()
    index = grid.assign((gx + 0.5) / k, (gy + 0.5) / k, np.full(gx.shape, -1, np.int64))
    out = []
    for x, y, i in zip(gx.tolist(), gy.tolist(), index.tolist(), strict=True):
        cell = grid.cell_id(i)
        if cell is not None:
            out.append((x, y, cell, grid.office(i) or ""))
    return out


def _bbox(config: SeagridConfig) -> tuple[float, float, float, float]:
    xs0, ys0, xs1, ys1 = zip(*(c.geometry.bounds for c in config.cells), strict=True)
    return min(xs0), min(ys0), max(xs1), max(ys1)


async def generate(pool: asyncpg.Pool, config: SeagridConfig, n: int) -> float:
    """Store `n` positions spread over the month; returns the seconds it took."""
    started = time.perf_counter()
    await pool.execute(
        "CREATE TABLE bench_raster (gx int, gy int, cell text, office text, PRIMARY KEY (gx, gy))"
    )
    await pool.copy_records_to_table("bench_raster", records=raster(config))
    start = dt.datetime.combine(MONTH_START, dt.time(), dt.UTC) - dt.timedelta(hours=8)
    seconds = 31 * 86400
    per_vessel = max(1, n // VESSELS)
    interval = seconds / per_vessel
    for day in range(-1, 32):
        await pool.execute(
            "SELECT seagrid_position_partition(DATE '1970-01-01' + $1::int)",
            int(start.timestamp() // 86400) + day,
        )
    x0, y0, x1, y1 = _bbox(config)
    # one statement per slice of vessels: progress, and no single huge transaction
    step = max(1, VESSELS // 8)
    for first in range(0, VESSELS, step):
        last = min(first + step, VESSELS) - 1
        await pool.execute(
            _GENERATE, start.timestamp(), first, interval, per_vessel, x0, x1, y0, y1, last
        )
    await pool.execute("ANALYZE positions")
    return time.perf_counter() - started


async def live(pool: asyncpg.Pool, config: SeagridConfig, seconds: float) -> dict[str, float]:
    """Write RATE positions per second for `seconds`; lag = commit time - arrival time."""
    squares = {(x, y): (c, o) for x, y, c, o in raster(config)}
    x0, y0, x1, y1 = _bbox(config)
    store = PositionStore(pool)
    t0 = dt.datetime.combine(MONTH_START + dt.timedelta(days=31), dt.time(), dt.UTC).timestamp()
    lags: list[float] = []
    written = 0
    began = time.perf_counter()
    batches = int(seconds)
    for b in range(batches):
        due = began + b  # the batch's positions have all arrived by then
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        store.add(_batch(b, t0, squares, (x0, y0, x1, y1)))
        await store.flush()
        lags.append(time.perf_counter() - due)
        written += RATE
    elapsed = time.perf_counter() - began
    return {
        "live_positions": written,
        "live_rate": written / elapsed,
        "lag_max_s": max(lags),
        "lag_p50_s": statistics.median(lags),
        "fold_s": store.fold_seconds,
    }


def _batch(
    b: int,
    t0: float,
    squares: dict[tuple[int, int], tuple[str, str]],
    box: tuple[float, float, float, float],
) -> list[CellPosition]:
    out = []
    for i in range(RATE):
        v = i % VESSELS
        k = b * (RATE // VESSELS) + i // VESSELS
        lon = box[0] + (box[2] - box[0]) * abs((v * 0.618 + k * 0.0005) % 2 - 1)
        lat = box[1] + (box[3] - box[1]) * abs((v * 0.414 + k * 0.0004) % 2 - 1)
        cell, office = squares.get((math.floor(lon * 100), math.floor(lat * 100)), (None, None))
        out.append(
            CellPosition(
                412000000 + v,
                t0 + b + i / RATE,
                lat,
                lon,
                cell,
                office or None,
                speed=float(4 + v % 15),
            )
        )
    return out


async def disk(pool: asyncpg.Pool, n: int) -> dict[str, float]:
    """MB per million positions: raw (partitions with indexes) and the aggregates."""
    raw = await pool.fetchval(
        "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'positions'::regclass"
    )
    aggregates = await pool.fetchval(
        "SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['traffic_presence', 'traffic_density', 'traffic_vessel_last']::regclass[]) t"
    )
    per_million = 1e6 / max(n, 1) / 1e6
    return {
        "raw_mb_per_million": float(raw) * per_million,
        "aggregates_mb_per_million": float(aggregates) * per_million,
    }


async def run(n: int, live_seconds: float, url: str | None = None) -> dict[str, Any]:
    admin_url = url or os.environ.get("SEAGRID_DATABASE_URL", DEFAULT_URL)
    name = f"seagrid_bench_stats_{uuid.uuid4().hex[:8]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        pool = await connect(f"{admin_url.rsplit('/', 1)[0]}/{name}", max_size=4)
        try:
            await migrate(pool)
            return await _measure(pool, n, live_seconds)
        finally:
            await pool.close()
    finally:
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _measure(pool: asyncpg.Pool, n: int, live_seconds: float) -> dict[str, Any]:
    config = load_config(CONFIG_DIR)
    generate_s = await generate(pool, config, n)
    stored = await pool.fetchval("SELECT count(*) FROM positions")
    print(f"generated {stored} positions in {generate_s:.1f} s")
    started = time.perf_counter()
    await backfill(pool, MONTH_START, MONTH_START + dt.timedelta(days=31))
    recompute_s = time.perf_counter() - started
    print(f"recomputed the month's aggregates from raw positions in {recompute_s:.1f} s")
    space = await disk(pool, stored)
    month = period_for("month", dt.date(2026, 1, 31))
    started = time.perf_counter()
    html = await build_report(pool, config, month, None, "zh-CN", "html")
    report_s = time.perf_counter() - started
    started = time.perf_counter()
    data = await gather(pool, config, month, None)
    gather_s = time.perf_counter() - started
    started = time.perf_counter()
    await build_report(pool, config, month, None, "zh-CN", "pdf")
    report_pdf_s = time.perf_counter() - started
    print(
        f"monthly report: HTML {report_s:.2f} s ({len(html) // 1024} KiB; reading the figures "
        f"again {gather_s:.2f} s), PDF {report_pdf_s:.2f} s; {data.traffic.vessel_hours} "
        f"vessel-hours; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    flow = await live(pool, config, live_seconds)
    incremental_us = flow["fold_s"] / flow["live_positions"] * 1e6
    recompute_us = recompute_s / stored * 1e6
    print(
        f"live: {flow['live_rate']:.0f} positions/s, aggregate lag max {flow['lag_max_s']:.2f} s "
        f"(median {flow['lag_p50_s']:.2f} s)\n"
        f"incremental: {incremental_us:.1f} us per position, paid once as positions arrive; "
        f"recomputing the month: {recompute_s:.1f} s ({recompute_us:.1f} us per position) per request\n"
        f"disk: raw positions {space['raw_mb_per_million']:.0f} MB per million, aggregates "
        f"{space['aggregates_mb_per_million']:.1f} MB per million"
    )
    return {
        "bench": "stats",
        "positions": stored,
        "report_s": round(report_s, 2),
        "report_pdf_s": round(report_pdf_s, 2),
        "report_ok": report_s < REPORT_LIMIT_S,
        "figures_s": round(gather_s, 2),
        "load_average": round(os.getloadavg()[0], 1),
        "live_rate": round(flow["live_rate"]),
        "lag_max_s": round(flow["lag_max_s"], 2),
        "lag_ok": flow["lag_max_s"] < LAG_LIMIT_S,
        "incremental_us_per_position": round(incremental_us, 1),
        "recompute_month_s": round(recompute_s, 1),
        "baseline_us_per_position": round(recompute_us, 1),
        "ratio": round(recompute_us / incremental_us, 2) if incremental_us else None,
        "raw_mb_per_million": round(space["raw_mb_per_million"], 1),
        "aggregates_mb_per_million": round(space["aggregates_mb_per_million"], 1),
    }


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 positions, 3 s of writing")
    parser.add_argument("--positions", type=int, default=None)
    args = parser.parse_args(argv)
    n = args.positions or (100_000 if args.quick else 10_000_000)
    result = asyncio.run(run(n, 3 if args.quick else 20))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
