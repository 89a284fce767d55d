"""A recording through `run ingest` / `run gridding` / `run alerts` OS processes gives the
same alerts and stored positions as `seagrid replay --speed max` on the same recording."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.faults.harness import SEAGRID, PrivatePostgres, PrivateRedis
from tests.faults.pipeline import (
    DEMO_RECORDING,
    Pipeline,
    Stored,
    config_with_feeds,
    file_feed,
    head,
    partitions_supported,
)
from tests.faults.pipeline import stored as stored_rows

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
LINES = 12_000  # about 15 minutes of the bundled Quanzhou traffic: alerts of several rules


def _replay(config: Path, recording: Path, out: Path) -> Stored:
    """`seagrid replay --speed max` of `recording`: accepted positions and final alerts."""
    alerts, positions = out / "alerts.jsonl", out / "positions.jsonl"
    args = [*SEAGRID, "replay", str(recording), "--config", str(config), "--speed", "max"]
    args += ["--alerts-out", str(alerts), "--positions-out", str(positions)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    accepted = set()
    for line in positions.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        t = round(datetime.fromisoformat(p["ts"]).timestamp(), 3)
        accepted.add((p["mmsi"], t, p["lat"], p["lon"]))
    records = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines()]
    return accepted, {a["id"]: (a["rule"], a["mmsi"], a["status"]) for a in records}


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
    expected_positions, expected_alerts = _replay(config, recording, tmp_path)
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
    positions, alerts = stored_rows(database)
    assert alerts == expected_alerts  # same ids (rule, vessel, subject, raise time), same state
    # Persist stores every gridded position; the replay writes those the rules accepted
    # (position jumps removed), so the replay's are all stored and the rest are the jumps of
    # vessels that raised position_jump (the cloned MMSI of the simulated traffic).
    assert expected_positions <= positions, sorted(expected_positions - positions)[:5]
    jumpers = {mmsi for rule, mmsi, _ in alerts.values() if rule == "position_jump"}
    assert {p[0] for p in positions - expected_positions} <= jumpers
