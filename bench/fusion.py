"""Benchmark: one radar scan associated with the AIS picture (issue: < 100 ms for 2,000).

2,000 vessels with AIS around one shore radar (the demo's Shihu site, 11 nm range), half
of them in close pairs 60-250 m apart (crossings, overtakings, meetings: the cases where
nearest-neighbour goes wrong), AIS reports up to 10 s old with 10 m GPS noise, ARPA plots
with the simulator's noise (range 20 m + 0.5 %, bearing 0.3 deg, speed 0.3 kn, course
3 deg). The radar reports one track per vessel (2,000 tracks).

Timed: `FusionEngine.scan` for the whole scan (track update, cell lookup with the demo
grid, dead-reckoning every AIS vessel, gating, global assignment, rules), cold (first scan,
no associations yet) and warm (later scans, hysteresis in play; median of several). The
baseline, in the same run on the same scan: greedy nearest-neighbour (each track in turn
takes its nearest free vessel within the gate), timed on the same projected positions.
Accuracy: the share of tracks given their own vessel.

    python bench/fusion.py [--quick]

Prints details, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from pathlib import Path

import numpy as np

from services.core.config import load_config
from services.core.types import CellPosition
from services.gridding.grid import Grid
from services.radar.association import associate, greedy_nearest
from services.radar.config import FusionSettings, RadarConfig, RadarSite
from services.radar.fusion import FusionEngine
from services.radar.geometry import Plane, velocity
from services.radar.nmea import TTM, RadarReport
from services.radar.stage import _cell_lookup

DEMO = Path(__file__).resolve().parent.parent / "services" / "demo" / "config"
SITE = RadarSite("vts-shihu", "Shihu", 24.79, 118.70, 11.0)
T0 = 1772409600.0
SCAN_S = 3.0
SEED = 20260302
M_PER_DEG = 60 * 1852.0


def fleet(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """East/north metres from the antenna, speed (kn) and course of n vessels."""
    pairs = n // 4  # half of the vessels in pairs
    singles = n - 2 * pairs
    r = np.sqrt(rng.uniform(0.2**2, 1.0, pairs + singles)) * SITE.range_nm * 1852.0 * 0.95
    a = rng.uniform(0, 2 * np.pi, pairs + singles)
    base = np.column_stack((r * np.sin(a), r * np.cos(a)))
    speed = rng.uniform(0.0, 18.0, pairs + singles)
    course = rng.uniform(0, 360, pairs + singles)
    gap = rng.uniform(60.0, 250.0, pairs)
    side = rng.uniform(0, 2 * np.pi, pairs)
    mate = base[:pairs] + np.column_stack((gap * np.sin(side), gap * np.cos(side)))
    kind = rng.integers(0, 3, pairs)  # 0 crossing, 1 overtaking, 2 meeting
    mate_course = (
        np.select(
            [kind == 0, kind == 1], [course[:pairs] + 90.0, course[:pairs]], course[:pairs] + 180.0
        )
        % 360.0
    )
    mate_speed = np.where(kind == 1, speed[:pairs] * 0.6, rng.uniform(2.0, 18.0, pairs))
    return {
        "xy": np.vstack((base, mate)),
        "speed": np.concatenate((speed, mate_speed)),
        "course": np.concatenate((course, mate_course)),
    }


def to_latlon(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = SITE.lat + xy[:, 1] / M_PER_DEG
    lon = SITE.lon + xy[:, 0] / (M_PER_DEG * math.cos(math.radians(SITE.lat)))
    return lat, lon


def at(f: dict[str, np.ndarray], t: float) -> np.ndarray:
    return f["xy"] + velocity(f["speed"], f["course"]) * (t - T0)


def ais(engine: FusionEngine, f: dict[str, np.ndarray], t: float, rng: np.random.Generator
        ) -> None:  # fmt: skip
    n = len(f["speed"])
    age = rng.uniform(0.0, 10.0, n)
    xy = f["xy"] + velocity(f["speed"], f["course"]) * (t - age - T0)[:, None]
    xy = xy + rng.normal(0.0, 10.0, xy.shape)
    lat, lon = to_latlon(xy)
    for i in range(n):
        engine.add_position(
            CellPosition(
                200_000_000 + i,
                t - age[i],
                float(lat[i]),
                float(lon[i]),
                None,
                None,
                float(f["speed"][i]),
                float(f["course"][i]),
            )  # fmt: skip
        )


def plots(f: dict[str, np.ndarray], t: float, rng: np.random.Generator) -> list[RadarReport]:
    xy = at(f, t)
    n = len(xy)
    rng_m = np.hypot(xy[:, 0], xy[:, 1])
    rng_m = rng_m + rng.normal(0.0, 1.0, n) * (20.0 + 0.005 * rng_m)
    bearing = (np.degrees(np.arctan2(xy[:, 0], xy[:, 1])) + rng.normal(0, 0.3, n)) % 360.0
    speed = np.maximum(0.0, f["speed"] + rng.normal(0, 0.3, n))
    course = (f["course"] + rng.normal(0, 3.0, n)) % 360.0
    return [
        RadarReport(
            TTM,
            i + 1,
            SITE.id,
            t,
            "T",
            float(rng_m[i] / 1852.0),
            float(bearing[i]),
            True,
            float(speed[i]),
            float(course[i]),
        )  # fmt: skip
        for i in range(n)
    ]


def engine_accuracy(engine: FusionEngine, n: int) -> float:
    right = sum(
        1 for (_, target), tr in engine.tracks.items() if tr.mmsi == 200_000_000 + target - 1
    )
    return right / n


def baseline(engine: FusionEngine, reports: list[RadarReport], t: float) -> dict[str, float]:
    """Greedy nearest-neighbour and a cold global assignment on the engine's own inputs."""
    mmsis, v_lat, v_lon, v_vel = engine._ais_at(t)
    plane = Plane(SITE.lat, SITE.lon)
    tracks = [engine.tracks[(SITE.id, r.target)] for r in reports]
    t_lat = np.array([tr.lat for tr in tracks])
    t_lon = np.array([tr.lon for tr in tracks])
    t_xy, v_xy = plane.xy(t_lat, t_lon), plane.xy(v_lat, v_lon)
    truth = np.array([mmsis.index(200_000_000 + r.target - 1) for r in reports])
    start = time.perf_counter()
    greedy = greedy_nearest(t_xy, v_xy, engine.gates.gate_m)
    greedy_ms = (time.perf_counter() - start) * 1000.0
    t_vel = velocity(np.array([tr.speed for tr in tracks]), np.array([tr.course for tr in tracks]))
    start = time.perf_counter()
    cold = associate(t_xy, t_vel, v_xy, v_vel, np.full(len(tracks), -1), engine.gates)
    assign_ms = (time.perf_counter() - start) * 1000.0
    return {
        "greedy_ms": greedy_ms,
        "greedy_accuracy": float(np.mean(greedy == truth)),
        "assign_ms": assign_ms,
        "assign_accuracy": float(np.mean(cold.vessel == truth)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 vessels, 3 scans (tests)")
    args = parser.parse_args()
    n, scans = (200, 3) if args.quick else (2_000, 12)
    rng = np.random.default_rng(SEED)
    config = load_config(DEMO)
    radar = RadarConfig({SITE.id: SITE}, FusionSettings())
    engine = FusionEngine(radar, _cell_lookup(Grid(config.cells)))
    f = fleet(n, rng)
    times: list[float] = []
    cpu: list[float] = []
    base: dict[str, float] = {}
    for k in range(scans):
        t = T0 + k * SCAN_S
        ais(engine, f, t, rng)
        reports = plots(f, t, rng)
        start, start_cpu = time.perf_counter(), time.process_time()
        engine.scan(SITE.id, t, reports)
        times.append((time.perf_counter() - start) * 1000.0)
        cpu.append((time.process_time() - start_cpu) * 1000.0)
        if k == 0:
            cold_accuracy = engine_accuracy(engine, n)
            base = baseline(engine, reports, t)
    warm_ms = statistics.median(times[1:])
    warm_cpu_ms = statistics.median(cpu[1:])
    accuracy = engine_accuracy(engine, n)
    print(f"{n} radar tracks x {n} AIS vessels, one radar, {scans} scans {SCAN_S:.0f} s apart")
    print(f"seagrid scan (cold): {times[0]:.1f} ms, accuracy {cold_accuracy:.4f}")
    print(f"seagrid scan (warm, median): {warm_ms:.1f} ms (best {min(times[1:]):.1f} ms, "
          f"CPU {warm_cpu_ms:.1f} ms), accuracy {accuracy:.4f}")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times include "
          "waiting for a CPU; the CPU time is what the scan costs")  # fmt: skip
    print(f"  of which global assignment alone: {base['assign_ms']:.1f} ms, "
          f"accuracy {base['assign_accuracy']:.4f}")  # fmt: skip
    print(f"greedy nearest-neighbour: {base['greedy_ms']:.1f} ms, "
          f"accuracy {base['greedy_accuracy']:.4f}")  # fmt: skip
    result = {
        "bench": "fusion",
        "tracks": n,
        "vessels": n,
        "scan_ms": round(warm_ms, 2),
        "scan_best_ms": round(min(times[1:]), 2),
        "scan_cpu_ms": round(warm_cpu_ms, 2),
        "cold_scan_ms": round(times[0], 2),
        "accuracy": round(accuracy, 4),
        "cold_accuracy": round(cold_accuracy, 4),
        "assign_ms": round(base["assign_ms"], 2),
        "baseline_ms": round(base["greedy_ms"], 2),
        "baseline_accuracy": round(base["greedy_accuracy"], 4),
        "ratio": round(warm_ms / base["greedy_ms"], 2) if base["greedy_ms"] else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
