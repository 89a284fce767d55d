"""In-process bus: the embedded default, with the same semantics as Redis Streams.

Records are kept as encoded bytes, so a stage cannot tell (and cannot come to rely on)
whether its peer runs in the same process. Unlike Redis, `publish` applies backpressure: it
waits while some group has more than `maxlen` records it has not acknowledged, so a replay
at full speed never loses records to trimming.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.core.bus import BusError, BusOptions, Delivery, dead_letter_topic


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float
    attempts: int


@dataclass(slots=True)
class _Group:
    next_seq: int
    pending: dict[int, _Pending] = field(default_factory=dict)


@dataclass(slots=True)
class _Topic:
    first_seq: int = 0  # sequence number of records[0]
    records: deque[bytes] = field(default_factory=deque)
    groups: dict[str, _Group] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def end_seq(self) -> int:
        return self.first_seq + len(self.records)

    def get(self, seq: int) -> bytes | None:
        index = seq - self.first_seq
        return self.records[index] if 0 <= index < len(self.records) else None


def _record_id(seq: int) -> str:
    return f"{seq}-0"


def _parse_id(record_id: str) -> int:
    return int(record_id.split("-", 1)[0])


class MemoryBus:
    """A bus inside one asyncio event loop."""

    def __init__(self, options: BusOptions | None = None) -> None:
        self.options = options or BusOptions()
        self._topics: dict[str, _Topic] = {}
        self._closed = False

    def _topic(self, name: str) -> _Topic:
        if self._closed:
            raise BusError("bus is closed")
        topic = self._topics.get(name)
        if topic is None:
            topic = self._topics[name] = _Topic()
        return topic

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        if not payloads:
            return
        state = self._topic(topic)
        async with state.changed:
            await state.changed.wait_for(lambda: self._has_room(state))
            state.records.extend(payloads)
            self._trim(state)
            state.changed.notify_all()

    def _has_room(self, state: _Topic) -> bool:
        if self._closed:
            return True
        unread = state.end_seq - min(
            (g.next_seq for g in state.groups.values()), default=state.end_seq
        )
        return unread < self.options.maxlen

    def _trim(self, state: _Topic) -> None:
        excess = len(state.records) - self.options.maxlen
        for _ in range(max(0, excess)):
            state.records.popleft()
            state.first_seq += 1

    async def ensure_group(self, topic: str, group: str) -> None:
        state = self._topic(topic)
        state.groups.setdefault(group, _Group(next_seq=state.first_seq))

    async def read(
        self, topic: str, group: str, consumer: str, *, count: int = 512, block: float = 1.0
    ) -> list[Delivery]:
        state = self._topic(topic)
        await self.ensure_group(topic, group)
        grp = state.groups[group]
        out = await self._redeliver(topic, state, grp, consumer, count)
        if out:
            return out
        async with state.changed:
            if grp.next_seq >= state.end_seq and block > 0:
                try:
                    await asyncio.wait_for(
                        state.changed.wait_for(
                            lambda: grp.next_seq < state.end_seq or self._closed
                        ),
                        timeout=block,
                    )
                except TimeoutError:
                    return []
            out = self._deliver_new(state, grp, consumer, count)
            state.changed.notify_all()  # publishers may be waiting for room
        return out

    def _deliver_new(self, state: _Topic, grp: _Group, consumer: str, count: int) -> list[Delivery]:
        grp.next_seq = max(grp.next_seq, state.first_seq)
        end = min(state.end_seq, grp.next_seq + count)
        now = time.monotonic()
        out = []
        for seq in range(grp.next_seq, end):
            payload = state.get(seq)
            if payload is None:
                continue
            grp.pending[seq] = _Pending(consumer, now, 1)
            out.append(Delivery(_record_id(seq), payload, 1))
        grp.next_seq = end
        return out

    async def _redeliver(
        self, topic: str, state: _Topic, grp: _Group, consumer: str, count: int
    ) -> list[Delivery]:
        """Records left pending longer than `claim_idle`, whoever had them (XAUTOCLAIM)."""
        if not grp.pending:
            return []
        now = time.monotonic()
        out: list[Delivery] = []
        dead: list[tuple[int, bytes]] = []
        for seq, entry in list(grp.pending.items()):
            if len(out) >= count:
                break
            if now - entry.delivered_at < self.options.claim_idle:
                continue
            payload = state.get(seq)
            if payload is None:  # trimmed away while pending
                del grp.pending[seq]
                continue
            if entry.attempts >= self.options.max_attempts:
                del grp.pending[seq]
                dead.append((seq, payload))
                continue
            entry.consumer, entry.delivered_at, entry.attempts = consumer, now, entry.attempts + 1
            out.append(Delivery(_record_id(seq), payload, entry.attempts))
        if dead:
            await self.publish(dead_letter_topic(topic), [p for _, p in dead])
        return out

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        state = self._topic(topic)
        grp = state.groups.get(group)
        if grp is None:
            return
        for record_id in ids:
            grp.pending.pop(_parse_id(record_id), None)

    async def pending(self, topic: str, group: str) -> int:
        grp = self._topic(topic).groups.get(group)
        return len(grp.pending) if grp else 0

    async def lag(self, topic: str, group: str) -> int:
        state = self._topic(topic)
        grp = state.groups.get(group)
        start = grp.next_seq if grp else state.first_seq
        return max(0, state.end_seq - max(start, state.first_seq))

    async def close(self) -> None:
        self._closed = True
        for state in self._topics.values():
            async with state.changed:
                state.changed.notify_all()
