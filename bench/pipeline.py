"""Benchmark: the whole `seagrid replay --speed max` path over a 12-hour recording (CONTRACTS §7).

The recording is made here, `seagrid simulate --duration 12h --seed 7` (the demo waters,
187 vessels, about 250,000 lines), and replayed with the bundled demo configuration:
ingest (framing, reassembly, decoding, de-duplication, the vessel picture), gridding, every
rule and the alert lifecycle, over the in-process bus, as `seagrid replay` runs them.

- `items_per_s`: input lines per second of CPU time of a `seagrid replay FILE` process
  (interpreter start and configuration loading included), best of `--rounds`.
- `baseline_items_per_s`: the same for the previous design (per-record JSON on the bus,
  pyais for every message, commit BASELINE_COMMIT), extracted from this repository's git
  history into a temporary directory and run the same way, alternating with the current
  one so load on the shared machine hits both alike. Left out (null) when git or the commit
  is not available. That commit predates the radar fusion stage: it counts the recording's
  radar target lines (40 % of them) as unsupported and does not fuse them, so its rate is
  not like for like; `--baseline COMMIT` takes another commit (one with fusion, for a
  comparison of equal work).
- `shares`: per-stage share of CPU time, from the stages' own batch entry points driven
  one after the other in this process (ingest `accept`, gridding `process`, alerts
  `process`, and radar fusion with the recording's radar targets, whose scans it runs in
  event-time order between the AIS positions, as in a replay), so each stage is timed
  alone; what the replay spends beyond their sum is the bus, the event loop and writing
  the outputs (`other`).

Times are CPU times (resource.getrusage of the child processes, time.process_time in
this one): other engineers' processes on the shared machine do not inflate them the way
they inflate wall-clock time. `--quick` replays 20 minutes of traffic, once.

Prints a few lines of detail, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from services.alerts.stage import AlertsStage  # noqa: E402
from services.cli.main import main as seagrid  # noqa: E402
from services.cli.replay import REPLAY_GC_THRESHOLD  # noqa: E402
from services.core import topics  # noqa: E402
from services.core.bus import Delivery  # noqa: E402
from services.core.bus_memory import MemoryBus  # noqa: E402
from services.core.config import load_config  # noqa: E402
from services.core.settings import DEMO_CONFIG_DIR, IngestSettings  # noqa: E402
from services.gridding.stage import GriddingStage  # noqa: E402
from services.ingest.stage import IngestStage  # noqa: E402
from services.radar.stage import FusionStage  # noqa: E402

BASELINE_COMMIT = "d94c9bc"  # main before the columnar hot path (issue 14)
SEED = "7"
CHUNK_LINES = 4096  # what a file feed hands the ingest sink at once, about
BATCH = 512  # records per bus batch (ingest.batch_size)


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def replay_cpu(tree: Path, recording: Path) -> float:
    """CPU seconds of one `seagrid replay` process run from source tree `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = child_cpu()
    subprocess.run(
        [sys.executable, "-m", "services.cli.main", "replay", str(recording)],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return child_cpu() - started


def baseline_tree(workdir: Path, commit: str) -> Path | None:
    """The previous design's `services/`, from git history; None when it cannot be had."""
    tree = workdir / "baseline"
    tree.mkdir()
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", commit, "services"],
            check=True,
            capture_output=True,
        )
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"baseline left out: {exc}", file=sys.stderr)
        return None
    return tree


def stage_shares(recording: Path) -> dict[str, float]:
    """CPU seconds of each stage's own work, stages driven one after another, no bus
    (with the replay's garbage collection thresholds, as in `seagrid replay`)."""
    gc.set_threshold(*REPLAY_GC_THRESHOLD)
    config = load_config(DEMO_CONFIG_DIR)
    lines = recording.read_bytes().splitlines()
    ingest = IngestStage([], IngestSettings())
    gridding = GriddingStage(config)
    alerts = AlertsStage(config)
    out: dict[str, float] = {}

    started = time.process_time()
    for start in range(0, len(lines), CHUNK_LINES):
        asyncio.run(ingest.accept("bench", lines[start : start + CHUNK_LINES], time.time()))
    ingest.decoder.finish()
    out["ingest"] = time.process_time() - started

    positions = ingest._outbox[topics.POSITIONS]  # records the bus would have carried
    started = time.process_time()
    cell_positions = []
    for start in range(0, len(positions), BATCH):
        cell_positions += gridding.process(positions[start : start + BATCH])[0]
    out["gridding"] = time.process_time() - started

    processor = alerts.processor
    statics = ingest._outbox[topics.STATIC]
    started = time.process_time()
    processor.add_statics(statics)
    for start in range(0, len(cell_positions), 2048):
        processor.process(cell_positions[start : start + 2048])
    processor.finish()
    out["alerts"] = time.process_time() - started

    fusion = FusionStage(config, max_wait=None, publish_states=False)
    radar = ingest._outbox[topics.RADAR]
    started = time.process_time()
    asyncio.run(_fuse(fusion, radar, cell_positions))
    out["fusion"] = time.process_time() - started
    return out


async def _fuse(fusion: FusionStage, radar: list[Any], cell_positions: list[Any]) -> None:
    """Radar and AIS into the fusion stage the way a replay's rounds hand them over: the
    radar that has arrived first, then a batch of AIS positions."""
    bus = MemoryBus()
    step = len(radar) * BATCH // max(1, len(cell_positions))  # radar per AIS batch, about
    for n, start in enumerate(range(0, len(cell_positions), BATCH)):
        chunk = radar[n * step : (n + 1) * step]
        if chunk:
            fusion._on_radar([Delivery("r", b"", records=tuple(chunk))])
        batch = [Delivery("p", b"", records=tuple(cell_positions[start : start + BATCH]))]
        await fusion._on_positions(bus, batch)
    await bus.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="20 minutes of traffic, one round")
    parser.add_argument("--rounds", type=int, default=None, help="replays of each design")
    parser.add_argument("--baseline", default=BASELINE_COMMIT, help="commit of the baseline")
    args = parser.parse_args(argv)
    duration = "20m" if args.quick else "12h"
    rounds = args.rounds or (1 if args.quick else 2)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        recording = work / "recording.nmea"
        simulate = ["simulate", "--duration", duration, "--seed", SEED, "--out", str(recording)]
        if seagrid(simulate) != 0:
            raise SystemExit("seagrid simulate failed")
        n = sum(1 for _ in recording.open("rb"))
        base = baseline_tree(work, args.baseline)
        current: list[float] = []
        previous: list[float] = []
        for _ in range(rounds):
            if base is not None:
                previous.append(replay_cpu(base, recording))
            current.append(replay_cpu(REPO, recording))
        shares = stage_shares(recording)
    best = min(current)
    staged = sum(shares.values())
    shares["other"] = max(0.0, best - staged)
    print(f"recording: {duration}, {n} lines (seed {SEED})")
    print(f"current design: {best:.2f} s CPU per replay (rounds: {fmt(current)})")
    if previous:
        print(f"baseline ({args.baseline}): {min(previous):.2f} s CPU ({fmt(previous)})")
    print("stage CPU: " + ", ".join(f"{k} {v:.2f} s" for k, v in shares.items()))
    result: dict[str, Any] = {
        "bench": "pipeline",
        "items_per_s": round(n / best),
        "baseline_items_per_s": round(n / min(previous)) if previous else None,
        "ratio": round(min(previous) / best, 3) if previous else None,
        "lines": n,
        "shares": {k: round(v / max(best, staged), 3) for k, v in shares.items()},
    }
    print(json.dumps(result))
    return 0


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
