"""`seagrid run STAGE` as a real process over the real Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import redis

from services.core import topics
from services.core.settings import IngestSettings
from services.core.types import Position
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records

REPO = Path(__file__).resolve().parents[2]
SMALL_CONFIG = REPO / "tests" / "gridding" / "data" / "quanzhou-small"
SEAGRID = [sys.executable, "-m", "services.cli.main"]
# Stage processes use fixed topic names, so this test owns a Redis database of its own.
REDIS_URL = "redis://127.0.0.1:6379/13"


def _config_with_file_feed(tmp_path: Path, recording: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    shutil.copy(recording, config / "recording.nmea")
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[[feeds]]\nname = "archive"\nkind = "file"\npath = "recording.nmea"\n')
    return config


def _expected_positions(recording: Path) -> set[tuple[int, float, float, float]]:
    """What ingest should persist, computed in-process with the same decoding path."""
    decoder, dedup = Decoder(IngestSettings()), Deduplicator(IngestSettings().dedup_window)
    keys = set()
    for line in recording.read_bytes().splitlines():
        for message in decoder.push(line, feed="archive", received_at=0.0):
            if dedup.is_duplicate(message):
                continue
            for record in to_records(message, "archive"):
                if isinstance(record, Position):
                    keys.add((record.mmsi, round(record.ts, 3), record.lat, record.lon))
    return keys


def _clean_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys("seagrid.*")
    if keys:
        client.delete(*keys)
    client.close()


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, SEAGRID_REDIS_URL=REDIS_URL, PYTHONPATH=str(REPO))
    env.update(extra)
    return env


async def _count_positions(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT to_regclass('positions')") is None:
            return 0
        return int(await conn.fetchval("SELECT count(*) FROM positions"))
    finally:
        await conn.close()


async def _wait_for_stream(length: int, timeout: float) -> None:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (
                await client.exists(topics.POSITIONS)
                and await client.xlen(topics.POSITIONS) >= length
            ):
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"ingest did not publish {length} positions in {timeout} s")
    finally:
        await client.aclose()


@pytest.fixture
async def own_db(pg_url: str) -> AsyncIterator[str]:
    """A database of this test's own: the session database holds other modules' rows."""
    name = f"run_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.mark.postgres
@pytest.mark.redis
async def test_ingest_process_writes_everything_pending_on_sigterm(
    tmp_path: Path, shared_ais: Path, own_db: str
) -> None:
    pg_url = own_db
    recording = shared_ais / "dma-aislib" / "decode_encode_messages.txt"
    expected = _expected_positions(recording)
    config = _config_with_file_feed(tmp_path, recording)
    _clean_redis()
    # A flush interval far beyond the test's length: rows reach the database only because
    # SIGTERM makes the stage write what it holds.
    env = _env(
        SEAGRID_DATABASE_URL=pg_url,
        SEAGRID_DATABASE__FLUSH_INTERVAL="600",
        SEAGRID_DATABASE__BATCH_SIZE="100000",
    )
    proc = subprocess.Popen(
        [*SEAGRID, "run", "ingest", "--config", str(config)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        await _wait_for_stream(len(expected), timeout=60)
        await asyncio.sleep(1.0)  # let persist read what was published
        assert await _count_positions(pg_url) == 0
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        _clean_redis()
    assert proc.returncode == 0, stderr
    assert await _count_positions(pg_url) == len(expected)


def test_run_reports_a_missing_database_url_on_one_line(tmp_path: Path, shared_ais: Path) -> None:
    config = _config_with_file_feed(tmp_path, shared_ais / "gfw-ais-tools" / "sample.nmea")
    env = _env()
    env.pop("SEAGRID_DATABASE_URL", None)
    result = subprocess.run(
        [*SEAGRID, "run", "ingest", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "seagrid run ingest: SEAGRID_DATABASE_URL is not set (postgresql://user@host:port/db)"
    ]


def test_run_rejects_a_broken_configuration(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    (config / "grid.geojson").write_text("{not json", encoding="utf-8")
    result = subprocess.run(
        [*SEAGRID, "run", "gridding", "--config", str(config)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "grid.geojson" in result.stderr


@pytest.mark.redis
def test_gridding_process_stops_cleanly_on_sigterm() -> None:
    _clean_redis()
    proc = subprocess.Popen(
        [*SEAGRID, "run", "gridding", "--config", str(SMALL_CONFIG)],
        env=_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(2.0)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        _clean_redis()
    assert proc.returncode == 0, stderr


async def test_alerts_stage_takes_over_open_alerts_and_silences_from_the_store() -> None:
    from services.alerts.memory_store import MemoryAlertStore
    from services.alerts.model import Alert, AlertChange, Silence, alert_id, alert_key
    from services.alerts.stage import AlertsStage
    from services.cli.run import restore_alert_book
    from services.core.config import load_config

    now = time.time()
    store = MemoryAlertStore()
    open_key = alert_key("speeding", 412000101, "fairway-1", None)
    cleared_key = alert_key("speeding", 412000102, "fairway-1", None)
    for key, cleared in ((open_key, None), (cleared_key, now - 10)):
        alert = Alert(
            id=alert_id(key, now - 60),
            rule=key[0],
            mmsi=key[1],
            zone=key[2],
            office="shishi",
            severity="warning",
            status="open",
            raised_at=now - 60,
            lat=24.8,
            lon=118.7,
            cleared_at=cleared,
        )
        await store.apply(AlertChange("raised", alert, at=now - 60))
    await store.add_silence(Silence("s-1", 412000103, now - 3600, now + 3600, actor="operator"))
    await store.add_silence(Silence("s-2", 412000104, now - 7200, now - 3600, actor="operator"))

    stage = AlertsStage(load_config(SMALL_CONFIG))
    await restore_alert_book(stage, store)

    assert [a.mmsi for a in stage.book.open_alerts()] == [412000101]
    assert stage.book.silences.covers("speeding", 412000103, None, now)
    assert not stage.book.silences.covers("speeding", 412000104, None, now)


@pytest.mark.postgres
@pytest.mark.redis
def test_alerts_process_migrates_its_database_and_stops_cleanly(own_db: str) -> None:
    _clean_redis()
    proc = subprocess.Popen(
        [*SEAGRID, "run", "alerts", "--config", str(SMALL_CONFIG)],
        env=_env(SEAGRID_DATABASE_URL=own_db),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not asyncio.run(_has_table(own_db, "alerts")):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.3)
        time.sleep(1.0)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        _clean_redis()
    assert proc.returncode == 0, stderr
    assert "restored 0 open alerts" in stderr


async def _has_table(url: str, table: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT to_regclass($1)", table) is not None
    finally:
        await conn.close()
