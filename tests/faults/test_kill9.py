"""`kill -9` of a gridding process, then of an alerts process, in the middle of a replay
through the processes (one partition, and two: the deployment's shape), each restarted by the test
at once: the final alerts and stored positions are those of `seagrid replay --speed max`,
none lost, none duplicated.

What makes it so (docs/partitions.md, "State snapshots"): each owner, and radar fusion in
the alerts process, snapshots its state with the stream positions it reflects and
acknowledges input only once a snapshot holds its effect, so the restarted owner reloads
the snapshot and the group redelivers what came after it; persist and the alert store are
idempotent for what is published twice."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from services.radar.stage import RADAR_RULES
from tests.faults.harness import PrivatePostgres, PrivateRedis, wait_until
from tests.faults.pipeline import (
    DEMO_RECORDING,
    Pipeline,
    assert_same_as_replay,
    config_with_feeds,
    duplicate_positions,
    file_feed,
    head,
    partitions_supported,
    published,
    replay_reference,
    stored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
LINES = 12_000  # about 15 minutes of traffic, alerts of several rules
SPEED = 45  # times the recording's pace: about 20 s of input, so the kills land mid-replay


@pytest.mark.parametrize("partitions", [1, 2])
def test_kill9_of_gridding_then_alerts_loses_and_duplicates_nothing(
    partitions: int, tmp_path: Path, private_redis: PrivateRedis, private_pg: PrivatePostgres
) -> None:
    if not partitions_supported():
        pytest.skip("`seagrid run --partition I/N` and state snapshots do not exist yet")
    recording = head(DEMO_RECORDING, LINES, tmp_path / "recording.nmea")
    config = config_with_feeds(tmp_path, file_feed(recording, SPEED), partitions=partitions)
    expected = replay_reference(config, recording, tmp_path)
    total = len(expected[0])
    database = private_pg.create_database(f"kill9_{partitions}")
    pipeline = Pipeline(config, private_redis.url, database, partitions=partitions)
    client = redis.Redis.from_url(private_redis.url)
    # partition 0 of alerts also runs the dispatcher, which writes the alert store
    victims = ("gridding", "alerts") if partitions == 1 else ("gridding-1", "alerts-0")
    try:
        pipeline.start()
        for victim, share in zip(victims, (0.3, 0.6), strict=True):
            wait_until(lambda s=share: published(client) >= s * total, 120, f"{share:.0%} input")
            time.sleep(1.0)  # let it hold state and unacknowledged input
            process = pipeline.processes[victim]
            process.kill9()
            process.start()
        assert pipeline.processes["ingest"].alive(), "the input ended before the kills"
        pipeline.wait_drained(timeout=240)
    finally:
        statuses = pipeline.stop()
        client.close()
    assert set(statuses.values()) == {0}, statuses
    assert all(pipeline.processes[v].starts == 2 for v in victims)
    assert duplicate_positions(database) == 0
    # Radar fusion is snapshotted too (services/radar/snapshot.py): the radar rules must
    # match as exactly as the AIS rules, and the recording must give some to compare.
    assert {rule for rule, _, _ in expected[1].values()} & RADAR_RULES
    assert_same_as_replay(stored(database), expected)
