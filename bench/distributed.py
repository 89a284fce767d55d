"""Benchmark: one process per stage over Redis Streams and PostgreSQL, against in-process.

Input: the bundled two-hour Quanzhou recording (91,000 lines, 188 simulated vessels) with the
bundled demo configuration; `--quick`: its first 20,000 lines.

- `items_per_s`: input lines per second from the first record ingest published to every
  record handled (stream ids carry Redis's clock, so the processes' start-up is left out),
  with `seagrid run ingest`, `run gridding`, `run persist` and `run alerts` as OS
  processes: raw lines decoded, gridded, every rule evaluated, alerts stored, positions
  stored in PostgreSQL (COPY, committed) — "handled" means every consumer group of every
  stream has read and acknowledged everything.
- `partitioned_items_per_s`: the same with `--partitions N` (default 2) gridding and alerts
  processes, each given `--partition I/N` (CONTRACTS §10); null while `seagrid run` does not
  take `--partition`.
- `baseline_items_per_s`: the in-process rate on the same input, the path of `seagrid replay
  --speed max` run in this process (the same stages on the in-process bus; it stores
  nothing in PostgreSQL, which the distributed run does on top).
- `ratio`, `partitioned_ratio`: distributed over in-process (issue #13 asks for >= 0.3).
- `catch_up_s`, `partitioned_catch_up_s`: from the last record ingest published to zero
  lag in every group.

All rates are wall-clock (several processes share the machine's cores, so CPU time would
not say how long the operator waits); the best of `--rounds` for each. Redis is a private
redis-server on a free port (the stage processes use fixed stream names) and PostgreSQL a
fresh database on the local server (`--admin-url`, dropped afterwards). On 2 cores the
partitioned run has six processes beside Redis and PostgreSQL: it shows the overhead of
partitions, not their gain, which needs more cores.

Prints a few lines of detail, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
import redis  # noqa: E402

from tests.faults.harness import PrivateRedis, wait_until  # noqa: E402
from tests.faults.pipeline import (  # noqa: E402
    DEMO_RECORDING,
    Pipeline,
    config_with_feeds,
    file_feed,
    head,
    input_span,
    partitions_supported,
)

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
QUICK_LINES = 20_000


def in_process(config: Path, recording: Path) -> float:
    """Seconds of the replay path (`seagrid replay --speed max`'s Replay) in this process,
    from its first line to its last alert: start-up and configuration loading excluded, as
    the processes' start-up is excluded from the distributed figure."""
    from services.cli.replay import Replay
    from services.core.config import load_config
    from services.core.settings import Settings

    replay = Replay(load_config(config), str(recording), None, Settings())
    asyncio.run(replay.run())
    if replay.ingest.feed_errors:
        raise SystemExit(f"replay failed: {replay.ingest.feed_errors}")
    return replay.elapsed


def distributed(config: Path, workdir: Path, database: str, partitions: int) -> dict[str, float]:
    """One run over the processes: seconds from the first record ingest published to zero
    lag in every group (the processes' start-up excluded, as the in-process figure excludes
    its own), and from the last record published to zero lag."""
    server = PrivateRedis(workdir / f"redis-{partitions}-{uuid.uuid4().hex[:6]}")
    server.start()
    pipeline = Pipeline(config, server.url, database, partitions=partitions)
    client = redis.Redis.from_url(server.url)
    try:
        pipeline.start(with_ingest=False)
        ingest = pipeline.start_ingest()
        wait_until(
            lambda: ingest.proc is not None and ingest.proc.poll() is not None,
            900,
            "the end of input",
            every=0.02,
        )
        if ingest.proc is not None and ingest.proc.returncode != 0:
            raise SystemExit(f"ingest failed: {ingest.tail()}")
        wait_until(lambda: pipeline.is_drained(client), 900, "zero lag", every=0.02)
        drained = time.time()
        first, last = input_span(client)
    finally:
        statuses = pipeline.stop()
        client.close()
        server.stop()
    if set(statuses.values()) != {0}:
        raise SystemExit(f"a stage process failed: {statuses}")
    return {"seconds": drained - first, "catch_up_s": drained - last}


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"bench_distributed_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}"


def count_lines(path: Path) -> int:
    with path.open("rb") as source:
        return sum(1 for line in source if not line.startswith(b"#"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 lines, one round")
    parser.add_argument(
        "--rounds", type=int, default=1, help="best of N (default 1: two minutes at most)"
    )
    parser.add_argument("--partitions", type=int, default=2, help="N of the partitioned run")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL to create a db in")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory(prefix="seagrid-bench-") as tmp:
        work = Path(tmp)
        recording = DEMO_RECORDING
        if args.quick:
            recording = head(DEMO_RECORDING, QUICK_LINES, work / "recording.nmea")
        result = run(recording, work, rounds, args.partitions, args.admin_url)
    print(json.dumps(result))


def run(
    recording: Path, work: Path, rounds: int, partitions: int, admin_url: str
) -> dict[str, Any]:
    lines = count_lines(recording)
    shapes = [1] + ([partitions] if partitions > 1 and partitions_supported() else [])
    configs = {
        n: config_with_feeds(work, file_feed(recording), partitions=n, name=f"config-{n}")
        for n in shapes
    }
    base = min(in_process(configs[1], recording) for _ in range(rounds))
    figures: dict[int, dict[str, float]] = {}
    for n in shapes:
        best: dict[str, float] | None = None
        for _ in range(rounds):
            name, url = fresh_database(admin_url)
            try:
                got = distributed(configs[n], work, url, n)
            finally:
                asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if best is None or got["seconds"] < best["seconds"]:
                best = got
        assert best is not None
        figures[n] = best
        print(
            f"{n} partition(s) of gridding and alerts: {lines / best['seconds']:,.0f} lines/s "
            f"over processes, lag back to 0 {best['catch_up_s']:.2f} s after the input ended"
        )
    print(f"in-process (seagrid replay --speed max): {lines / base:,.0f} lines/s")
    one = lines / figures[1]["seconds"]
    split = lines / figures[partitions]["seconds"] if partitions in figures else None
    verdict = "meets" if one * base / lines >= 0.3 else "misses"
    print(f"one process per stage / in-process: {one * base / lines:.2f} ({verdict} >= 0.3)")
    if split is None:
        print(f"--partitions {partitions}: not measured (`seagrid run` has no --partition)")
    else:
        print(f"{partitions} partitions / in-process: {split * base / lines:.2f}")
    return {
        "bench": "distributed",
        "lines": lines,
        "items_per_s": round(one),
        "baseline_items_per_s": round(lines / base),
        "ratio": round(one * base / lines, 3),
        "partitions": partitions,
        "partitioned_items_per_s": None if split is None else round(split),
        "partitioned_ratio": None if split is None else round(split * base / lines, 3),
        "catch_up_s": round(figures[1]["catch_up_s"], 3),
        "partitioned_catch_up_s": None
        if split is None
        else round(figures[partitions]["catch_up_s"], 3),
    }


if __name__ == "__main__":
    main()
