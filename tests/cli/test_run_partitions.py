"""`seagrid run STAGE --partition I/N` as real processes: the flag against `[bus]
partitions` (refused at start-up), and two gridding partitions storing a recording."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest
import redis

from services.core.config import load_config
from services.core.settings import IngestSettings
from services.core.types import Position
from services.gridding.stage import GriddingStage
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records
from tests.conftest import REDIS_URL

REPO = Path(__file__).resolve().parents[2]
SMALL_CONFIG = REPO / "tests" / "gridding" / "data" / "quanzhou-small"
SEAGRID = [sys.executable, "-m", "services.cli.main"]


def _config(tmp_path: Path, bus: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write(f"\n[bus]\n{bus}\n")
    return config


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SEAGRID_REDIS_URL=REDIS_URL, PYTHONPATH=str(REPO))
    env.pop("SEAGRID_DATABASE_URL", None)
    return subprocess.run(
        [*SEAGRID, "run", *args, "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("bus", "args", "message"),
    [
        (
            "partitions = 2",
            ["alerts"],
            "seagrid run alerts: [bus] partitions = 2: give --partition I/2 (I in 0..1)",
        ),
        (
            "partitions = 2",
            ["gridding", "--partition", "0/3"],
            "seagrid run gridding: --partition 0/3 splits into 3 partitions but "
            "[bus] partitions = 2 in seagrid.toml: producers would write streams this "
            "process never reads",
        ),
        (
            "partitions = 2",
            ["ingest", "--partition", "0/2"],
            "seagrid run ingest: --partition applies to gridding and alerts only, not ingest",
        ),
        (
            "partitions = 2",
            ["alerts", "--partition", "2/2"],
            "seagrid run alerts: partition index must be 0..1 for 2 partitions, got 2",
        ),
        (
            'partitions = "two"',
            ["web"],
            "seagrid run web: [bus] partitions must be an integer 1..64, got 'two'",
        ),
    ],
)
def test_a_partition_that_cannot_work_is_refused_on_one_line(
    tmp_path: Path, bus: str, args: list[str], message: str
) -> None:
    result = _run(_config(tmp_path, bus), *args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [message]


def test_a_valid_partition_gets_past_the_flag_checks(tmp_path: Path) -> None:
    """With the flag right, start-up goes on and stops at the next missing thing (alerts
    needs the database; gridding, which needs none since persist runs alone, would run)."""
    result = _run(_config(tmp_path, "partitions = 2"), "alerts", "--partition", "1/2")
    assert result.returncode == 1
    assert "SEAGRID_DATABASE_URL is not set" in result.stderr


async def _stored(url: str) -> set[tuple[int, float, float, float, str | None]]:
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT to_regclass('positions')") is None:
            return set()
        rows = await conn.fetch("SELECT mmsi, ts, lat, lon, cell FROM positions")
        return {
            (r["mmsi"], round(r["ts"].timestamp(), 3), r["lat"], r["lon"], r["cell"]) for r in rows
        }
    finally:
        await conn.close()


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


def _wipe() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys("seagrid.*")
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_gridding_partitions_as_processes_store_every_position_once(
    tmp_path: Path, own_db: str
) -> None:
    config = _config(tmp_path, "partitions = 2\nsnapshot_interval_s = 1")
    with (REPO / "services" / "demo" / "recording.nmea").open("rb") as source:
        head = b"".join(line for _, line in zip(range(3000), source, strict=False))
    (config / "recording.nmea").write_bytes(head)
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[[feeds]]\nname = "archive"\nkind = "file"\npath = "recording.nmea"\n')
    decoder, dedup = Decoder(IngestSettings()), Deduplicator(IngestSettings().dedup_window)
    positions: list[Position] = []
    for line in head.splitlines():
        for message in decoder.push(line, feed="archive", received_at=0.0):
            if not dedup.is_duplicate(message):
                positions += [r for r in to_records(message, "archive") if isinstance(r, Position)]
    gridded, _ = GriddingStage(load_config(config)).process(positions)
    expected = {(p.mmsi, round(p.ts, 3), p.lat, p.lon, p.cell) for p in gridded}
    assert {p.mmsi % 2 for p in gridded} == {0, 1}

    env = dict(
        os.environ,
        SEAGRID_REDIS_URL=REDIS_URL,
        PYTHONPATH=str(REPO),
        SEAGRID_DATABASE_URL=own_db,
        SEAGRID_DATABASE__RETENTION_DAYS="0",
    )
    _wipe()
    procs = [
        subprocess.Popen(
            [*SEAGRID, "run", *args, "--config", str(config)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in (
            ["gridding", "--partition", "0/2"],
            ["gridding", "--partition", "1/2"],
            ["persist"],  # the position writer, reading both partitions
            ["ingest"],
        )
    ]
    try:
        deadline = time.monotonic() + 90
        while len(await _stored(own_db)) < len(expected) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        client = redis.Redis.from_url(REDIS_URL)
        streams = {_text(k) for k in client.keys("seagrid.*positions*")}
        await asyncio.sleep(1.5)  # a snapshot of each partition
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=60)
            assert proc.returncode == 0, stderr
        snapshots = {_text(k) for k in client.keys("seagrid.state.*")}
        client.close()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        _wipe()
    assert await _stored(own_db) == expected
    assert {"seagrid.positions.p0", "seagrid.positions.p1"} <= streams
    assert {"seagrid.cell_positions.p0", "seagrid.cell_positions.p1"} <= streams
    assert "seagrid.positions" not in streams  # the unsplit stream is not used
    assert snapshots == {"seagrid.state.gridding-p0", "seagrid.state.gridding-p1"}


Alerted = tuple[str, int | None, int | None]


async def _stored_alerts(url: str) -> set[Alerted]:
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT to_regclass('alerts')") is None:
            return set()
        rows = await conn.fetch("SELECT rule, mmsi, other_mmsi FROM alerts")
        return {(r["rule"], r["mmsi"], r["other_mmsi"]) for r in rows}
    finally:
        await conn.close()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(300)
async def test_alerts_in_two_partitions_as_processes_raise_what_replay_raises(
    tmp_path: Path, own_db: str
) -> None:
    """ingest, gridding and alerts as processes, two partitions each, against `seagrid
    replay` of the same recording: the same alerts, radar ones (partition 0) and close
    quarters between vessels of different partitions included (the partitions wait for
    each other's event-time watermarks, docs/partitions.md)."""
    demo = REPO / "services" / "demo"
    config = tmp_path / "config"
    shutil.copytree(demo / "config", config)
    with (demo / "recording.nmea").open("rb") as source:
        head = b"".join(line for _, line in zip(range(20_000), source, strict=False))
    recording = tmp_path / "recording.nmea"
    recording.write_bytes(head)
    out = tmp_path / "alerts.jsonl"
    replay = subprocess.run(
        [*SEAGRID, "replay", str(recording), "--config", str(config), "--speed", "max"]
        + ["--alerts-out", str(out)],
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    expected = {
        (a["rule"], a["mmsi"], a["other_mmsi"])
        for a in map(json.loads, out.read_text(encoding="utf-8").splitlines())
    }
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'\n[[feeds]]\nname = "archive"\nkind = "file"\npath = "{recording}"\n')
        toml.write("\n[bus]\npartitions = 2\nsnapshot_interval_s = 1\n")
    env = dict(
        os.environ,
        SEAGRID_REDIS_URL=REDIS_URL,
        PYTHONPATH=str(REPO),
        SEAGRID_DATABASE_URL=own_db,
        SEAGRID_DATABASE__RETENTION_DAYS="0",
    )
    _wipe()
    stages = [["gridding", "--partition", f"{i}/2"] for i in range(2)]
    stages += [["alerts", "--partition", f"{i}/2"] for i in range(2)] + [["ingest"]]
    logs = [(tmp_path / f"stage{n}.log").open("w") for n in range(len(stages))]
    procs = [
        subprocess.Popen(
            [*SEAGRID, "run", *args, "--config", str(config)], env=env, stderr=log, text=True
        )
        for args, log in zip(stages, logs, strict=True)
    ]
    try:
        deadline, stored = time.monotonic() + 100, set()
        while time.monotonic() < deadline:
            stored = await _stored_alerts(own_db)
            if stored >= expected:
                break
            await asyncio.sleep(1.0)
        await asyncio.sleep(2.0)  # anything more would show now
        stored = await _stored_alerts(own_db)
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc, args in zip(procs, stages, strict=True):
            assert proc.wait(timeout=60) == 0, args
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()
        _wipe()
    logs_text = [p.read_text()[-2000:] for p in tmp_path.glob("*.log")]
    assert stored == expected, logs_text
    assert {rule for rule, _, _ in stored} >= {"radar_only", "watchlist", "ais_gap"}
    across = [(a, b) for rule, a, b in stored if rule == "close_quarters" and a and b]
    assert any(a % 2 != b % 2 for a, b in across)  # a pair across the partitions
