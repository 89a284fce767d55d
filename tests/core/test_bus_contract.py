"""The bus contract, held against both backends: the in-process bus and Redis Streams.

Every test in the first part runs on both (one parametrized fixture), on real AIS sentences
from the shared recordings. Where the backends differ by design (what happens when a group
falls `maxlen` behind, what a restarted consumer is handed first) each side is tested
explicitly further down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from services.core.bus import Bus, BusError, BusOptions, Delivery, dead_letter_topic, open_bus
from services.core.bus_memory import MemoryBus
from services.core.bus_redis import RedisBus
from services.core.codec import CodecError, encode, payloads_of, records_of
from services.core.settings import IngestSettings
from services.core.types import Position
from services.gridding.stage import with_cell
from services.ingest.decoder import Decoder
from services.ingest.records import to_records
from tests.conftest import REDIS_URL

FAST = BusOptions(maxlen=10_000, claim_idle=0.2, max_attempts=3)


class Backend:
    """Opens buses of one kind and forgets nothing: closes them, deletes Redis keys."""

    def __init__(self, kind: str, unique: str) -> None:
        self.kind = kind
        self.unique = unique
        self.buses: list[Bus] = []

    def open(self, options: BusOptions = FAST) -> Bus:
        bus = open_bus("memory://" if self.kind == "memory" else REDIS_URL, options)
        self.buses.append(bus)
        return bus

    def topic(self, name: str = "t") -> str:
        return f"test.{self.unique}.{name}"

    async def cleanup(self) -> None:
        for bus in self.buses:
            await bus.close()
        if self.kind == "redis":
            client = aioredis.from_url(REDIS_URL)
            keys = [k async for k in client.scan_iter(match=f"test.{self.unique}.*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest, unique: str) -> AsyncIterator[Backend]:
    be = Backend(request.param, unique)
    yield be
    await be.cleanup()


@pytest.fixture
async def redis_backend(unique: str) -> AsyncIterator[Backend]:
    be = Backend("redis", unique)
    yield be
    await be.cleanup()


@pytest.fixture(scope="module")
def sentences(shared_ais: Path) -> list[bytes]:
    """Real AIS sentences, one record each, in recording order."""
    lines = (shared_ais / "pyais" / "nmea_data_sample.txt").read_bytes().splitlines()
    return [line for line in lines if line.startswith(b"!")]


async def drain(
    bus: Bus, topic: str, group: str, consumer: str, count: int = 512
) -> list[Delivery]:
    """Everything the consumer can read now, without acking."""
    out: list[Delivery] = []
    while batch := await bus.read(topic, group, consumer, count=count, block=0):
        out.extend(batch)
    return out


# --- the contract, on both backends ------------------------------------------------------


async def test_order_is_preserved_within_a_topic(backend: Backend, sentences: list[bytes]) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    for start in range(0, len(sentences), 25):
        await bus.publish(topic, sentences[start : start + 25])
    got = await drain(bus, topic, "g", "c", count=40)
    assert len(sentences) > 800
    assert [d.payload for d in got] == sentences
    assert all(d.attempts == 1 for d in got)


async def test_each_record_goes_once_to_every_group(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    records = sentences[:30]
    for group in ("gridding", "archive"):
        await bus.ensure_group(topic, group)
    await bus.publish(topic, records)
    for group in ("gridding", "archive"):
        got = await drain(bus, topic, group, "c")
        assert [d.payload for d in got] == records
        await bus.ack(topic, group, [d.id for d in got])
        assert await bus.read(topic, group, "c", block=0) == []
    await asyncio.sleep(FAST.claim_idle + 0.1)  # acked records are never redelivered
    assert await bus.read(topic, "gridding", "other", block=0) == []


async def test_two_consumers_of_one_group_split_the_work(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    await bus.publish(topic, sentences[:40])
    first = await bus.read(topic, "g", "c1", count=15, block=0)
    second = await drain(bus, topic, "g", "c2")
    assert len(first) == 15 and len(second) == 25
    assert {d.id for d in first}.isdisjoint(d.id for d in second)
    assert [d.payload for d in first + second] == sentences[:40]
    assert await bus.read(topic, "g", "c1", block=0) == []


async def test_read_waits_for_new_records_up_to_block(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    started = time.monotonic()
    assert await bus.read(topic, "g", "c", block=0.2) == []
    assert time.monotonic() - started >= 0.15
    later = asyncio.get_running_loop().call_later(
        0.1, lambda: asyncio.ensure_future(bus.publish(topic, sentences[:1]))
    )
    started = time.monotonic()
    got = await bus.read(topic, "g", "c", block=3.0)
    later.cancel()
    assert [d.payload for d in got] == sentences[:1]
    assert time.monotonic() - started < 1.5


async def test_unacked_records_are_redelivered_after_claim_idle(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    await bus.publish(topic, sentences[:5])
    got = await bus.read(topic, "g", "dies", block=0)
    await bus.ack(topic, "g", [d.id for d in got[:2]])
    assert await bus.read(topic, "g", "survivor", block=0) == []  # not before claim_idle
    await asyncio.sleep(FAST.claim_idle + 0.1)
    again = await bus.read(topic, "g", "survivor", block=0)
    assert [(d.id, d.payload, d.attempts) for d in again] == [(d.id, d.payload, 2) for d in got[2:]]
    await bus.ack(topic, "g", [d.id for d in again])
    assert await bus.pending(topic, "g") == 0
    await asyncio.sleep(FAST.claim_idle + 0.1)
    assert await bus.read(topic, "g", "third", block=0) == []


async def test_record_goes_to_dead_letter_topic_after_max_attempts(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    await bus.publish(topic, sentences[:2])
    first = await bus.read(topic, "g", "c", block=0)
    await bus.ack(topic, "g", [first[1].id])  # the healthy neighbour
    attempts = [first[0].attempts]
    for _ in range(FAST.max_attempts):
        await asyncio.sleep(FAST.claim_idle + 0.05)
        attempts += [d.attempts for d in await bus.read(topic, "g", "c", block=0)]
    assert attempts == [1, 2, 3]  # delivered max_attempts times, then dead-lettered
    assert await bus.pending(topic, "g") == 0
    dead = await drain(bus, dead_letter_topic(topic), "ops", "inspector")
    assert [d.payload for d in dead] == sentences[:1]


async def test_held_records_are_neither_claimed_nor_dead_lettered(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    await bus.publish(topic, sentences[:2])
    held = [d.id for d in await bus.read(topic, "g", "keeper", block=0)]
    # held through more than max_attempts x claim_idle: nobody claims them meanwhile
    for _ in range(2 * FAST.max_attempts):
        await asyncio.sleep(FAST.claim_idle / 2)
        await bus.hold(topic, "g", "keeper", held)
        others = await bus.read(topic, "g", "other", block=0)
        assert others == []
    await bus.hold(topic, "g", "keeper", ["999999999-0"])  # not pending: ignored
    await bus.ack(topic, "g", held[:1])
    await asyncio.sleep(FAST.claim_idle + 0.05)  # no longer held: claimed once more
    again = await bus.read(topic, "g", "other", block=0)
    assert [(d.id, d.attempts) for d in again] == [(held[1], 2)]  # holds counted nothing
    assert await drain(bus, dead_letter_topic(topic), "ops", "inspector") == []


async def test_group_created_after_publishing_sees_retained_records(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.publish(topic, sentences[:12])
    await bus.ensure_group(topic, "late")
    assert [d.payload for d in await drain(bus, topic, "late", "c")] == sentences[:12]
    fresh = await drain(bus, topic, "implicit", "c")  # read() creates the group itself
    assert [d.payload for d in fresh] == sentences[:12]


async def test_lag_and_pending_figures(backend: Backend, sentences: list[bytes]) -> None:
    bus, topic = backend.open(), backend.topic()
    assert await bus.lag(topic, "g") == 0 and await bus.pending(topic, "g") == 0
    await bus.publish(topic, sentences[:10])
    assert await bus.lag(topic, "g") == 10  # a group that does not exist yet would see all
    await bus.ensure_group(topic, "g")
    assert (await bus.lag(topic, "g"), await bus.pending(topic, "g")) == (10, 0)
    got = await bus.read(topic, "g", "c", count=4, block=0)
    assert (await bus.lag(topic, "g"), await bus.pending(topic, "g")) == (6, 4)
    await bus.ack(topic, "g", [d.id for d in got[:3]])
    assert (await bus.lag(topic, "g"), await bus.pending(topic, "g")) == (6, 1)
    await bus.ack(topic, "g", [got[0].id])  # acking twice changes nothing
    assert await bus.pending(topic, "g") == 1
    assert await bus.pending(topic, "nobody") == 0


async def test_non_bytes_payload_is_rejected_and_nothing_is_published(
    backend: Backend, sentences: list[bytes]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    with pytest.raises(TypeError, match="payload 1 is str"):
        await bus.publish(topic, [sentences[0], sentences[1].decode()])  # type: ignore[list-item]
    assert await bus.lag(topic, "g") == 0
    await bus.publish(topic, [sentences[0], bytearray(sentences[1])])
    assert [d.payload for d in await drain(bus, topic, "g", "c")] == sentences[:2]


async def test_closed_bus_raises_bus_error(backend: Backend, sentences: list[bytes]) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.publish(topic, sentences[:1])
    await bus.close()
    with pytest.raises(BusError, match="closed"):
        await bus.publish(topic, sentences[:1])
    with pytest.raises(BusError, match="closed"):
        await bus.read(topic, "g", "c", block=0)
    await bus.close()  # closing twice is harmless


# --- record batches (publish_records): unencoded in memory, one entry per record on Redis ----


@pytest.fixture(scope="module")
def positions(sentences: list[bytes]) -> list[Position]:
    """Real positions: the position reports among the shared sentences, through ingest."""
    decoder = Decoder(IngestSettings())
    out = []
    for n, line in enumerate(sentences):
        for message in decoder.push(line, feed="t", received_at=1_700_000_000.0 + n):
            out += [r for r in to_records(message, "t") if isinstance(r, Position)]
    return out


def _bad(delivery: Delivery, exc: CodecError) -> None:
    raise AssertionError(f"{delivery.id}: {exc}")


async def test_records_come_back_equal_and_in_order(
    backend: Backend, positions: list[Position]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    for start in range(0, len(positions), 100):
        await bus.publish_records(topic, positions[start : start + 100])
    assert len(positions) > 300
    assert (await bus.lag(topic, "g"), await bus.pending(topic, "g")) == (len(positions), 0)
    got = await drain(bus, topic, "g", "c", count=250)
    assert records_of(got, Position, _bad) == positions
    assert sum(d.size for d in got) == len(positions) == await bus.pending(topic, "g")
    assert payloads_of(got) == [encode(p) for p in positions]
    await bus.ack(topic, "g", [d.id for d in got])
    assert (await bus.lag(topic, "g"), await bus.pending(topic, "g")) == (0, 0)


async def test_records_must_be_one_frozen_dataclass(
    backend: Backend, positions: list[Position]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    with pytest.raises(TypeError, match="frozen dataclasses"):
        await bus.publish_records(topic, [{"mmsi": 1}])
    mixed = [positions[0], with_cell(positions[1], None, None)]
    with pytest.raises(TypeError, match="record 1 is CellPosition"):
        await bus.publish_records(topic, mixed)
    assert await bus.lag(topic, "g") == 0


async def test_batch_entry_is_redelivered_and_dead_lettered_whole(
    backend: Backend, positions: list[Position]
) -> None:
    bus, topic = backend.open(), backend.topic()
    await bus.ensure_group(topic, "g")
    await bus.publish_records(topic, positions[:5])
    for attempt in range(1, FAST.max_attempts + 1):
        got = await drain(bus, topic, "g", "c")
        assert records_of(got, Position, _bad) == positions[:5]
        assert {d.attempts for d in got} == {attempt}
        await asyncio.sleep(FAST.claim_idle + 0.05)
    assert await bus.read(topic, "g", "c", block=0) == []
    dead = dead_letter_topic(topic)
    assert records_of(await drain(bus, dead, "x", "c"), Position, _bad) == positions[:5]


# --- where the backends differ by design ---------------------------------------------------


async def test_memory_keeps_a_record_batch_unencoded_as_one_entry(
    positions: list[Position],
) -> None:
    bus = MemoryBus(BusOptions(maxlen=100))
    await bus.ensure_group("t", "g")
    task = asyncio.create_task(bus.publish_records("t", positions[:250]))
    await asyncio.sleep(0.01)
    got = await bus.read("t", "g", "c", count=1000, block=0)
    assert len(got) == 1 and got[0].records is not None and got[0].payload == b""
    assert got[0].records[0] is positions[0]  # the very objects, not copies
    assert got[0].size == 100 and not task.done()  # the rest waits for room: nothing trimmed
    await bus.ack("t", "g", [got[0].id])
    while not task.done() or await bus.lag("t", "g"):
        batch = await bus.read("t", "g", "c", count=1000, block=0.1)
        await bus.ack("t", "g", [d.id for d in batch])
        got += batch
    await task
    assert [d.size for d in got] == [100, 100, 50]
    assert records_of(got, Position, _bad) == positions[:250]


async def test_memory_without_groups_keeps_the_newest_maxlen(sentences: list[bytes]) -> None:
    bus = MemoryBus(BusOptions(maxlen=50))
    await bus.publish("t", sentences[:120])
    assert await bus.lag("t", "late") == 50
    assert [d.payload for d in await drain(bus, "t", "late", "c")] == sentences[70:120]


async def test_memory_publish_waits_while_a_group_would_lose_records(
    sentences: list[bytes],
) -> None:
    bus = MemoryBus(BusOptions(maxlen=20, claim_idle=5))
    await bus.ensure_group("t", "slow")
    await bus.publish("t", sentences[:20])
    blocked = asyncio.create_task(bus.publish("t", sentences[20:25]))
    await asyncio.sleep(0.05)
    assert not blocked.done()
    got = await bus.read("t", "slow", "c", count=10, block=0)
    await asyncio.sleep(0.05)
    assert not blocked.done()  # delivered is not enough: pending records are still needed
    await bus.ack("t", "slow", [d.id for d in got])
    await asyncio.wait_for(blocked, 1.0)
    rest = await drain(bus, "t", "slow", "c")
    assert [d.payload for d in got + rest] == sentences[:25]  # nothing lost, in order
    await bus.close()


async def test_memory_large_batch_goes_in_chunks_without_loss(sentences: list[bytes]) -> None:
    bus = MemoryBus(BusOptions(maxlen=10))
    await bus.ensure_group("t", "g")
    publishing = asyncio.create_task(bus.publish("t", sentences[:35]))
    got: list[Delivery] = []
    while len(got) < 35:
        batch = await bus.read("t", "g", "c", block=1.0)
        await bus.ack("t", "g", [d.id for d in batch])
        got += batch
    await asyncio.wait_for(publishing, 1.0)
    assert [d.payload for d in got] == sentences[:35]


async def test_memory_close_wakes_a_waiting_publisher(sentences: list[bytes]) -> None:
    bus = MemoryBus(BusOptions(maxlen=2))
    await bus.ensure_group("t", "g")
    waiting = asyncio.create_task(bus.publish("t", sentences[:3]))
    await asyncio.sleep(0.05)
    await bus.close()
    with pytest.raises(BusError, match="closed"):
        await asyncio.wait_for(waiting, 1.0)


async def test_redis_trims_even_when_a_group_lags(
    redis_backend: Backend, redis_client: aioredis.Redis, sentences: list[bytes]
) -> None:
    bus, topic = redis_backend.open(BusOptions(maxlen=100)), redis_backend.topic()
    await bus.ensure_group(topic, "slow")
    records = sentences[:1000]
    for start in range(0, len(records), 200):
        await bus.publish(topic, records[start : start + 200])  # never waits
    length = await redis_client.xlen(topic)
    assert 100 <= length < 250  # MAXLEN ~ trims whole macro nodes of 100 entries
    assert await bus.lag(topic, "slow") == length  # not the 1000 Redis counts
    got = await drain(bus, topic, "slow", "c")
    assert [d.payload for d in got] == records[-length:]


async def test_redis_restarted_consumer_gets_its_own_pending_first(
    redis_backend: Backend, sentences: list[bytes]
) -> None:
    topic = redis_backend.topic()
    before = redis_backend.open(BusOptions(claim_idle=60))
    await before.publish(topic, sentences[:6])
    held = await before.read(topic, "g", "gridding-1", count=4, block=0)
    await before.close()  # the process dies holding 4 records
    after = redis_backend.open(BusOptions(claim_idle=60))
    other = await after.read(topic, "g", "gridding-2", count=10, block=0)
    assert [(d.payload, d.attempts) for d in other] == [(p, 1) for p in sentences[4:6]]
    again = await after.read(topic, "g", "gridding-1", block=0)
    assert [(d.id, d.payload, d.attempts) for d in again] == [(d.id, d.payload, 2) for d in held]
    assert await after.read(topic, "g", "gridding-1", block=0) == []  # once per process


async def test_redis_restarted_consumer_drops_records_trimmed_while_pending(
    redis_backend: Backend, redis_client: aioredis.Redis, sentences: list[bytes]
) -> None:
    topic = redis_backend.topic()
    before = redis_backend.open(BusOptions(claim_idle=60))
    await before.publish(topic, sentences[:3])
    assert len(await before.read(topic, "g", "c", block=0)) == 3
    await before.close()
    await redis_client.xtrim(topic, maxlen=1, approximate=False)
    after = redis_backend.open(BusOptions(claim_idle=60))
    again = await after.read(topic, "g", "c", block=0)
    assert [(d.payload, d.attempts) for d in again] == [(sentences[2], 2)]
    assert await after.pending(topic, "g") == 1


async def test_redis_dead_letter_names_its_origin(
    redis_backend: Backend, redis_client: aioredis.Redis, sentences: list[bytes]
) -> None:
    bus = redis_backend.open(BusOptions(claim_idle=0.05, max_attempts=1))
    topic = redis_backend.topic()
    await bus.publish(topic, sentences[:1])
    (first,) = await bus.read(topic, "alerts", "c", block=0)
    await asyncio.sleep(0.1)
    assert await bus.read(topic, "alerts", "c", block=0) == []
    ((_, fields),) = await redis_client.xrange(dead_letter_topic(topic))
    assert fields == {
        b"d": sentences[0],
        b"topic": topic.encode(),
        b"group": b"alerts",
        b"id": first.id.encode(),
        b"attempts": b"1",
    }


async def test_redis_lag_is_counted_when_redis_cannot_tell(
    redis_backend: Backend, redis_client: aioredis.Redis, sentences: list[bytes]
) -> None:
    bus, topic = redis_backend.open(), redis_backend.topic()
    await bus.publish(topic, sentences[:10])
    assert len(await bus.read(topic, "g", "c", count=3, block=0)) == 3
    entries = await redis_client.xrange(topic)
    await redis_client.xdel(topic, entries[6][0])  # a deletion leaves XINFO's lag undefined
    assert (await redis_client.xinfo_groups(topic))[0]["lag"] is None
    assert await bus.lag(topic, "g") == 6


async def test_redis_unreachable_raises_bus_error() -> None:
    bus = open_bus("redis://127.0.0.1:1/15")
    assert isinstance(bus, RedisBus)
    with pytest.raises(BusError, match=r"127\.0\.0\.1:1/15 unreachable during publish"):
        await bus.publish("t", [b"x"])
    await bus.close()


def test_open_bus_rejects_unknown_schemes_and_bad_options() -> None:
    with pytest.raises(BusError, match="kafka"):
        open_bus("kafka://broker:9092")
    with pytest.raises(ValueError, match="invalid bus options"):
        BusOptions(max_attempts=0)
    assert isinstance(open_bus("memory://"), MemoryBus)
