"""The persist stage: gridded positions and static reports from the bus into PostgreSQL.

It reads positions from CELL_POSITIONS (gridding's output), not POSITIONS (ingest's), so each
row is written once, complete with the cell and office it lies in (NULL outside the
jurisdiction), in the same COPY. The alternative, storing POSITIONS and having a second writer
fill cell and office in, would UPDATE every row of the hottest table once more (a second
write, dead tuples, index churn) and leave a window where rows have no cell. The price is that
positions are stored only while gridding runs; their history waits on the bus meanwhile, as
the alerts do. `seagrid run persist` runs this stage as a process of its own (consumer group
`persist`: start more of them to share the load, each row is written idempotently), so the
database can stop or slow down without touching gridding; `seagrid serve` runs it beside
every other stage. Static reports still come straight from STATIC: they need no cell.

Records are acknowledged on the bus only after the transaction holding them has committed,
so a crash loses nothing: what was read and not acknowledged is delivered again, and the
store's idempotent writes make the second delivery harmless. To get COPY-sized batches the
stage does not use `runner.consume()` (which acknowledges each read batch as soon as it is
handled): one reader per topic buffers into a shared `PositionStore`, and a flusher writes
when `batch_size` records are waiting or the oldest has waited `flush_interval` seconds.

When the database is unreachable the flusher retries with back-off while the readers go on
filling a bounded buffer: up to `buffer_size` records are held (read, not yet committed;
`status()` and `/metrics` show how many), then the readers stop, so the bus, not this
process, holds the rest of the backlog; nothing is acknowledged before its commit, so a
crash meanwhile loses nothing either. Once the database answers, the buffer is written and
reading resumes.

Holding is not failing: every `hold_every` seconds (a third of the bus's `claim_idle`) the
records held are renewed on the bus (`Bus.hold`, Redis `XCLAIM ... JUSTID`), which restarts
their idle time without counting a delivery. So however long the database is down, no
consumer of the group (this one's own readers included) claims them, and none reaches
`max_attempts` and the dead-letter topic: each is written once, when the database is back.
A record is dead-lettered only for a fault of its own: undecodable or invalid records at
once, since no retry can fix them. A flush that PostgreSQL rejects for another reason than
being unreachable is written again apart, by halves (isolate.py), so its neighbours are
stored and acknowledged; a record refused on its own is no longer held, the bus redelivers
it after `claim_idle` and, refused each time, dead-letters it after `max_attempts`. A
record the bus hands over again while still held (the consumer restarted under the same
name) is held once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import Counter
from functools import partial
from typing import cast

import asyncpg

from services.core import topics
from services.core.bus import Bus, BusError, BusOptions, Delivery, dead_letter_topic
from services.core.codec import CodecError, decode_as, encode
from services.core.db import TRANSIENT_ERRORS
from services.core.settings import DatabaseSettings
from services.core.types import CellPosition, VesselStatic
from services.ingest.isolate import Entry, write_apart
from services.ingest.store import (
    InvalidRecord,
    PositionStore,
    position_problem,
    static_problem,
)
from services.stats.retention import drop_old_positions

log = logging.getLogger(__name__)

GROUP = "persist"
RETENTION_INTERVAL = 3600.0  # seconds between checks for position partitions past retention
_TRANSIENT = TRANSIENT_ERRORS


class PersistStage:
    """Consumes `topics.CELL_POSITIONS` and `topics.STATIC` in group "persist" into PostgreSQL."""

    name = "persist"

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: DatabaseSettings | None = None,
        *,
        consumer: str | None = None,
        shutdown_timeout: float = 10.0,
        max_backoff: float = 5.0,
        hold_every: float | None = None,
    ) -> None:
        """`hold_every`: seconds between renewals of the records held for the database;
        must stay well under the bus's `claim_idle` (default: a third of the default)."""
        self.settings = settings or DatabaseSettings()
        self.store = PositionStore(pool, batch_size=self.settings.batch_size)
        self.consumer = consumer or f"persist-{socket.gethostname()}-{os.getpid()}"
        self.shutdown_timeout = shutdown_timeout
        self.max_backoff = max_backoff
        self.hold_every = BusOptions().claim_idle / 3 if hold_every is None else hold_every
        if not self.hold_every > 0:
            raise ValueError(f"hold_every must be positive, got {hold_every!r}")
        self.counts: Counter[str] = Counter()  # by outcome, for metrics and logs
        # per topic, in buffer order: each delivery read and not yet acknowledged, with its
        # records (a rejected batch is written again apart, services/ingest/isolate.py)
        self._unacked: dict[str, list[Entry]] = {topics.CELL_POSITIONS: [], topics.STATIC: []}
        self._held: dict[str, set[str]] = {topic: set() for topic in self._unacked}
        self._first_at: float | None = None  # monotonic time the oldest buffered record came
        self._wake = asyncio.Event()  # a batch is full, or stop was set
        self._room = asyncio.Event()  # readers may read (cleared while the buffer is full)
        self._room.set()
        self._failures = 0

    @property
    def capacity(self) -> int:
        """Records held at most before reading stops (plus one read): never less than a
        batch, or a full batch could not be gathered."""
        return max(self.settings.buffer_size, self.settings.batch_size)

    def status(self) -> dict[str, int]:
        """Counters for /metrics, with the buffer's use: records held for the database
        (read, not yet committed) against the most it holds before it stops reading."""
        return {
            **self.counts,
            "buffered": self.store.pending,
            "buffer_capacity": self.capacity,
            "unacknowledged": sum(len(entries) for entries in self._unacked.values()),
            "database_down": int(self._failures > 0),
        }

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        """Persist until `stop` is set, then write everything read and return."""
        for topic in self._unacked:
            await bus.ensure_group(topic, GROUP)
        await self._retention()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._relay(stop))
                for topic in self._unacked:
                    group.create_task(self._read(bus, topic, stop))
                group.create_task(self._flush_loop(bus, stop))
                group.create_task(self._hold_loop(bus, stop))
                group.create_task(self._retention_loop(stop))
        except BaseExceptionGroup as crash:
            # What was read and not acknowledged stays pending; the bus redelivers it.
            raise crash.exceptions[0] from None
        await self._final_flush(bus)

    async def _retention_loop(self, stop: asyncio.Event) -> None:
        """Drop raw position partitions past `retention_days` every hour (`run` does it once
        before reading, so a first batch of old positions is not dropped as it is written).

        A failure is logged and retried next hour: retention must never stop the writer.
        """
        while self.settings.retention_days > 0 and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETENTION_INTERVAL)
            if not stop.is_set():
                await self._retention()

    async def _retention(self) -> None:
        if self.settings.retention_days <= 0:
            return
        try:
            await drop_old_positions(self.store.pool, self.settings.retention_days)
        except (*_TRANSIENT, asyncpg.PostgresError) as exc:
            log.warning("position retention failed (%s); retrying in an hour", exc)

    async def _hold_loop(self, bus: Bus, stop: asyncio.Event) -> None:
        """Renew the records held for the database (`Bus.hold`), so that, however long it
        is down, the group neither hands them to another consumer (or back to this one)
        nor counts those claims as failed deliveries that would dead-letter them."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.hold_every)
            for topic, held in self._held.items():
                if held and not stop.is_set():
                    await self._hold(bus, topic, list(held))

    async def _hold(self, bus: Bus, topic: str, ids: list[str]) -> None:
        try:
            await bus.hold(topic, GROUP, self.consumer, ids)
        except BusError as exc:  # the readers meet the same fault; one renewal late is fine
            log.warning("%s: cannot renew %d held records: %s", topic, len(ids), exc)
            return
        self.counts["held_renewed"] += len(ids)

    async def _relay(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()
        self._room.set()

    async def _read(self, bus: Bus, topic: str, stop: asyncio.Event) -> None:
        count = min(self.settings.batch_size, 2000)
        while not stop.is_set():
            await self._room.wait()
            if stop.is_set():
                break
            batch = await bus.read(topic, GROUP, self.consumer, count=count, block=0.2)
            if batch:
                await self._take(bus, topic, batch)

    async def _take(self, bus: Bus, topic: str, batch: list[Delivery]) -> None:
        """Buffer the good records of `batch`; dead-letter and acknowledge the others."""
        cls: type[CellPosition] | type[VesselStatic] = (
            CellPosition if topic == topics.CELL_POSITIONS else VesselStatic
        )
        good: list[tuple[Delivery, CellPosition | VesselStatic]] = []
        bad: list[tuple[Delivery, bytes]] = []
        held = self._held[topic]
        for delivery in batch:
            if delivery.id in held:  # handed over again while still held: hold it once
                self.counts["held_twice"] += 1
                continue
            if delivery.records is not None:  # a record batch from a stage of this process
                good.extend((delivery, record) for record in delivery.records)
                continue
            try:
                record: CellPosition | VesselStatic = decode_as(delivery.payload, cls)
            except CodecError:
                bad.append((self._reject(topic, delivery, "bad_payload"), delivery.payload))
                continue
            good.append((delivery, record))
        try:
            self._buffer(topic, good)
        except InvalidRecord:  # rare: find the culprits, keep the rest
            fine = []
            for delivery, record in good:
                if _problem(record) is None:
                    fine.append((delivery, record))
                else:
                    bad.append((self._reject(topic, delivery, "invalid"), encode(record)))
            self._buffer(topic, fine)
            good = fine
        if bad:
            await bus.publish(dead_letter_topic(topic), [payload for _, payload in bad])
            # A batch entry with good records too is acknowledged once those are stored.
            kept = {d.id for d, _ in good}
            await bus.ack(topic, GROUP, [d.id for d, _ in bad if d.id not in kept])

    def _reject(self, topic: str, delivery: Delivery, reason: str) -> Delivery:
        self.counts[reason] += 1
        if self.counts[reason] == 1 or self.counts[reason] % 1000 == 0:
            log.warning(
                "%s: record %s dead-lettered (%s, %d so far)",
                topic,
                delivery.id,
                reason,
                self.counts[reason],
            )
        return delivery

    def _buffer(self, topic: str, good: list[tuple[Delivery, CellPosition | VesselStatic]]) -> None:
        """Buffer records with their ids; raises InvalidRecord, buffering none, if one is bad."""
        if not good:
            return
        records: dict[str, list[CellPosition | VesselStatic]] = {}
        for delivery, record in good:
            records.setdefault(delivery.id, []).append(record)
        self._add(topic, [(i, tuple(r)) for i, r in records.items()])

    def _add(self, topic: str, entries: list[Entry]) -> None:
        """Buffer the entries' records; raises InvalidRecord, buffering none, if one is bad."""
        records = [record for _, batch in entries for record in batch]
        # No await in here: the records and their ids must enter the buffers together.
        if topic == topics.CELL_POSITIONS:
            self.store.add(cast(list[CellPosition], records))
        else:
            self.store.add_static(cast(list[VesselStatic], records))
        self._unacked[topic].extend(entries)
        self._held[topic].update(i for i, _ in entries)
        if self._first_at is None:
            self._first_at = time.monotonic()
        if self.store.pending >= self.settings.batch_size:
            self._wake.set()
        if self.store.pending >= self.capacity:
            self._room.clear()  # back-pressure: read on once the buffer has room again

    async def _flush_loop(self, bus: Bus, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._wait_due(stop)
            if stop.is_set():
                break
            if self._holding() and not await self._flush(bus):
                await self._backoff(stop)

    async def _wait_due(self, stop: asyncio.Event) -> None:
        """Return when a batch is full, the oldest record is due, or `stop` is set."""
        interval = self.settings.flush_interval
        while True:
            self._wake.clear()
            if stop.is_set() or self.store.pending >= self.settings.batch_size:
                return
            timeout = interval
            if self._first_at is not None:
                timeout = self._first_at + interval - time.monotonic()
                if timeout <= 0:
                    return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _flush(self, bus: Bus) -> bool:
        """Write the buffer, then acknowledge what it held; False when it should be retried."""
        taken = {topic: len(ids) for topic, ids in self._unacked.items()}
        started = time.monotonic()
        try:
            result = await self.store.flush()
        except _TRANSIENT as exc:
            self._note_failure(exc)
            return False
        except asyncpg.PostgresError as exc:
            return await self._rejected(bus, exc)
        for topic, n in taken.items():
            if n:
                done = [i for i, _ in self._unacked[topic][:n]]
                await bus.ack(topic, GROUP, done)
                del self._unacked[topic][:n]
                self._held[topic].difference_update(done)
        self._after_success(result.positions, result.inserted, result.statics, started)
        return True

    async def _rejected(self, bus: Bus, exc: asyncpg.PostgresError) -> bool:
        """PostgreSQL refused a batch: write everything held again apart, so only the
        records at fault are left to the bus (isolate.py); False if it went away meanwhile."""
        log.warning("database rejected a batch (%s); writing its records apart", exc)
        self.store.discard()
        taken = {topic: entries[:] for topic, entries in self._unacked.items()}
        for entries in self._unacked.values():
            entries.clear()
        self._first_at = None
        self._room.set()
        reachable = True
        for topic, entries in taken.items():
            if entries:
                reachable &= await self._write_apart(bus, topic, entries)
        return reachable

    async def _write_apart(self, bus: Bus, topic: str, entries: list[Entry]) -> bool:
        started = time.monotonic()
        out = await write_apart(partial(self._write, topic), entries, _TRANSIENT)
        done = [i for i, _ in out.written]
        await bus.ack(topic, GROUP, done)
        self._held[topic].difference_update(done)
        for (delivery_id, records), reason in out.refused:
            # no longer held: the bus redelivers it, and dead-letters it after max_attempts
            self._held[topic].discard(delivery_id)
            self.counts["refused"] += len(records)
            log.warning("%s: record %s refused by the database: %s", topic, delivery_id, reason)
        if out.unwritten:  # the database went away meanwhile: held again, retried
            self._add(topic, out.unwritten)
            self._first_at = started
        written = sum(len(records) for _, records in out.written)
        if topic == topics.CELL_POSITIONS:
            self.counts["positions"] += written
            self.counts["duplicates"] += written - out.inserted
        else:
            self.counts["statics"] += written
        return not out.unwritten

    async def _write(self, topic: str, entries: list[Entry]) -> int:
        records = [record for _, batch in entries for record in batch]
        if topic == topics.CELL_POSITIONS:
            return (await self.store.write(cast(list[CellPosition], records), [])).inserted
        await self.store.write([], cast(list[VesselStatic], records))
        return 0

    def _holding(self) -> bool:
        """Records buffered, or written and not yet acknowledged."""
        return bool(self.store.pending or any(self._unacked.values()))

    def _note_failure(self, exc: BaseException) -> None:
        self._failures += 1
        self.counts["flush_failed"] += 1
        if self._failures == 1:
            log.warning(
                "cannot write to the database (%s: %s); holding %d records and retrying",
                type(exc).__name__,
                exc,
                self.store.pending,
            )

    def _after_success(self, positions: int, inserted: int, statics: int, started: float) -> None:
        if self._failures:
            log.info("database writable again after %d failed attempts", self._failures)
        self._failures = 0
        self.counts["positions"] += positions
        self.counts["duplicates"] += positions - inserted
        self.counts["statics"] += statics
        # Records added while the flush ran are no older than its start.
        self._first_at = started if self._holding() else None
        if self.store.pending < self.capacity:
            self._room.set()

    async def _backoff(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self._delay())

    async def _final_flush(self, bus: Bus) -> None:
        """On stop: write what is buffered, retrying for up to `shutdown_timeout` seconds."""
        deadline = time.monotonic() + self.shutdown_timeout
        while self._holding():
            if await self._flush(bus):
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                log.error(
                    "stopping with %d records unwritten; they stay pending on the bus",
                    self.store.pending,
                )
                return
            await asyncio.sleep(min(left, self._delay()))

    def _delay(self) -> float:
        return min(self.max_backoff, 0.25 * 2.0 ** min(self._failures, 8))


def _problem(record: CellPosition | VesselStatic) -> str | None:
    if isinstance(record, CellPosition):
        return position_problem(record)
    return static_problem(record)
