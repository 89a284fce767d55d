"""In-process bus: the embedded default, with the same semantics as Redis Streams.

Records published as bytes are kept as bytes. A batch published with `publish_records` is
kept as one entry holding the records themselves, unencoded: encoding and decoding every
record between stages of one process cost more than the stages' own work (docs/bus.md).
Such an entry weighs as many records as it holds, so `maxlen`, `count`, `lag` and
`pending` keep counting records. Unlike Redis, `publish` applies backpressure: it
waits while a group still needs (has not acknowledged) a record that the next one would push
out of the `maxlen` window, so a replay at full speed never loses records to trimming. Every
stage of an embedded pipeline runs in this process, so a waiting producer always has a
consumer to wait for; a topic without groups is simply trimmed to its newest `maxlen`.

Dead letters are the exception: they are appended without waiting (trimmed if nobody reads
them), because a consumer that is dead-lettering must never stall on an operator's reader.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.core.bus import (
    BusError,
    BusOptions,
    Delivery,
    dead_letter_topic,
    validate_batch,
    validate_records,
)

# An entry: one encoded record, or a batch of records (a tuple) published unencoded.
_Entry = bytes | tuple[Any, ...]


def _weight(entry: _Entry) -> int:
    return len(entry) if type(entry) is tuple else 1


def _delivery(seq: int, entry: _Entry, attempts: int) -> Delivery:
    if type(entry) is tuple:
        return Delivery(_record_id(seq), b"", attempts, entry)
    return Delivery(_record_id(seq), entry, attempts)  # type: ignore[arg-type]


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float
    attempts: int
    weight: int = 1


@dataclass(slots=True)
class _Group:
    next_seq: int
    # Ordered by delivery time (redelivered entries move to the end), so the scan for idle
    # entries stops at the first one that is still fresh.
    pending: dict[int, _Pending] = field(default_factory=dict)

    def oldest_needed(self) -> int:
        return min(self.next_seq, min(self.pending, default=self.next_seq))


@dataclass(slots=True)
class _Topic:
    first_seq: int = 0  # sequence number of records[0]
    records: deque[_Entry] = field(default_factory=deque)
    # Running count of records up to the end of each entry, and before the first one: the
    # records between two entries are a subtraction, whatever the entries weigh.
    ends: deque[int] = field(default_factory=deque)
    base: int = 0
    groups: dict[str, _Group] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def end_seq(self) -> int:
        return self.first_seq + len(self.records)

    @property
    def total(self) -> int:
        return self.ends[-1] if self.ends else self.base

    def before(self, seq: int) -> int:
        """Records published before entry `seq` (clamped to what is kept)."""
        index = seq - self.first_seq
        if index <= 0:
            return self.base
        return self.ends[index - 1] if index <= len(self.ends) else self.total

    def get(self, seq: int) -> _Entry | None:
        index = seq - self.first_seq
        return self.records[index] if 0 <= index < len(self.records) else None

    def append(self, entries: Sequence[_Entry], maxlen: int) -> None:
        total = self.total
        for entry in entries:
            total += _weight(entry)
            self.records.append(entry)
            self.ends.append(total)
        while total - self.base > maxlen and len(self.records) > 1:
            self.records.popleft()
            self.base = self.ends.popleft()
            self.first_seq += 1


def _record_id(seq: int) -> str:
    return f"{seq}-0"


def _parse_id(record_id: str) -> int:
    return int(record_id.split("-", 1)[0])


class MemoryBus:
    """A bus inside one asyncio event loop (see the module docstring for backpressure)."""

    def __init__(self, options: BusOptions | None = None) -> None:
        self.options = options or BusOptions()
        self._topics: dict[str, _Topic] = {}
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise BusError("bus is closed")

    def _topic(self, name: str) -> _Topic:
        self._check_open()
        topic = self._topics.get(name)
        if topic is None:
            topic = self._topics[name] = _Topic()
        return topic

    def _group(self, state: _Topic, group: str) -> _Group:
        return state.groups.setdefault(group, _Group(next_seq=state.first_seq))

    def _room(self, state: _Topic) -> int:
        """Records that can be appended without trimming one that a group still needs."""
        needed = min((g.oldest_needed() for g in state.groups.values()), default=state.end_seq)
        return self.options.maxlen - (state.total - state.before(needed))

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        await self._append(topic, validate_batch(topic, payloads), whole=False)

    async def publish_records(self, topic: str, records: Sequence[Any]) -> None:
        await self._append(topic, list(validate_records(topic, records)), whole=True)

    async def _append(self, topic: str, records: list[Any], *, whole: bool) -> None:
        """Append `records`, each an entry, or (`whole`) as batch entries of the free room."""
        state = self._topic(topic)
        async with state.changed:
            # A batch larger than the free room goes in chunks, so order is kept and a
            # large batch cannot push out records a slow group has not handled yet.
            while records:
                await state.changed.wait_for(lambda: self._closed or self._room(state) > 0)
                self._check_open()
                room = self._room(state)
                chunk = records[:room]
                state.append([tuple(chunk)] if whole else chunk, self.options.maxlen)
                records = records[room:]
                state.changed.notify_all()

    async def ensure_group(self, topic: str, group: str) -> None:
        self._group(self._topic(topic), group)

    async def read(
        self, topic: str, group: str, consumer: str, *, count: int = 512, block: float = 1.0
    ) -> list[Delivery]:
        state = self._topic(topic)
        grp = self._group(state, group)
        out = await self._redeliver(topic, state, grp, consumer, count)
        if out:
            return out
        async with state.changed:
            if block > 0 and grp.next_seq >= state.end_seq:
                try:
                    async with asyncio.timeout(block):
                        await state.changed.wait_for(
                            lambda: grp.next_seq < state.end_seq or self._closed
                        )
                except TimeoutError:
                    return []
            self._check_open()
            return self._deliver_new(state, grp, consumer, count)

    def _deliver_new(self, state: _Topic, grp: _Group, consumer: str, count: int) -> list[Delivery]:
        """New entries up to `count` records (at least one entry, however large)."""
        seq = grp.next_seq = max(grp.next_seq, state.first_seq)
        end, first = state.end_seq, state.first_seq
        now = time.monotonic()
        out: list[Delivery] = []
        taken = 0
        records, pending = state.records, grp.pending
        while seq < end and (taken < count or not out):
            entry = records[seq - first]
            weight = _weight(entry)
            if out and taken + weight > count:
                break
            pending[seq] = _Pending(consumer, now, 1, weight)
            out.append(_delivery(seq, entry, 1))
            taken += weight
            seq += 1
        grp.next_seq = seq
        return out

    async def _redeliver(
        self, topic: str, state: _Topic, grp: _Group, consumer: str, count: int
    ) -> list[Delivery]:
        """Records left pending longer than `claim_idle`, whoever had them (XAUTOCLAIM)."""
        now = time.monotonic()
        out: list[Delivery] = []
        dead: list[_Entry] = []
        for seq, entry in list(grp.pending.items()):
            if len(out) >= count or now - entry.delivered_at < self.options.claim_idle:
                break
            del grp.pending[seq]
            payload = state.get(seq)
            if payload is None:  # trimmed away while pending (only dead-letter topics)
                continue
            if entry.attempts >= self.options.max_attempts:
                dead.append(payload)
                continue
            grp.pending[seq] = _Pending(consumer, now, entry.attempts + 1, entry.weight)
            out.append(_delivery(seq, payload, entry.attempts + 1))
        if dead:
            await self._dead_letter(topic, state, dead)
        return out

    async def _dead_letter(self, topic: str, state: _Topic, payloads: list[_Entry]) -> None:
        dead_state = self._topic(dead_letter_topic(topic))
        async with dead_state.changed:
            dead_state.append(payloads, self.options.maxlen)
            dead_state.changed.notify_all()
        async with state.changed:
            state.changed.notify_all()  # dead-lettering acknowledged them: room for publishers

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        state = self._topic(topic)
        grp = state.groups.get(group)
        if grp is None:
            return
        async with state.changed:
            for record_id in ids:
                grp.pending.pop(_parse_id(record_id), None)
            state.changed.notify_all()

    async def hold(self, topic: str, group: str, consumer: str, ids: Sequence[str]) -> None:
        grp = self._topic(topic).groups.get(group)
        if grp is None:
            return
        now = time.monotonic()
        for record_id in ids:
            seq = _parse_id(record_id)
            entry = grp.pending.pop(seq, None)
            if entry is not None:  # to the end: the pending dict stays in delivery order
                grp.pending[seq] = _Pending(consumer, now, entry.attempts, entry.weight)

    async def pending(self, topic: str, group: str) -> int:
        grp = self._topic(topic).groups.get(group)
        return sum(p.weight for p in grp.pending.values()) if grp else 0

    async def lag(self, topic: str, group: str) -> int:
        state = self._topic(topic)
        grp = state.groups.get(group)
        start = grp.next_seq if grp else state.first_seq
        return max(0, state.total - state.before(start))

    async def close(self) -> None:
        """Wake every waiting reader and publisher; they raise BusError."""
        self._closed = True
        for state in self._topics.values():
            async with state.changed:
                state.changed.notify_all()
