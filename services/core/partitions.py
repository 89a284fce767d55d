"""Partitions: per-vessel topics split by MMSI into N streams, so a stage that keeps
per-vessel state (gridding, alerts) can run as N processes, each owning the vessels with
`mmsi % N == I` and seeing all of their reports in order.

Naming: with N = 1 (the default) every topic keeps its one stream, `seagrid.positions`, so
nothing changes for a deployment that does not partition. With N > 1 a partitioned topic is
N streams `<topic>.p<I>` (`seagrid.positions.p0`, `seagrid.positions.p1`, ...); the
unsuffixed stream is then unused. N is `[bus] partitions` in seagrid.toml, read by every
process from the same configuration directory, so producers and consumers agree on it.

`PartitionedBus` wraps any bus and keeps the stages unaware of the split:

- publishing a batch to a partitioned topic splits it by MMSI (records: `.mmsi`; encoded
  payloads, the few safety messages: their `mmsi` field), each part in order;
- a process that *owns* partition I (`seagrid run gridding|alerts --partition I/N`) reads,
  acknowledges and measures the stream `<topic>.p<I>` only;
- any other process (web, persist, fusion, dispatcher) reads all N streams of a partitioned
  topic as if they were one: deliveries come from each stream in turn, their ids carry the
  stream (`<I>/<id>`) so acknowledgements go back to it, and `pending`/`lag` are the sums.

Topics that carry no vessel (alerts, alert commands, the information centre, radar) are
never partitioned: every partition's process reads them in a group of its own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.core import topics
from services.core.bus import Bus, Delivery, validate_batch, validate_records
from services.core.codec import CodecError, decode

# Every topic whose records belong to one vessel.
PARTITIONED = frozenset(
    {
        topics.POSITIONS,
        topics.STATIC,
        topics.MESSAGES,
        topics.CELL_POSITIONS,
        topics.TRANSITIONS,
        topics.ACCEPTED_POSITIONS,
    }
)
MAX_PARTITIONS = 64  # far more processes than one Redis serves well; a typo beyond it
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class PartitionError(ValueError):
    """A partition flag or `[bus] partitions` setting that cannot work."""


@dataclass(frozen=True, slots=True)
class PartitionSpec:
    """Partition `index` of `count`: owns the vessels with `mmsi % count == index`."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_PARTITIONS:
            raise PartitionError(f"partition count must be 1..{MAX_PARTITIONS}, got {self.count}")
        if not 0 <= self.index < self.count:
            raise PartitionError(
                f"partition index must be 0..{self.count - 1} for {self.count} partitions, "
                f"got {self.index}"
            )

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, mmsi: int) -> bool:
        return mmsi % self.count == self.index

    @property
    def suffix(self) -> str:
        """What names this partition's groups and snapshots: empty for the only one."""
        return "" if self.count == 1 else f"-p{self.index}"


WHOLE = PartitionSpec(0, 1)


def parse_partition(text: str) -> PartitionSpec:
    """`I/N` as given to `--partition`; raises PartitionError with what is wrong."""
    match = _SPEC.match(text)
    if match is None:
        raise PartitionError(f"--partition must be I/N (e.g. 0/2), got {text!r}")
    return PartitionSpec(int(match[1]), int(match[2]))


