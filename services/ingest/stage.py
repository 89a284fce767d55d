"""The ingest stage: feeds -> Decoder -> Deduplicator -> records -> bus, and the vessel picture.

Every feed runs as its own task and hands its lines to one sink; decoding is synchronous
and pure, so feeds interleave only between batches and a message is never half-processed.
Records go out in batches (`batch_size`, or whatever has waited `flush_interval`), under a
lock so batches reach the bus in the order they were made; positions and static reports as
record batches (`publish_records`: unencoded on the in-process bus), and so are radar target
reports; safety messages as
their encoded §3 dicts. Awaiting the bus inside the sink
is the backpressure: a full bus slows the feeds down instead of filling memory.

A feed's transport failing (file missing, port taken) is logged and ends only that feed; a
TCP feed that loses its server keeps reconnecting on its own. A failing bus is a fault of
the whole stage and propagates (the runner then stops the process).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.core import topics
from services.core.bus import Bus
from services.core.codec import encode
from services.core.faults import reason_of
from services.core.settings import IngestSettings
from services.core.types import Position
from services.core.vessels import VesselTable
from services.ingest.counters import TOO_LONG, Counters
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.feeds import Feed, FileFeed, StdinFeed
from services.ingest.message import Message
from services.ingest.records import to_records
from services.radar.nmea import RadarReport

log = logging.getLogger(__name__)

# Decoded messages that are not positions or static data but that rules need whole: safety
# related text (types 12 and 14, which AIS-SART and MOB devices also send).
MESSAGE_TYPES = frozenset({12, 14})


class IngestStage:
    """Runs feeds until `stop` is set or every feed has ended (end of all input files)."""

    name = "ingest"

    def __init__(
        self,
        feeds: Sequence[Feed],
        settings: IngestSettings | None = None,
        *,
        expire_interval: float = 1.0,
    ) -> None:
        names = [feed.name for feed in feeds]
        if len(set(names)) != len(names):
            raise ValueError(f"feed names must be unique: {names}")
        self.feeds = list(feeds)
        self.settings = settings or IngestSettings()
        self.expire_interval = expire_interval
        self.counters = Counters()
        self.decoder = Decoder(self.settings, self.counters, radar_sink=self._take_radar)
        self.faults = self.decoder.faults  # per-line and per-message faults, one book
        self.dedup = Deduplicator(self.settings.dedup_window)
        self.vessels = VesselTable()
        self.published: Counter[str] = Counter()  # records per topic
        self.feed_errors: dict[str, BaseException] = {}
        self.done = asyncio.Event()  # set when `run` returns
        self._outbox: dict[str, list[Any]] = {t: [] for t in _TOPICS}
        self._too_long: dict[str, int] = {}
        self._bus: Bus | None = None
        self._publishing = asyncio.Lock()

    @classmethod
    def from_files(
        cls,
        paths: Sequence[str | Path],
        settings: IngestSettings | None = None,
        *,
        speed: float | None = None,
    ) -> IngestStage:
        """One file feed per path ("-" is stdin), named after the file; `speed` None is max."""
        settings = settings or IngestSettings()
        feeds: list[Feed] = []
        for path in paths:
            name = _unique_name("stdin" if str(path) == "-" else Path(path).name, feeds)
            if str(path) == "-":
                feeds.append(StdinFeed(name, speed=speed, max_line_length=settings.max_line_length))
            else:
                feeds.append(
                    FileFeed(name, path, speed=speed, max_line_length=settings.max_line_length)
                )
        return cls(feeds, settings)

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        """Ingest until `stop` is set or all feeds end; then flush and return."""
        self._bus = bus
        tasks = {asyncio.create_task(self._run_feed(f), name=f"feed:{f.name}") for f in self.feeds}
        housekeeping = asyncio.create_task(self._housekeeping(), name="ingest:flush")
        stopped = asyncio.create_task(stop.wait(), name="ingest:stop")
        try:
            await self._wait_feeds(tasks, stopped)
        finally:
            # Never cancel a publish halfway: a Redis pipeline cancelled mid-reply left the
            # final flush waiting forever (deaf to SIGTERM) in tests/faults. Holding the lock,
            # the other tasks are either waiting for it or not publishing.
            async with self._publishing:
                for task in (*tasks, housekeeping, stopped):
                    task.cancel()
            await asyncio.gather(*tasks, housekeeping, stopped, return_exceptions=True)
        # Incomplete multi-sentence groups cannot complete any more: count them.
        self.decoder.finish()
        await self.flush()
        self.done.set()
        log.info("ingest: finished; %s", self.summary_line())

    async def _wait_feeds(self, tasks: set[asyncio.Task[None]], stopped: asyncio.Task[Any]) -> None:
        pending: set[asyncio.Task[Any]] = set(tasks)
        while pending and not stopped.done():
            done, pending = await asyncio.wait(
                pending | {stopped}, return_when=asyncio.FIRST_COMPLETED
            )
            pending.discard(stopped)
            for task in done:
                if task is not stopped and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]

    async def _run_feed(self, feed: Feed) -> None:
        try:
            await feed.run(self.accept)
        except OSError as exc:
            self.feed_errors[feed.name] = exc
            log.error("feed %s failed and is stopped: %s", feed.name, exc)
        else:
            log.info("feed %s: end of input (%d lines)", feed.name, feed.stats.lines)
        finally:
            self._count_too_long(feed)

    async def accept(self, feed: str, lines: list[bytes], received_at: float) -> None:
        """The feeds' sink: decode `lines`, merge and queue the records, publish full batches."""
        take = self._take
        messages = self.decoder.push_lines(lines, feed=feed, received_at=received_at)
        unique = self.dedup.unique(messages)
        if len(unique) < len(messages):
            self.counters.feed(feed).duplicates += len(messages) - len(unique)
        for message in unique:
            try:
                take(message, feed)
            except Exception as exc:  # one message must never end the feed
                self.faults.record(reason_of("message", exc), exc, message.payload)
        if any(len(batch) >= self.settings.batch_size for batch in self._outbox.values()):
            await self.flush()

    def _take(self, message: Message, feed: str) -> None:
        """One message that is not a duplicate: into the picture and the outbox."""
        if message.msg_type in MESSAGE_TYPES:
            self._outbox[topics.MESSAGES].append(encode(message.fields))
        for record in to_records(message, feed):
            self.vessels.apply(record)
            topic = topics.POSITIONS if type(record) is Position else topics.STATIC
            self._outbox[topic].append(record)

    def _take_radar(self, report: RadarReport) -> None:
        """Radar targets go on unchanged; the fusion stage, which knows the radars, locates
        and associates them (services/radar)."""
        self._outbox[topics.RADAR].append(report)

    async def flush(self) -> None:
        """Publish everything queued, in order (no-op before `run` has been given a bus)."""
        if self._bus is None:
            return
        async with self._publishing:
            size = self.settings.batch_size
            for topic in _TOPICS:
                # Records leave the outbox only once published: a flush cancelled halfway
                # (stop) leaves the rest for the final flush instead of losing it.
                batch = self._outbox[topic]
                publish = (  # messages are queued encoded
                    self._bus.publish if topic in _ENCODED else self._bus.publish_records
                )
                while batch:
                    chunk = batch[:size]
                    await publish(topic, chunk)
                    del batch[: len(chunk)]
                    self.published[topic] += len(chunk)

    async def _housekeeping(self) -> None:
        """Send partial batches after `flush_interval`; expire stale fragments now and then."""
        last_expire = time.monotonic()
        while True:
            await asyncio.sleep(self.settings.flush_interval)
            await self.flush()
            if time.monotonic() - last_expire >= self.expire_interval:
                last_expire = time.monotonic()
                self.decoder.expire(time.time())
                for feed in self.feeds:
                    self._count_too_long(feed)

    def _count_too_long(self, feed: Feed) -> None:
        """Feeds drop over-long lines before the decoder sees them; keep the books whole."""
        new = feed.stats.too_long - self._too_long.get(feed.name, 0)
        if new > 0:
            self._too_long[feed.name] = feed.stats.too_long
            counts = self.counters.feed(feed.name)
            counts.lines += new
            counts.rejected[TOO_LONG] += new

    def stats(self) -> dict[str, Any]:
        """Counters per feed, records published per topic, vessels known, feed transports."""
        return {
            "counters": self.counters.as_dict(),
            "published": {topic: self.published[topic] for topic in _TOPICS},
            "vessels_known": len(self.vessels),
            "faults": dict(self.faults.counts),
            "feeds": {
                f.name: {
                    "lines": f.stats.lines,
                    "bytes": f.stats.bytes,
                    "connects": f.stats.connects,
                    "disconnects": f.stats.disconnects,
                    "dropped": f.stats.dropped,
                    "error": str(self.feed_errors[f.name]) if f.name in self.feed_errors else None,
                }
                for f in self.feeds
            },
        }

    def summary_line(self) -> str:
        total = self.counters.total()
        return (
            f"{total.lines} lines, {sum(total.messages.values())} messages, "
            f"{total.duplicates} duplicates, {self.published[topics.POSITIONS]} positions, "
            f"{self.published[topics.STATIC]} static reports, {len(self.vessels)} vessels"
        )


_TOPICS = (topics.POSITIONS, topics.STATIC, topics.MESSAGES, topics.RADAR)
_ENCODED = (topics.MESSAGES,)


def _unique_name(name: str, feeds: Sequence[Feed]) -> str:
    taken = {f.name for f in feeds}
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}#{n}"
    return candidate
