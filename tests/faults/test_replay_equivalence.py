"""A recording through `run ingest` / `run gridding` / `run alerts` OS processes gives the
same alerts and stored positions as `seagrid replay --speed max` on the same recording."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.harness import PrivatePostgres, PrivateRedis
from tests.faults.pipeline import (
    DEMO_RECORDING,
    Pipeline,
    assert_same_as_replay,
    config_with_feeds,
    duplicate_positions,
    file_feed,
    head,
    partitions_supported,
    replay_reference,
)
from tests.faults.pipeline import stored as stored_rows

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
LINES = 12_000  # about 15 minutes of the bundled Quanzhou traffic: alerts of several rules


@pytest.mark.parametrize("partitions", [1, 2])
def test_processes_give_what_the_replay_gives(
    partitions: int, tmp_path: Path, private_redis: PrivateRedis, private_pg: PrivatePostgres
) -> None:
    if partitions > 1 and not partitions_supported():
        # tests/test_compose.py::test_compose_commands_exist_in_the_cli_contract_s10 fails
        # meanwhile; this runs as soon as `run --partition` exists.
        pytest.skip("`seagrid run --partition I/N` does not exist yet (CONTRACTS §10)")
    recording = head(DEMO_RECORDING, LINES, tmp_path / "recording.nmea")
    config = config_with_feeds(tmp_path, file_feed(recording), partitions=partitions)
    expected = replay_reference(config, recording, tmp_path)
    expected_positions, expected_alerts = expected
    rules = {rule for rule, _, _ in expected_alerts.values()}
    assert len(rules) >= 5 and len(expected_positions) > 5000  # a real test

    database = private_pg.create_database(f"equivalence_{partitions}")
    pipeline = Pipeline(config, private_redis.url, database, partitions=partitions)
    try:
        pipeline.start()
        pipeline.wait_drained()
    finally:
        statuses = pipeline.stop()
    assert set(statuses.values()) == {0}, statuses
    assert_same_as_replay(stored_rows(database), expected)
    assert duplicate_positions(database) == 0
