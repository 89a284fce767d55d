"""Benchmark: the information centre's living data and registry import.

1. A live change: a LiveData snapshot of 1,000 watchlist entries and 200 waterworks sites
   through what the alerts stage does with it (JSON decode, `RuleEngine.apply_live`, which
   rebuilds the zone index), against the baseline of restarting the rules on the same data
   (a new `RuleEngine` over a configuration holding those zones and that watchlist).
2. The rules' cost of living data: 20 rounds of 2,000 vessels (40,000 positions) through
   `RuleEngine.observe` with that snapshot applied (half the vessels watched, sites among
   them: many more observations), and with the same amount of living data matching none of
   the traffic (other MMSIs; the same sites, ended: still in the zone index), against the demo configuration alone.
3. Registry import: a 20,000-row CSV export in GBK (Chinese headers and kinds), parsed and
   every row checked (`importer.parse`), against the baseline of decoding and splitting
   the same file with the csv module alone.

`--quick` runs smaller sizes (for the test that keeps this script working). Prints a few
lines of detail, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely

from services.alerts.evaluator import RuleEngine
from services.alerts.thresholds import Thresholds
from services.core.config import SeagridConfig, load_config
from services.core.types import CellPosition
from services.gridding.grid import Grid
from services.infocentre.live import LiveData
from services.infocentre.model import WatchEntry, Waterworks
from services.registry.importer import decode_text, parse, read_table

DEMO = Path(__file__).resolve().parent.parent / "services" / "demo" / "config"
T0 = 1_772_323_200.0
SEED = 20261203


def snapshot(config: SeagridConfig, entries: int, sites: int, rng: random.Random) -> LiveData:
    minx, miny, maxx, maxy = shapely.union_all([c.geometry for c in config.cells]).bounds
    watch = tuple(
        WatchEntry(412_000_000 + i, "suspended" if i % 10 == 0 else "key_vessel", f"r{i}")
        for i in range(entries)
    )
    works = []
    for i in range(sites):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        area = shapely.box(x, y, x + 0.01, y + 0.008)
        works.append(Waterworks(f"ww-{i}", f"site {i}", area, T0 - 3600, T0 + 86400 * 30))
    return LiveData(1, watch, tuple(works))


def live_change(config: SeagridConfig, live: LiveData, repeat: int) -> dict[str, float]:
    th = Thresholds.from_config(config)
    payload = orjson.dumps(live.to_json())
    engine = RuleEngine(config, th)
    started = time.perf_counter()
    for n in range(repeat):
        decoded = LiveData.from_json(orjson.loads(payload))
        engine.apply_live(dataclasses.replace(decoded, version=n + 2))
    apply_s = (time.perf_counter() - started) / repeat
    zones = (*config.zones, *(w.zone() for w in live.waterworks))
    table = [{"mmsi": e.mmsi, "reason": e.reason} for e in live.watchlist]
    restarted = dataclasses.replace(
        config, zones=zones, sections={**config.sections, "watchlist": table}
    )
    started = time.perf_counter()
    for _ in range(repeat):
        RuleEngine(restarted, th)
    restart_s = (time.perf_counter() - started) / repeat
    print(f"live change: apply {apply_s * 1000:.1f} ms ({len(payload) / 1024:.0f} kB), "
          f"restart of the rules {restart_s * 1000:.1f} ms")  # fmt: skip
    return {"apply_ms": apply_s * 1000, "restart_ms": restart_s * 1000, "kb": len(payload) / 1024}


def traffic(config: SeagridConfig, vessels: int, rounds: int, rng: random.Random) -> list[Any]:
    grid = Grid(config.cells)
    minx, miny, maxx, maxy = shapely.union_all([c.geometry for c in config.cells]).bounds
    lon = np.array([rng.uniform(minx, maxx) for _ in range(vessels)])
    lat = np.array([rng.uniform(miny, maxy) for _ in range(vessels)])
    speed = np.array([rng.uniform(0, 15) for _ in range(vessels)])
    batches = []
    for r in range(rounds):
        lat_r = lat + r * 0.0003
        cells = grid.assign(lon, lat_r).tolist()
        batch = []
        for i in range(vessels):
            inside = 0 <= cells[i] < len(grid)
            office = grid.offices[cells[i]] if inside else None
            name = grid.ids[cells[i]] if inside else None
            batch.append(CellPosition(412_000_000 + i, T0 + r * 10, float(lat_r[i]), float(lon[i]),
                                      name, office, speed=float(speed[i]), course=0.0))  # fmt: skip
        batches.append(batch)
    return batches


def _run_rules(
    config: SeagridConfig, th: Thresholds, data: LiveData | None, batches: list[Any]
) -> tuple[float, int]:
    engine = RuleEngine(config, th)
    if data is not None:
        engine.apply_live(data)
    started = time.perf_counter()
    observations = 0
    for batch in batches:
        for k in range(0, len(batch), 1000):
            observations += len(engine.observe(batch[k : k + 1000])[1])
        observations += len(engine.tick(batch[-1].ts))
    return time.perf_counter() - started, observations


def rules_cost(
    config: SeagridConfig, live: LiveData, batches: list[Any], best_of: int
) -> dict[str, float]:
    """Best of `best_of` runs each: the machine is shared, the fastest run is the least
    disturbed one."""
    th = Thresholds.from_config(config)
    out = {}
    # the same amount of living data that matches none of the traffic: its pure overhead
    elsewhere = LiveData(
        1,
        tuple(dataclasses.replace(e, mmsi=e.mmsi + 100_000_000) for e in live.watchlist),
        tuple(
            dataclasses.replace(w, active_from=T0 - 7200, active_to=T0 - 3600)  # ended
            for w in live.waterworks
        ),
    )
    for name, data in (("config", None), ("live", live), ("idle_live", elsewhere)):
        elapsed, observations = min(_run_rules(config, th, data, batches) for _ in range(best_of))
        count = sum(len(b) for b in batches)
        out[name] = count / elapsed
        print(f"rules with {name}: {count / elapsed:,.0f} positions/s, {observations} observations")
    return out


def export_csv(rows: int) -> bytes:
    kinds = ["公司", "船舶", "泊位", "码头", "锚地", "设施"]
    lines = ["类别,名称,海事处,MMSI,联系人,电话,纬度,经度"]
    for i in range(rows):
        kind = kinds[i % len(kinds)]
        mmsi = str(413_000_000 + i) if kind == "船舶" else ""
        lines.append(f"{kind},对象{i},石狮海事处,{mmsi},联系人{i},0595-{i:07d},24.7,118.7")
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def import_cost(config: SeagridConfig, rows: int) -> dict[str, float]:
    data = export_csv(rows)
    offices = {o.name: o.id for o in config.offices} | {o.id: o.id for o in config.offices}
    started = time.perf_counter()
    result = parse(read_table(data, "export.csv"), offices)
    parse_s = time.perf_counter() - started
    assert not result.rejected and len(result.objects) == rows
    import csv
    import io

    started = time.perf_counter()
    split = list(csv.reader(io.StringIO(decode_text(data))))
    baseline_s = time.perf_counter() - started
    assert len(split) == rows + 1
    print(f"import: {rows / parse_s:,.0f} rows/s checked ({len(data) / 1024:.0f} kB GBK), "
          f"decode+split alone {rows / baseline_s:,.0f} rows/s")  # fmt: skip
    return {"rows_per_s": rows / parse_s, "baseline_rows_per_s": rows / baseline_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    args = parser.parse_args()
    entries, sites, vessels, rounds, rows, repeat = (
        (100, 20, 200, 3, 500, 2) if args.quick else (1000, 200, 2000, 20, 20000, 5)
    )
    rng = random.Random(SEED)
    config = load_config(DEMO)
    live = snapshot(config, entries, sites, rng)
    change = live_change(config, live, repeat)
    cost = rules_cost(config, live, traffic(config, vessels, rounds, rng), 1 if args.quick else 3)
    imported = import_cost(config, rows)
    result = {
        "bench": "infocentre",
        "live_apply_ms": round(change["apply_ms"], 2),
        "baseline_restart_ms": round(change["restart_ms"], 2),
        "ratio": round(change["restart_ms"] / change["apply_ms"], 2),
        "rules_positions_per_s_live": round(cost["live"]),
        "rules_positions_per_s_config": round(cost["config"]),
        "rules_ratio": round(cost["live"] / cost["config"], 3),
        "rules_positions_per_s_idle_live": round(cost["idle_live"]),
        "rules_idle_ratio": round(cost["idle_live"] / cost["config"], 3),
        "import_rows_per_s": round(imported["rows_per_s"]),
        "import_baseline_rows_per_s": round(imported["baseline_rows_per_s"]),
        "import_ratio": round(imported["rows_per_s"] / imported["baseline_rows_per_s"], 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
