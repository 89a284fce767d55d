"""PostgreSQL stopped for 30 s in the middle of a replay through the processes, then started
again: no process dies, persist holds the positions in its bounded buffer meanwhile (its
/metrics shows the buffer in use) and writes them once the database is back, nothing goes
to a dead-letter topic, and in the end the stored positions and alerts are those of
`seagrid replay --speed max`. (An outage longer than `max_attempts` x `claim_idle` is
tests/ingest/test_persist_faults.py's, with a short claim_idle.)

The cluster is the module's own (tests/faults/harness.py): stopping the shared server
would fail everyone else's tests."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from tests.faults.harness import PrivatePostgres, PrivateRedis, wait_until
from tests.faults.pipeline import (
    DEMO_RECORDING,
    Pipeline,
    assert_same_as_replay,
    config_with_feeds,
    duplicate_positions,
    file_feed,
    head,
    metrics_supported,
    persist_alone_supported,
    published,
    replay_reference,
    stored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
LINES = 12_000
SPEED = 15  # about 60 s of input: the 30 s outage falls inside it
OUTAGE = 30.0


def _buffered(metrics: dict[str, float]) -> float:
    """Positions persist holds in its buffer (`seagrid_persist_buffer_records`)."""
    return sum(v for k, v in metrics.items() if k.startswith("seagrid_persist_buffer_records"))


def test_positions_are_buffered_while_postgres_is_down(
    tmp_path: Path, private_redis: PrivateRedis, private_pg: PrivatePostgres
) -> None:
    if not (persist_alone_supported() and metrics_supported()):
        pytest.skip(
            "needs `seagrid run persist` with its bounded buffer for a PostgreSQL outage and "
            "`--metrics-port` (buffer use on /metrics); neither exists on this branch yet"
        )
    recording = head(DEMO_RECORDING, LINES, tmp_path / "recording.nmea")
    config = config_with_feeds(tmp_path, file_feed(recording, SPEED))
    expected = replay_reference(config, recording, tmp_path)
    database = private_pg.create_database("outage")
    pipeline = Pipeline(config, private_redis.url, database, metrics=True)
    client = redis.Redis.from_url(private_redis.url)
    peak = 0.0
    try:
        pipeline.start()
        wait_until(lambda: published(client) >= 0.15 * len(expected[0]), 120, "some input")
        private_pg.stop()
        down_until = time.monotonic() + OUTAGE
        while time.monotonic() < down_until:
            pipeline.check_alive()
            peak = max(peak, _buffered(pipeline.processes["persist"].metrics()))
            time.sleep(1.0)
        private_pg.start()
        assert pipeline.processes["ingest"].alive(), "the input ended during the outage"
        pipeline.wait_drained(timeout=240)
        dead = sum(int(client.xlen(k)) for k in client.scan_iter("seagrid.*.dead"))
    finally:
        if not private_pg.running:
            private_pg.start()
        statuses = pipeline.stop()
        client.close()
    print(f"\npersist buffered up to {peak:.0f} during the {OUTAGE:.0f} s outage")  # noqa: T201
    assert set(statuses.values()) == {0}, statuses
    assert peak > 0, "persist's /metrics never showed its buffer in use during the outage"
    assert dead == 0, "records held for the database went to a dead-letter topic"
    assert_same_as_replay(stored(database), expected)
    assert duplicate_positions(database) == 0
