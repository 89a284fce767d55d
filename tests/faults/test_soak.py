"""Soak: the bundled recording through `run ingest`, `run gridding` and `run alerts` at a
steady rate for SEAGRID_SOAK_SECONDS (default 600, what CI runs; scripts/test runs it beside
the rest of the suite, it needs little CPU), with resident memory of every process sampled
throughout. Memory must be flat: after a warm-up (vessel pictures, tracks and caches fill
up), it may not grow by more than a bounded amount to the end, and the pipeline must keep up
(nothing left unread when the input stops)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.faults.harness import PrivatePostgres, PrivateRedis
from tests.faults.pipeline import DEMO_RECORDING, Pipeline, config_with_feeds

SECONDS = float(os.environ.get("SEAGRID_SOAK_SECONDS", "600"))
SPEED = 8  # the recording's 12.7 lines/s times 8: about 100 lines/s, 60 positions/s
WARM_UP = max(20.0, SECONDS / 6)
# Flat: 16 MiB of allocator noise, or a tenth of the size, whichever is larger.
ALLOWED_GROWTH_KB = 16 * 1024

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SECONDS + 300)]


def test_memory_stays_flat_at_a_steady_rate(
    tmp_path: Path, private_redis: PrivateRedis, private_pg: PrivatePostgres
) -> None:
    if SECONDS <= 0:
        pytest.skip("SEAGRID_SOAK_SECONDS=0: soak left out")
    assert SECONDS <= 7200 / SPEED - 30, "a longer soak needs a longer recording"
    feed = f'[[feeds]]\nname = "soak"\nkind = "file"\npath = "{DEMO_RECORDING}"\nspeed = {SPEED}\n'
    config = config_with_feeds(tmp_path, feed)
    database = private_pg.create_database("soak")
    pipeline = Pipeline(config, private_redis.url, database)
    samples: dict[str, list[tuple[float, int]]] = {}
    try:
        pipeline.start()
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < SECONDS:
            for name, process in pipeline.processes.items():
                process.assert_alive()
                samples.setdefault(name, []).append((elapsed, process.rss_kb()))
            time.sleep(min(5.0, SECONDS / 20))
        pipeline.processes["ingest"].stop()  # input stops; the rest must catch up quickly
        catch_up = pipeline.wait_drained(quiet=2.0, timeout=120)
    finally:
        statuses = pipeline.stop()
    report = _report(samples)
    summary = f"soak {SECONDS:.0f} s at ~{12.7 * SPEED:.0f} lines/s; lag back to 0 in"
    print(f"\n{summary} {catch_up:.1f} s\n{report}")  # noqa: T201 (figures for the CI log)
    assert set(statuses.values()) == {0}, statuses
    assert catch_up < 30, f"the pipeline fell behind: {catch_up:.1f} s to catch up"
    for name, series in samples.items():
        warm = [kb for t, kb in series if t >= WARM_UP]
        assert len(warm) >= 2, f"{name}: too few samples after the warm-up"
        growth = warm[-1] - warm[0]
        allowed = max(ALLOWED_GROWTH_KB, warm[0] // 10)
        assert growth <= allowed, f"{name} grew {growth} KiB after the warm-up\n{report}"


def _report(samples: dict[str, list[tuple[float, int]]]) -> str:
    lines = []
    for name, series in samples.items():
        start, end, peak = series[0][1], series[-1][1], max(kb for _, kb in series)
        after = next((kb for t, kb in series if t >= WARM_UP), end)
        lines.append(
            f"  {name:9} RSS start {start / 1024:6.1f} MiB, after warm-up {after / 1024:6.1f}, "
            f"end {end / 1024:6.1f}, peak {peak / 1024:6.1f}"
        )
    return "\n".join(lines)
