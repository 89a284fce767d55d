"""Partitions by MMSI (services/core/partitions.py) on both backends, and the flag checks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from services.core import topics
from services.core.bus import Bus, BusOptions, open_bus
from services.core.codec import encode, records_of
from services.core.partitions import (
    WHOLE,
    PartitionedBus,
    PartitionError,
    PartitionSpec,
    check_partition,
    owner_view,
    parse_partition,
    partitioned,
    partitions_from_config,
    stream,
)
from services.core.types import Position
from tests.conftest import REDIS_URL

FAST = BusOptions(maxlen=10_000, claim_idle=0.2, max_attempts=3)
MMSIS = [413000001, 413000002, 413000003, 413000004, 413000005, 413000006, 413000007]


def _positions(rounds: int = 3) -> list[Position]:
    return [
        Position(mmsi, 1.7e9 + r * 10 + k, 24.8 + k / 100, 118.6 + r / 100)
        for r in range(rounds)
        for k, mmsi in enumerate(MMSIS)
    ]


@pytest.fixture(params=["memory", "redis"])
async def raw_bus(request: pytest.FixtureRequest, unique: str) -> AsyncIterator[tuple[Bus, str]]:
    bus = open_bus("memory://" if request.param == "memory" else REDIS_URL, FAST)
    yield bus, f"test.{unique}.pos"
    await bus.close()
    if request.param == "redis":
        client = aioredis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(match=f"test.{unique}.*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def _drain(bus: Bus, topic: str, group: str) -> list[Position]:
    out: list[Position] = []
    while batch := await bus.read(topic, group, "c1", count=5, block=0):
        out += records_of(batch, Position, lambda d, e: pytest.fail(f"{d}: {e}"))
        await bus.ack(topic, group, [d.id for d in batch])
    return out


async def test_records_go_to_the_stream_of_their_vessel_in_order(raw_bus: tuple[Bus, str]) -> None:
    inner, topic = raw_bus
    bus = PartitionedBus(inner, 3, partitioned=frozenset({topic}))
    sent = _positions()
    await bus.publish_records(topic, sent)
    for index in range(3):
        got = await _drain(inner, f"{topic}.p{index}", "g")
        assert got == [p for p in sent if p.mmsi % 3 == index]
    assert await _drain(inner, topic, "g") == []  # the unsplit stream is not used


async def test_encoded_records_are_routed_by_their_mmsi_field(raw_bus: tuple[Bus, str]) -> None:
    inner, topic = raw_bus
    bus = PartitionedBus(inner, 2, partitioned=frozenset({topic}))
    messages = [{"mmsi": m, "msg_type": 14, "text": "SOS"} for m in MMSIS] + [{"text": "?"}]
    await bus.publish(topic, [encode(m) for m in messages])
    assert await inner.lag(f"{topic}.p0", "g") == 3 + 1  # 3 even MMSIs, and the one without
    assert await inner.lag(f"{topic}.p1", "g") == 4
    with pytest.raises(TypeError):
        await bus.publish(topic, ["not bytes"])  # type: ignore[list-item]


async def test_an_owner_reads_its_partition_only_others_read_all(raw_bus: tuple[Bus, str]) -> None:
    inner, topic = raw_bus
    whole = PartitionedBus(inner, 2, partitioned=frozenset({topic}))
    sent = _positions()
    await whole.publish_records(topic, sent)
    owner = whole.owning(1)
    mine = await _drain(owner, topic, "owner")
    assert mine == [p for p in sent if p.mmsi % 2 == 1]
    assert await owner.pending(topic, "owner") == 0
    # A reader of every partition: each vessel's records in order, all of them, and its
    # acknowledgements find their stream (nothing left pending).
    reader = whole
    batch = await reader.read(topic, "all", "c1", count=100, block=0)
    assert batch and all("/" in d.id for d in batch)
    assert await reader.pending(topic, "all") == sum(d.size for d in batch)
    await reader.ack(topic, "all", [d.id for d in batch])
    rest = await _drain(reader, topic, "all")
    got = records_of(batch, Position, lambda _d, e: pytest.fail(str(e))) + rest
    assert sorted(got, key=lambda p: (p.mmsi, p.ts)) == sorted(sent, key=lambda p: (p.mmsi, p.ts))
    for mmsi in MMSIS:
        assert [p.ts for p in got if p.mmsi == mmsi] == [p.ts for p in sent if p.mmsi == mmsi]
    assert await reader.pending(topic, "all") == 0
    assert await reader.lag(topic, "all") == 0


async def test_topics_without_vessels_and_one_partition_are_untouched(
    raw_bus: tuple[Bus, str],
) -> None:
    inner, topic = raw_bus
    assert partitioned(inner, 1) is inner
    assert owner_view(inner, WHOLE) is inner
    bus = PartitionedBus(inner, 2, owned=0, partitioned=frozenset())
    await bus.publish_records(topic, _positions(1))
    assert len(await _drain(inner, topic, "g")) == len(MMSIS)


def test_stream_names() -> None:
    assert stream(topics.POSITIONS, 0, 1) == "seagrid.positions"
    assert stream(topics.POSITIONS, 1, 2) == "seagrid.positions.p1"
    assert stream(topics.CELL_POSITIONS, 3, 4) == "seagrid.cell_positions.p3"
    assert stream(topics.ALERTS, 1, 2) == "seagrid.alerts"  # no vessel: never split


def test_partition_flags() -> None:
    assert parse_partition("1/2") == PartitionSpec(1, 2)
    assert parse_partition(" 0 / 4 ") == PartitionSpec(0, 4)
    spec = parse_partition("3/4")
    assert spec.owns(413000003) and not spec.owns(413000004)
    assert str(spec) == "3/4" and spec.suffix == "-p3" and WHOLE.suffix == ""
    for bad, words in [
        ("2/2", "index must be 0..1"),
        ("-1/2", "must be I/N"),
        ("1", "must be I/N"),
        ("a/b", "must be I/N"),
        ("0/0", "count must be 1..64"),
        ("0/65", "count must be 1..64"),
    ]:
        with pytest.raises(PartitionError, match=words):
            parse_partition(bad)
    with pytest.raises(PartitionError, match="partitions = 3"):
        check_partition(PartitionSpec(0, 2), 3)
    check_partition(PartitionSpec(1, 2), 2)


def test_partitions_setting() -> None:
    assert partitions_from_config({}) == 1
    assert partitions_from_config({"bus": {"partitions": 4}}) == 4
    for bad in ({"bus": {"partitions": 0}}, {"bus": {"partitions": "2"}}, {"bus": 3}):
        with pytest.raises(PartitionError, match=r"\[bus\]"):
            partitions_from_config(bad)


async def test_owner_view_refuses_another_split() -> None:
    bus = open_bus("memory://")
    with pytest.raises(PartitionError, match="split into 3"):
        owner_view(PartitionedBus(bus, 3), PartitionSpec(0, 2))
    view = owner_view(bus, PartitionSpec(1, 2))
    assert isinstance(view, PartitionedBus) and view.owned == 1
    await bus.close()
