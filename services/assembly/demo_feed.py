"""Demo mode's feed: the bundled recording replayed in a loop as if it were live.

The recording (services/demo/recording.nmea, simulated, 2 h) carries IEC 61162-450 tag
block times from 2026-03-02. `DemoFeed` shifts every line's `c:` time by one fixed offset
so that the first line is "now", rewrites the tag block checksum, and sends each line when
the wall clock reaches its (shifted) time divided by `speed`. At the end it starts again
with the offset grown by the recording's length, so time keeps running forward and the
ingest de-duplicator never sees a repeat. The loop is seamless in space too: the bundled
recording is written loopable (`seagrid simulate --loop`: every vessel at its end is where
it was at its start, docs/demo.md "The loop"), so a seam raises nothing a loop's opening
does not (tests/demo/test_demo_loop.py).

With `speed` above 1 the event times stay those of the recording (shifted), so rules that
compare times (speeding, ais_gap) judge the traffic exactly as at speed 1; the event
clock then runs ahead of the wall clock.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from services.ingest.feeds.base import FeedStats, LineSink

log = logging.getLogger(__name__)

RECORDING = Path(__file__).resolve().parent.parent / "demo" / "recording.nmea"
_TAG = re.compile(rb"^\\([^*\\]*)\*([0-9A-Fa-f]{2})\\")
_TIME = re.compile(rb"(?:^|,)c:(\d{10,13})")


@dataclass(frozen=True, slots=True)
class TimedLine:
    ts: float
    body: bytes  # the tag block's fields, without its time
    rest: bytes  # the sentence after the tag block


def load_recording(path: Path = RECORDING) -> list[TimedLine]:
    """The recording's tag-blocked lines in file order; lines without a time are skipped."""
    out = []
    for raw in path.read_bytes().splitlines():
        match = _TAG.match(raw)
        if match is None:
            continue
        fields = match.group(1)
        stamp = _TIME.search(fields)
        if stamp is None:
            continue
        value = int(stamp.group(1))
        ts = value / 1000.0 if len(stamp.group(1)) == 13 else float(value)
        body = _TIME.sub(b"", fields).lstrip(b",")
        out.append(TimedLine(ts, body, raw[match.end() :]))
    if not out:
        raise ValueError(f"{path}: no tag-block timed lines to replay")
    return out


def shifted(line: TimedLine, offset: float) -> bytes:
    """The line with its tag block time moved by `offset` seconds and a new checksum."""
    stamp = b"c:%d" % round(line.ts + offset)
    fields = line.body + b"," + stamp if line.body else stamp
    checksum = 0
    for byte in fields:
        checksum ^= byte
    return b"\\" + fields + b"*%02X\\" % checksum + line.rest


class DemoFeed:
    """A feed that never ends: the recording, time-shifted to now, looped."""

    finite = False

    def __init__(
        self,
        lines: list[TimedLine],
        *,
        speed: float = 1.0,
        name: str = "demo",
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, not {speed}")
        self.name, self.lines, self.speed = name, lines, speed
        self.stats = FeedStats()
        self.start = min(line.ts for line in lines)
        # One loop lasts the recording plus one report interval, so the last and first
        # reports of a loop are not at the same instant.
        self.length = max(line.ts for line in lines) - self.start + 10.0
        self.loops = 0

    async def run(self, sink: LineSink) -> None:
        started = time.time()
        offset = started - self.start
        while True:
            for due, batch in self._batches(offset):
                wait = started + (due - started) / self.speed - time.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.stats.lines += len(batch)
                await sink(self.name, batch, time.time())
            self.loops += 1
            offset += self.length
            log.info("demo: recording looped (%d); times now %.0f s ahead", self.loops, offset)

    def _batches(self, offset: float) -> Iterator[tuple[float, list[bytes]]]:
        """Lines grouped by shifted second, with the (shifted) time they are due."""
        batch: list[bytes] = []
        second = None
        for line in self.lines:
            ts = line.ts + offset
            if second is not None and ts >= second + 1.0 and batch:
                yield second, batch
                batch = []
            if not batch:
                second = ts
            batch.append(shifted(line, offset))
        if batch and second is not None:
            yield second, batch
