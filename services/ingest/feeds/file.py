"""File feed: a recording, read as fast as possible or in (scaled) real time.

At full speed ("max") the file is read in large blocks and each block's lines go to the sink
at once; the recording's own timestamps remain the event times, so results do not depend on
how fast the machine is. In real time, lines are held back until the wall clock has caught
up with their recorded time divided by `speed` (line_time: tag block, epoch prefix, `$PGHP`,
trailing epoch); lines without a time go with the line before them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from services.ingest.feeds.base import CHUNK_SIZE, FeedStats, LineSink
from services.ingest.framing import LineBuffer, line_time


class ReplayClock:
    """Maps recorded times to wall-clock times at `speed` x real time.

    Recorded time going backwards (late satellite data) is not waited for. A forward gap
    longer than `max_gap` recorded seconds (a receiver that was off, a file that spans a
    year) is skipped: the clock restarts from that line instead of sleeping through it.
    """

    def __init__(self, speed: float, max_gap: float | None = 600.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, not {speed}")
        self.speed = speed
        self.max_gap = max_gap
        self._anchor: tuple[float, float] | None = None  # (recorded, wall)
        self._latest: float | None = None

    def due(self, recorded: float, now: float) -> float:
        """Wall-clock time at which a line recorded at `recorded` should be sent."""
        latest = self._latest
        if self._anchor is None or (
            self.max_gap is not None and latest is not None and recorded - latest > self.max_gap
        ):
            self._anchor = (recorded, now)
        if latest is None or recorded > latest:
            self._latest = recorded
        start_recorded, start_wall = self._anchor
        return start_wall + (recorded - start_recorded) / self.speed


class Pacer:
    """Hands lines to a sink, at full speed or held back by a ReplayClock."""

    def __init__(self, name: str, sink: LineSink, stats: FeedStats, clock: ReplayClock | None):
        self.name = name
        self.sink = sink
        self.stats = stats
        self.clock = clock

    async def send(self, lines: list[bytes]) -> None:
        if self.clock is None:
            await self._emit(lines)
            await asyncio.sleep(0)  # a file is never "not ready": let the other feeds run
            return
        held: list[bytes] = []
        for line in lines:
            recorded = line_time(line)
            if recorded is not None:
                wait = self.clock.due(recorded, time.time()) - time.time()
                if wait > 0:
                    await self._emit(held)
                    held = []
                    await asyncio.sleep(wait)
            held.append(line)
        await self._emit(held)

    async def _emit(self, lines: list[bytes]) -> None:
        if lines:
            self.stats.lines += len(lines)
            await self.sink(self.name, lines, time.time())


async def pace_blocks(
    blocks: AsyncIterable[bytes], buffer: LineBuffer, pacer: Pacer, stats: FeedStats
) -> None:
    """Cut blocks of bytes into lines and send them through `pacer`, the last line included."""
    async for block in blocks:
        stats.bytes += len(block)
        lines = buffer.feed(block)
        stats.too_long = buffer.too_long
        await pacer.send(lines)
    lines = buffer.flush()
    stats.too_long = buffer.too_long
    await pacer.send(lines)


async def read_blocks(stream: BinaryIO, size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """Blocks of a local file: reading one blocks the loop for well under a millisecond."""
    while block := stream.read(size):
        yield block


class FileFeed:
    """Lines of the file at `path`; `speed` None means as fast as possible."""

    finite = True

    def __init__(
        self,
        name: str,
        path: str | Path,
        *,
        speed: float | None = None,
        max_line_length: int = 1024,
        max_gap: float | None = 600.0,
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.speed = speed
        self.max_gap = max_gap
        self.stats = FeedStats()
        self._buffer = LineBuffer(max_line_length)

    async def run(self, sink: LineSink) -> None:
        """Returns at end of file; raises OSError when the file cannot be read."""
        clock = ReplayClock(self.speed, self.max_gap) if self.speed is not None else None
        pacer = Pacer(self.name, sink, self.stats, clock)
        with self.path.open("rb") as stream:
            await pace_blocks(read_blocks(stream), self._buffer, pacer, self.stats)
