"""Benchmark: the alert rules (CONTRACTS §7).

1. Throughput: 10,000 vessels, 200,000 positions (20 rounds of one report each, 10 s apart)
   through every rule with the bundled demo configuration (its 99 cells and 15 zones of
   every kind). The vessels are spread over the jurisdiction's bounding box, 20 % of them
   anchored or moored, the rest moving at 2-25 kn, so part of the traffic is inside zones
   and raises speeding, zone entry, predicted entry... Positions are given to
   `RuleEngine.observe` in batches of 1,000 as the alerts stage receives them, with a
   `tick` after each batch (ais_gap, and the close-quarters pass every 30 s of event time
   over all 10,000 vessels): all of it is timed. Cells are assigned beforehand by gridding's
   `Grid.assign`, which is the gridding stage's work, not ours.
2. Close quarters: 5,000 vessels under way in one 40 x 40 nm area (Quanzhou's waters, at a
   density of 3 per square mile, several times a busy day); one seagrid pass (the engine's
   own `encounters`: gather, dead-reckon, per-vessel CPA/TCPA from the demo zones' own
   overrides, STRtree candidate pairs, numpy CPA/TCPA) against a plain Python loop over all
   12.5 million pairs on the same projected positions and velocities (each pair then held
   to its own thresholds); both must find the same pairs.

Prints a few lines of detail, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import shapely

from services.alerts.cpa import naive_pairs_python, project, velocity
from services.alerts.evaluator import RuleEngine
from services.alerts.rules.close_quarters import encounters, vessel_limits
from services.alerts.thresholds import Thresholds
from services.alerts.track import Track
from services.alerts.zones import ZoneIndex
from services.core.config import load_config
from services.core.types import CellPosition
from services.gridding.grid import Grid

DEMO = Path(__file__).resolve().parent.parent / "services" / "demo" / "config"
VESSELS = 10_000
ROUNDS = 20
DT = 10.0
BATCH = 1_000
CQ_VESSELS = 5_000
CQ_BOX_NM = 40.0
SEED = 20260301
T0 = 1772323200.0  # 2026-03-01T00:00:00Z: the demo waterworks zone is active
REPEATS = 3


def make_positions(grid: Grid, rng: np.random.Generator) -> list[CellPosition]:
    minx, miny, maxx, maxy = shapely.total_bounds([c.geometry for c in grid.cells]).tolist()
    lon = rng.uniform(minx, maxx, VESSELS)
    lat = rng.uniform(miny, maxy, VESSELS)
    moored = rng.random(VESSELS) < 0.2
    speed = np.where(moored, rng.uniform(0.0, 0.3, VESSELS), rng.uniform(2.0, 25.0, VESSELS))
    course = rng.uniform(0, 360, VESSELS)
    status = np.where(moored, 1, 0)
    class_b = rng.random(VESSELS) < 0.3
    mmsi = 412_000_000 + np.arange(VESSELS) * 7 + 11
    out: list[CellPosition] = []
    prev = np.full(VESSELS, -1, dtype=np.int64)
    for r in range(ROUNDS):
        course = (course + rng.normal(0, 3, VESSELS)) % 360
        step = speed * 0.514444 * DT
        lat = lat + step * np.cos(np.radians(course)) / 111120
        lon = lon + step * np.sin(np.radians(course)) / (111120 * np.cos(np.radians(lat)))
        prev = cells = grid.assign(lon, lat, prev)
        ts = T0 + r * DT + rng.uniform(0, DT, VESSELS)
        order = np.argsort(ts)
        for k in order.tolist():
            c = int(cells[k])
            out.append(
                CellPosition(
                    int(mmsi[k]), float(ts[k]), float(lat[k]), float(lon[k]),
                    grid.cell_id(c), grid.office(c), speed=round(float(speed[k]), 1),
                    course=round(float(course[k]), 1), status=int(status[k]),
                    msg_type=18 if class_b[k] else 1,
                )
            )  # fmt: skip
    return out


def run_engine(
    config: object, th: Thresholds, positions: list[CellPosition]
) -> tuple[float, Counter[str]]:
    engine = RuleEngine(config, th)  # type: ignore[arg-type]
    counts: Counter[str] = Counter()
    start = time.perf_counter()
    for b in range(0, len(positions), BATCH):
        batch = positions[b : b + BATCH]
        _, obs = engine.observe(batch)
        obs += engine.tick(batch[-1].ts)
        for o in obs:
            if o.active:
                counts[o.rule] += 1
    return time.perf_counter() - start, counts


def cq_tracks(rng: np.random.Generator) -> list[Track]:
    side = CQ_BOX_NM * 1852.0
    lat0, lon0 = 24.55, 118.65
    y = rng.uniform(0, side, CQ_VESSELS)
    x = rng.uniform(0, side, CQ_VESSELS)
    lat = lat0 + y / 111120
    lon = lon0 + x / (111120 * np.cos(np.radians(lat0)))
    speed = rng.uniform(2.0, 20.0, CQ_VESSELS)
    course = rng.uniform(0, 360, CQ_VESSELS)
    tracks = []
    for k in range(CQ_VESSELS):
        pos = CellPosition(
            413_000_000 + k, T0, float(lat[k]), float(lon[k]), "X", "x",
            speed=float(speed[k]), course=float(course[k]), status=0,
        )  # fmt: skip
        tracks.append(Track(pos))
    return tracks


def close_quarters_bench(
    th: Thresholds, zones: ZoneIndex, rng: np.random.Generator
) -> dict[str, float]:
    tracks = cq_tracks(rng)
    best = float("inf")
    found = None
    for _ in range(REPEATS):
        start = time.perf_counter()
        found = encounters(tracks, T0, th, zones)
        best = min(best, time.perf_counter() - start)
    fast = {(e.a.mmsi, e.b.mmsi) for e in found}  # type: ignore[union-attr]
    lat = np.array([t.lat for t in tracks])
    lon = np.array([t.lon for t in tracks])
    cpa_m, tcpa_s = vessel_limits(lon, lat, th, zones)
    x, y = project(lat, lon)
    vx, vy = velocity(np.array([t.speed for t in tracks]), np.array([t.course for t in tracks]))
    start = time.perf_counter()
    slow = naive_pairs_python(
        x.tolist(), y.tolist(), vx.tolist(), vy.tolist(), float(tcpa_s.max()), float(cpa_m.max())
    )
    naive = time.perf_counter() - start
    min_rel = th.close_quarters_min_relative_kn * 0.514444
    naive_set = {
        tuple(sorted((tracks[a].mmsi, tracks[b].mmsi)))
        for a, b, cpa, tcpa in slow
        if np.hypot(vx[b] - vx[a], vy[b] - vy[a]) >= min_rel
        and cpa <= max(cpa_m[a], cpa_m[b])
        and tcpa <= max(tcpa_s[a], tcpa_s[b])
    }
    if naive_set != fast:
        raise SystemExit(f"close quarters differ: {len(fast)} vs naive {len(naive_set)}")
    zoned = int(np.count_nonzero(cpa_m != th.close_quarters_cpa_nm * 1852.0))
    print(
        f"close quarters: {CQ_VESSELS} vessels ({zoned} under a zone's own CPA), {len(fast)} pairs; pass {best * 1000:.1f} ms, naive loop {naive:.1f} s"
    )
    return {"cq_pass_ms": round(best * 1000, 1), "cq_naive_ms": round(naive * 1000, 1), "cq_ratio": round(naive / best, 1), "cq_pairs": len(fast)}  # fmt: skip


def quick() -> None:
    """`--quick`: small sizes, a few seconds, for the test that keeps this bench working."""
    global VESSELS, ROUNDS, CQ_VESSELS, REPEATS
    VESSELS, ROUNDS, CQ_VESSELS, REPEATS = 500, 4, 300, 1


def main() -> None:
    if "--quick" in sys.argv[1:]:
        quick()
    started = time.perf_counter()
    config = load_config(DEMO)
    th = Thresholds.from_config(config)
    rng = np.random.default_rng(SEED)
    grid = Grid(config.cells)
    positions = make_positions(grid, rng)
    inside = sum(p.cell is not None for p in positions)
    print(f"{len(positions)} positions of {VESSELS} vessels, {inside} inside the jurisdiction")
    best, counts = float("inf"), Counter[str]()
    for _ in range(REPEATS):
        elapsed, counts = run_engine(config, th, positions)
        best = min(best, elapsed)
    print(f"all rules: {best:.2f} s (best of {REPEATS}); active observations {dict(counts)}")
    result: dict[str, object] = {
        "bench": "alerts",
        "items_per_s": round(len(positions) / best),
        "positions": len(positions),
        "vessels": VESSELS,
    }
    result.update(close_quarters_bench(th, ZoneIndex(config.zones, th), rng))
    print(f"total {time.perf_counter() - started:.1f}s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
