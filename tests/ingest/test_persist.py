"""The persist stage end to end: in-process bus -> PersistStage -> real PostgreSQL.

Positions arrive as gridding publishes them (CELL_POSITIONS, with cell and office).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from services.core import topics
from services.core.bus import BusError, BusOptions, dead_letter_topic
from services.core.bus_memory import MemoryBus
from services.core.codec import encode
from services.core.db import open_database
from services.core.settings import DatabaseSettings
from services.core.types import CellPosition, Position
from services.ingest.persist import GROUP, PersistStage
from tests.ingest.ais_samples import T0, load

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_database(pg_url)
    await pool.execute("TRUNCATE positions, vessels")
    yield pool
    await pool.close()


def gridded(p: Position, cell: str | None = None, office: str | None = None) -> CellPosition:
    """`p` as gridding publishes it; the defaults are what it gives outside every cell."""
    return CellPosition(
        p.mmsi, p.ts, p.lat, p.lon, cell, office, p.speed, p.course, p.heading, p.status,
        p.turn, p.msg_type, p.source, p.mmsi_class,
    )  # fmt: skip


def cell_pos(
    mmsi: int, ts: float, cell: str | None = "C-07", office: str | None = "shishi"
) -> CellPosition:
    return gridded(Position(mmsi=mmsi, ts=ts, lat=24.8, lon=118.6), cell, office)


@pytest.fixture
def real(shared_ais: Path) -> tuple[list[bytes], list[bytes]]:
    # The Danish recording lies outside every Quanzhou cell: no cell, no office.
    positions, statics = load(shared_ais / "dma-aislib" / "decode_encode_messages.txt")
    return [encode(gridded(p)) for p in positions], [encode(s) for s in statics]


class Running:
    """A stage running in a task, with its stop event."""

    def __init__(self, stage: PersistStage, bus: MemoryBus) -> None:
        self.stage, self.bus, self.stop = stage, bus, asyncio.Event()
        self.task = asyncio.create_task(stage.run(bus, self.stop))

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)


async def rows(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM positions"))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> float:
    """Seconds until `check()` held; fails the test after `timeout`."""
    start = time.monotonic()
    while not await check():
        assert time.monotonic() - start < timeout, "condition not reached in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_stop_writes_everything_read_and_acks_only_after(
    pool: asyncpg.Pool, real: tuple[list[bytes], list[bytes]]
) -> None:
    positions, statics = real
    bus = MemoryBus()
    running = Running(
        PersistStage(pool, DatabaseSettings(retention_days=0, flush_interval=60)), bus
    )
    await bus.publish(topics.CELL_POSITIONS, positions)
    await bus.publish(topics.STATIC, statics)

    async def all_read() -> bool:
        return (
            await bus.lag(topics.CELL_POSITIONS, GROUP) == 0
            and await bus.lag(topics.STATIC, GROUP) == 0
        )

    await until(all_read)
    await asyncio.sleep(0.1)
    # read but not yet written: nothing acknowledged
    assert await rows(pool) == 0
    assert await bus.pending(topics.CELL_POSITIONS, GROUP) == len(positions)
    await running.finish()
    assert await rows(pool) == len(positions)
    assert await pool.fetchval("SELECT count(*) FROM vessels WHERE shipname IS NOT NULL") > 0
    assert await bus.pending(topics.CELL_POSITIONS, GROUP) == 0
    assert await bus.pending(topics.STATIC, GROUP) == 0
    assert running.stage.counts["positions"] == len(positions)
    assert running.stage.counts["statics"] == len(statics)


async def test_flushes_within_a_second_without_stop(
    pool: asyncpg.Pool, real: tuple[list[bytes], list[bytes]]
) -> None:
    positions, _ = real
    bus = MemoryBus()
    running = Running(
        PersistStage(pool, DatabaseSettings(retention_days=0, flush_interval=1.0)), bus
    )
    await asyncio.sleep(0.3)  # the stage is idle and waiting
    await bus.publish(topics.CELL_POSITIONS, positions[:50])

    async def written() -> bool:
        return await rows(pool) == 50

    waited = await until(written, timeout=3)
    assert 0.5 < waited < 1.5, waited
    assert not running.task.done()
    assert await bus.pending(topics.CELL_POSITIONS, GROUP) == 0
    await running.finish()


async def test_a_full_batch_is_written_before_the_interval(pool: asyncpg.Pool) -> None:
    bus = MemoryBus()
    stage = PersistStage(
        pool, DatabaseSettings(retention_days=0, flush_interval=60, batch_size=100)
    )
    running = Running(stage, bus)
    batch = [encode(cell_pos(413000002, T0 + i)) for i in range(250)]
    await bus.publish(topics.CELL_POSITIONS, batch)

    async def two_batches() -> bool:
        return await rows(pool) >= 200

    await until(two_batches)
    await running.finish()
    assert await rows(pool) == 250


class AckFailsOnce(MemoryBus):
    """A bus whose first acknowledgement of positions is lost, as when a process dies
    between its commit and its ack."""

    failed = False

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        if topic == topics.CELL_POSITIONS and not self.failed:
            self.failed = True
            raise BusError("connection to the bus lost")
        await super().ack(topic, group, ids)


async def test_redelivery_after_a_lost_ack_stores_nothing_twice(
    pool: asyncpg.Pool, real: tuple[list[bytes], list[bytes]]
) -> None:
    positions, _ = real
    bus = AckFailsOnce(BusOptions(claim_idle=0.2))
    await bus.publish(topics.CELL_POSITIONS, positions)
    first = Running(
        PersistStage(pool, DatabaseSettings(retention_days=0, flush_interval=0.1), consumer="a"),
        bus,
    )
    with pytest.raises(BusError, match="bus lost"):
        await asyncio.wait_for(first.task, 10)
    written = await rows(pool)
    assert written == len(positions)
    assert await bus.pending(topics.CELL_POSITIONS, GROUP) == len(positions)

    second = Running(
        PersistStage(pool, DatabaseSettings(retention_days=0, flush_interval=0.1), consumer="b"),
        bus,
    )

    async def redelivered() -> bool:
        return await bus.pending(topics.CELL_POSITIONS, GROUP) == 0

    await until(redelivered)
    await second.finish()
    assert await rows(pool) == written
    assert second.stage.counts["duplicates"] == len(positions)


async def test_bad_records_are_dead_lettered_and_the_rest_stored(pool: asyncpg.Pool) -> None:
    bus = MemoryBus()
    good = [cell_pos(413000003, T0 + i) for i in range(3)]
    payloads = [
        encode(good[0]),
        b"{not json",
        encode(replace(good[1], lat=123.0)),
        encode({"mmsi": 413000003}),  # no ts, lat, lon
        encode(Position(mmsi=413000003, ts=T0, lat=24.8, lon=118.6)),  # not gridded: no cell
        encode(good[1]),
        encode(good[2]),
    ]
    await bus.publish(topics.CELL_POSITIONS, payloads)
    await bus.publish(topics.STATIC, [encode({"mmsi": 413000003, "ts": T0, "msg_type": 99})])
    running = Running(
        PersistStage(pool, DatabaseSettings(retention_days=0, flush_interval=0.1)), bus
    )

    async def done() -> bool:
        return await bus.lag(topics.CELL_POSITIONS, GROUP) == 0 and await rows(pool) == 3

    await until(done)
    await running.finish()
    dead = dead_letter_topic(topics.CELL_POSITIONS)
    await bus.ensure_group(dead, "inspect")
    dead_payloads = [d.payload for d in await bus.read(dead, "inspect", "me", block=0)]
    assert sorted(dead_payloads) == sorted(payloads[1:5])
    assert await bus.lag(dead_letter_topic(topics.STATIC), "x") == 1
    assert await bus.pending(topics.CELL_POSITIONS, GROUP) == 0
    assert running.stage.counts["bad_payload"] == 3  # not JSON; missing fields (twice)
    assert running.stage.counts["invalid"] == 2  # lat 123; msg_type 99


async def test_unwritable_database_leaves_records_pending(pg_url: str) -> None:
    pool = await open_database(pg_url)
    await pool.close()  # the database goes away before the first write
    bus = MemoryBus()
    await bus.publish(topics.CELL_POSITIONS, [encode(cell_pos(413000004, T0, None, None))])
    stage = PersistStage(
        pool, DatabaseSettings(retention_days=0, flush_interval=0.05), shutdown_timeout=0.3
    )
    running = Running(stage, bus)

    async def tried() -> bool:
        return stage.counts["flush_failed"] >= 1

    await until(tried)
    await running.finish()  # gives up after shutdown_timeout instead of hanging
    assert stage.store.pending == 1
    assert await bus.pending(topics.CELL_POSITIONS, GROUP) == 1  # the bus keeps it for later


async def test_cell_and_office_reach_the_table_and_raw_positions_are_not_read(
    pool: asyncpg.Pool,
) -> None:
    bus = MemoryBus()
    records = [cell_pos(413000005, T0), cell_pos(413000005, T0 + 1, "C-21", "huian")]
    records.append(cell_pos(413000006, T0, None, None))  # outside the jurisdiction
    await bus.publish(topics.CELL_POSITIONS, [encode(r) for r in records])
    # Ingest's ungridded positions are gridding's to read: persist must leave them alone.
    await bus.publish(topics.POSITIONS, [encode(Position(413000007, T0, 24.8, 118.6))])
    running = Running(
        PersistStage(pool, DatabaseSettings(retention_days=0, flush_interval=0.05)), bus
    )

    async def written() -> bool:
        return await rows(pool) == 3

    await until(written)
    await running.finish()
    stored = await pool.fetch("SELECT mmsi, cell, office FROM positions ORDER BY mmsi, ts")
    assert [tuple(r) for r in stored] == [(r.mmsi, r.cell, r.office) for r in records]