def partitions_from_config(sections: dict[str, Any]) -> int:
    """N from seagrid.toml's `[bus] partitions` (default 1); raises PartitionError."""
    bus = sections.get("bus", {})
    if not isinstance(bus, dict):
        raise PartitionError("[bus] must be a table")
    count = bus.get("partitions", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_PARTITIONS:
        raise PartitionError(
            f"[bus] partitions must be an integer 1..{MAX_PARTITIONS}, got {count!r}"
        )
    return count


def check_partition(spec: PartitionSpec, configured: int) -> None:
    """A process must split the topics as the producers do; raises PartitionError."""
    if spec.count != configured:
        raise PartitionError(
            f"--partition {spec} splits into {spec.count} partitions but [bus] partitions = "
            f"{configured} in seagrid.toml: producers would write streams this process never reads"
        )


def stream(topic: str, index: int, count: int) -> str:
    """The stream of partition `index` of `topic` (the topic itself when not split)."""
    if count == 1 or topic not in PARTITIONED:
        return topic
    return f"{topic}.p{index}"


def partition_of(mmsi: int, count: int) -> int:
    return mmsi % count


class PartitionedBus:
    """A bus whose per-vessel topics are split by MMSI (see the module docstring)."""

    def __init__(
        self,
        inner: Bus,
        count: int,
        owned: int | None = None,
        partitioned: frozenset[str] = PARTITIONED,
    ) -> None:
        if owned is not None:
            PartitionSpec(owned, count)  # validates
        elif not 1 <= count <= MAX_PARTITIONS:
            raise PartitionError(f"partition count must be 1..{MAX_PARTITIONS}, got {count}")
        self.inner, self.count, self.owned, self.partitioned = inner, count, owned, partitioned
        self._turn: dict[tuple[str, str], int] = defaultdict(int)

    def owning(self, index: int) -> PartitionedBus:
        """The same bus seen by the owner of partition `index` (shares the connection)."""
        return PartitionedBus(self.inner, self.count, index, self.partitioned)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # backend extras (options, url) stay reachable

    def _split(self, topic: str) -> bool:
        return self.count > 1 and topic in self.partitioned

    def streams(self, topic: str) -> list[str]:
        """The streams this process reads for `topic`."""
        if not self._split(topic):
            return [topic]
        if self.owned is not None:
            return [f"{topic}.p{self.owned}"]
        return [f"{topic}.p{i}" for i in range(self.count)]

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        if not self._split(topic):
            await self.inner.publish(topic, payloads)
            return
        parts: dict[int, list[bytes]] = defaultdict(list)
        for payload in validate_batch(topic, payloads):
            parts[_payload_mmsi(payload) % self.count].append(payload)
        for index, part in sorted(parts.items()):
            await self.inner.publish(f"{topic}.p{index}", part)

    async def publish_records(self, topic: str, records: Sequence[Any]) -> None:
        if not self._split(topic):
            await self.inner.publish_records(topic, records)
            return
        parts: dict[int, list[Any]] = defaultdict(list)
        count = self.count
        for record in validate_records(topic, records):
            parts[record.mmsi % count].append(record)
        for index, part in sorted(parts.items()):
            await self.inner.publish_records(f"{topic}.p{index}", part)

    async def ensure_group(self, topic: str, group: str) -> None:
        for name in self.streams(topic):
            await self.inner.ensure_group(name, group)

    async def read(
        self, topic: str, group: str, consumer: str, *, count: int = 512, block: float = 1.0
    ) -> list[Delivery]:
        names = self.streams(topic)
        if len(names) == 1:
            return await self.inner.read(names[0], group, consumer, count=count, block=block)
        # Every stream in turn, starting one further each call, so none starves; only the
        # last one asked may wait, so a quiet partition does not delay a busy one.
        start = self._turn[(topic, group)]
        self._turn[(topic, group)] = (start + 1) % len(names)
        for step in range(len(names)):
            index = (start + step) % len(names)
            wait = block if step == len(names) - 1 else 0.0
            batch = await self.inner.read(names[index], group, consumer, count=count, block=wait)
            if batch:
                return [replace(d, id=f"{index}/{d.id}") for d in batch]
        return []

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        for name, part in self._by_stream(topic, ids):
            await self.inner.ack(name, group, part)

    async def hold(self, topic: str, group: str, consumer: str, ids: Sequence[str]) -> None:
        for name, part in self._by_stream(topic, ids):
            await self.inner.hold(name, group, consumer, part)

    def _by_stream(self, topic: str, ids: Sequence[str]) -> list[tuple[str, Sequence[str]]]:
        """Delivery ids back to their streams (`<I>/<id>` when read across partitions)."""
        names = self.streams(topic)
        if len(names) == 1:
            return [(names[0], ids)]
        parts: dict[int, list[str]] = defaultdict(list)
        for record_id in ids:
            prefix, _, inner_id = record_id.partition("/")
            if prefix.isdigit() and int(prefix) < len(names):
                parts[int(prefix)].append(inner_id)
        return [(names[index], part) for index, part in parts.items()]

    async def pending(self, topic: str, group: str) -> int:
        return sum([await self.inner.pending(name, group) for name in self.streams(topic)])

    async def lag(self, topic: str, group: str) -> int:
        return sum([await self.inner.lag(name, group) for name in self.streams(topic)])

    async def close(self) -> None:
        await self.inner.close()


def _payload_mmsi(payload: bytes) -> int:
    """The vessel of an encoded record; one without (never expected) goes to partition 0."""
    try:
        fields = decode(payload)
    except CodecError:
        return 0
    mmsi = fields.get("mmsi") if isinstance(fields, dict) else None
    return mmsi if isinstance(mmsi, int) and not isinstance(mmsi, bool) and mmsi >= 0 else 0


def partitioned(bus: Bus, count: int, owned: int | None = None) -> Bus:
    """`bus` split into `count` partitions (itself when there is only one)."""
    if count == 1:
        return bus
    return PartitionedBus(bus, count, owned)


def owner_view(bus: Bus, spec: PartitionSpec) -> Bus:
    """`bus` as the owner of partition `spec` reads it.

    `bus` is what the process opened: a plain bus (not split) or a `PartitionedBus` read
    across partitions; the partition counts must agree (raises PartitionError).
    """
    if isinstance(bus, PartitionedBus):
        if bus.count != spec.count:
            raise PartitionError(
                f"partition {spec} on a bus split into {bus.count} partitions "
                "([bus] partitions in seagrid.toml)"
            )
        return bus.owning(spec.index)
    if spec.count == 1:
        return bus
    return PartitionedBus(bus, spec.count, spec.index)
