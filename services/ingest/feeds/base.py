"""What every feed is: a named source of raw lines that hands them, in batches, to a sink.

Feeds move bytes and cut them into lines (framing.LineBuffer); they never parse a line, so a
feed can be swapped (TCP, UDP, file, stdin) without changing what is decoded, and every line
read reaches the decoder to be counted, garbage included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from services.ingest.framing import LineBuffer

# sink(feed name, lines without line endings, wall-clock receive time). Awaiting it is the
# backpressure: a feed reads no further until the stage has taken the batch.
LineSink = Callable[[str, list[bytes], float], Awaitable[None]]

CHUNK_SIZE = 64 * 1024


@dataclass(slots=True)
class FeedStats:
    """Transport-level counts of one feed (the decoder counts what the lines contained)."""

    lines: int = 0
    bytes: int = 0
    too_long: int = 0
    connects: int = 0
    disconnects: int = 0
    dropped: int = 0  # datagrams dropped because the stage fell behind (UDP only)


class Feed(Protocol):
    """A source of lines. `run` returns at end of input (finite feeds) or runs until cancelled."""

    name: str
    finite: bool
    stats: FeedStats

    async def run(self, sink: LineSink) -> None: ...


class Backoff:
    """Capped exponential delays: initial, 2x initial, 4x ... up to `maximum` seconds.

    A feed server that is down should not be hammered, but one that comes back after a
    short outage should be picked up again within `maximum` seconds.
    """

    def __init__(self, initial: float = 0.5, maximum: float = 30.0) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError("backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` consecutive failures (0 failures: initial)."""
        exponent = min(max(failures - 1, 0), 30)
        return min(self.maximum, self.initial * float(2**exponent))


async def pump_stream(
    reader: asyncio.StreamReader,
    buffer: LineBuffer,
    name: str,
    sink: LineSink,
    stats: FeedStats,
    *,
    idle_timeout: float | None = None,
) -> int:
    """Read `reader` to its end, passing complete lines to `sink`; returns bytes read.

    The last line is passed even without a line ending. Raises TimeoutError when nothing
    arrives for `idle_timeout` seconds (a half-open connection looks exactly like a quiet one).
    """
    total = 0
    while True:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # arrives as the read completes, and the feed would then never stop.
        async with asyncio.timeout(idle_timeout):
            chunk = await reader.read(CHUNK_SIZE)
        if not chunk:
            break
        total += len(chunk)
        await deliver(buffer.feed(chunk), buffer, name, sink, stats, len(chunk))
    await deliver(buffer.flush(), buffer, name, sink, stats, 0)
    return total


async def deliver(
    lines: list[bytes],
    buffer: LineBuffer,
    name: str,
    sink: LineSink,
    stats: FeedStats,
    nbytes: int,
) -> None:
    """Account for a chunk's lines and hand them to the sink (if there are any)."""
    stats.bytes += nbytes
    stats.too_long = buffer.too_long
    if lines:
        stats.lines += len(lines)
        await sink(name, lines, time.time())
