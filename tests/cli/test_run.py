"""`seagrid run STAGE` as a real process over the real Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import asyncpg
import pytest
import redis

from services.core import topics
from services.core.config import load_config
from services.core.settings import IngestSettings
from services.core.types import Position
from services.gridding.stage import GriddingStage
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records

REPO = Path(__file__).resolve().parents[2]
SMALL_CONFIG = REPO / "tests" / "gridding" / "data" / "quanzhou-small"
SEAGRID = [sys.executable, "-m", "services.cli.main"]
# Stage processes use fixed topic names, so this test owns a Redis database of its own
# (the one given to this checkout when SEAGRID_TEST_REDIS_URL is set, else database 13).
REDIS_URL = os.environ.get("SEAGRID_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _config_with_file_feed(tmp_path: Path, *recordings: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    with (config / "recording.nmea").open("wb") as out:
        for recording in recordings:
            out.write(recording.read_bytes())
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[[feeds]]\nname = "archive"\nkind = "file"\npath = "recording.nmea"\n')
    return config


Identity = tuple[int, float, float, float]


def _expected_positions(
    recording: Path,
) -> tuple[int, dict[Identity, tuple[str | None, str | None]]]:
    """How many positions gridding should publish, and what should be persisted, by identity,
    with its cell and office: computed in-process with the same decoding and gridding code
    over the same configuration."""
    decoder, dedup = Decoder(IngestSettings()), Deduplicator(IngestSettings().dedup_window)
    positions = []
    for line in recording.read_bytes().splitlines():
        for message in decoder.push(line, feed="archive", received_at=0.0):
            if dedup.is_duplicate(message):
                continue
            records = to_records(message, "archive")
            positions += [r for r in records if isinstance(r, Position)]
    gridded, _ = GriddingStage(load_config(recording.parent)).process(positions)
    return len(gridded), {
        (p.mmsi, round(p.ts, 3), p.lat, p.lon): (p.cell, p.office) for p in gridded
    }


def _timed(path: Path, start: float, tmp_path: Path) -> Path:
    """`path` with an epoch prefix (CONTRACTS §2) on every line, 0.1 s apart, so that stored
    times do not depend on how the feed happened to split its reads."""
    timed = tmp_path / f"timed-{path.name}"
    lines = path.read_bytes().splitlines()
    timed.write_bytes(b"".join(b"%.1f %s\n" % (start + i / 10, s) for i, s in enumerate(lines)))
    return timed


def _head(path: Path, lines: int, tmp_path: Path) -> Path:
    """The first `lines` lines of `path`, as a file of their own."""
    head = tmp_path / f"head-{path.name}"
    with path.open("rb") as source:
        head.write_bytes(b"".join(line for _, line in zip(range(lines), source, strict=False)))
    return head


def _clean_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys("seagrid.*")
    if keys:
        client.delete(*keys)
    client.close()


def _start(stage: str, database_url: str) -> subprocess.Popen[str]:
    """`seagrid run STAGE` on the small configuration, its stderr kept for the assertions."""
    return subprocess.Popen(
        [*SEAGRID, "run", stage, "--config", str(SMALL_CONFIG)],
        env=_env(SEAGRID_DATABASE_URL=database_url),
        stderr=subprocess.PIPE,
        text=True,
    )


def _env(**extra: str) -> dict[str, str]:
    # retention off: the recordings' times may be older than 180 days, and a restarted
    # persist stage would drop what the first one stored
    env = dict(
        os.environ,
        SEAGRID_REDIS_URL=REDIS_URL,
        PYTHONPATH=str(REPO),
        SEAGRID_DATABASE__RETENTION_DAYS="0",
    )
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


async def _stored_areas(url: str) -> Counter[tuple[str | None, str | None]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT cell, office, count(*) AS n FROM positions GROUP BY 1, 2")
        return Counter({(r["cell"], r["office"]): r["n"] for r in rows})
    finally:
        await conn.close()


async def _wait_for_stream(topic: str, length: int, timeout: float) -> None:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await client.exists(topic) and await client.xlen(topic) >= length:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"{topic} did not reach {length} records in {timeout} s")
    finally:
        await client.aclose()


async def _wait_for_pending(topic: str, group: str, count: int, timeout: float) -> None:
    """Until `group` has read `count` records of `topic` and acknowledged none of them."""
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if (await client.xpending(topic, group))["pending"] >= count:
                    return
            except redis.ResponseError:  # no group yet: the process is still migrating
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"{group} did not read {count} records of {topic} in {timeout} s")
    finally:
        await client.aclose()


def _stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM `proc` and wait for it; its stderr. Fails the test if it does not exit 0."""
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    return stderr


@pytest.mark.postgres
@pytest.mark.redis
async def test_persist_process_stores_everything_pending_on_sigterm_with_cells(
    tmp_path: Path, shared_ais: Path, own_db: str
) -> None:
    pg_url = own_db
    # Bundled Quanzhou traffic (some inside the cells), then the real Danish recording (all
    # outside): stored rows must carry the cell and office, or NULL outside.
    demo = _head(REPO / "services" / "demo" / "recording.nmea", 1500, tmp_path)
    danish = _timed(shared_ais / "dma-aislib" / "decode_encode_messages.txt", 1.78e9, tmp_path)
    config = _config_with_file_feed(tmp_path, demo, danish)
    published, expected = _expected_positions(config / "recording.nmea")
    assert {cell for cell, _ in expected.values()} > {None}  # some inside, some outside
    _clean_redis()
    # A flush interval far beyond the test's length: rows reach the database only because
    # SIGTERM makes the persist process write what it holds.
    persist = subprocess.Popen(
        [*SEAGRID, "run", "persist", "--config", str(config)],
        env=_env(
            SEAGRID_DATABASE_URL=pg_url,
            SEAGRID_DATABASE__FLUSH_INTERVAL="600",
            SEAGRID_DATABASE__BATCH_SIZE="100000",
            SEAGRID_DATABASE__BUFFER_SIZE="100000",
        ),
        stderr=subprocess.PIPE,
        text=True,
    )
    no_db = _env()
    no_db.pop("SEAGRID_DATABASE_URL", None)  # neither ingest nor gridding needs a database
    gridding, ingest = (
        subprocess.Popen(
            [*SEAGRID, "run", stage, "--config", str(config)],
            env=no_db,
            stderr=subprocess.PIPE,
            text=True,
        )
        for stage in ("gridding", "ingest")
    )
    try:
        await _wait_for_stream(topics.CELL_POSITIONS, published, timeout=60)
        await _wait_for_pending(topics.CELL_POSITIONS, "persist", published, timeout=30)
        assert await _count_positions(pg_url) == 0
        _stop(persist)
        _stop(gridding)
        _stop(ingest)
    finally:
        for proc in (persist, gridding, ingest):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()  # closes the pipe, which a failing test would leak
        _clean_redis()
    assert await _count_positions(pg_url) == len(expected)
    assert await _stored_areas(pg_url) == Counter(expected.values())


def test_run_reports_a_missing_database_url_on_one_line() -> None:
    env = _env()
    env.pop("SEAGRID_DATABASE_URL", None)
    result = subprocess.run(
        [*SEAGRID, "run", "persist", "--config", str(SMALL_CONFIG)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "seagrid run persist: SEAGRID_DATABASE_URL is not set (postgresql://user@host:port/db)"
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


@pytest.mark.postgres
@pytest.mark.redis
def test_gridding_process_stops_cleanly_on_sigterm(own_db: str) -> None:
    _clean_redis()
    proc = _start("gridding", own_db)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        # SIGTERM once it runs (its group exists), not after a fixed sleep: on a busy
        # machine the imports alone can take longer, and a signal before the handlers are
        # installed kills the process instead of stopping it.
        deadline = time.monotonic() + 60
        while not client.exists(topics.POSITIONS) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        client.close()
        _clean_redis()
    assert proc.returncode == 0, stderr


async def test_alerts_stage_takes_over_open_alerts_and_silences_from_the_store() -> None:
    from services.alerts.memory_store import MemoryAlertStore
    from services.alerts.model import Alert, AlertChange, Silence, alert_id, alert_key
    from services.alerts.stage import AlertsStage
    from services.assembly.pipeline import restore_alert_book
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
    proc = _start("alerts", own_db)
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
