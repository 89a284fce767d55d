"""Standard-input feed: `... | seagrid ingest -` and `seagrid ingest - < recording.nmea`.

A pipe or terminal is read through the event loop (a blocking read there would freeze every
other feed); a regular file redirected to stdin cannot be polled, so it is read like a file.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from typing import BinaryIO

from services.ingest.feeds.base import CHUNK_SIZE, FeedStats, LineSink
from services.ingest.feeds.file import Pacer, ReplayClock, pace_blocks, read_blocks
from services.ingest.framing import LineBuffer


class StdinFeed:
    """Lines from standard input (or any readable binary stream given as `stream`)."""

    finite = True

    def __init__(
        self,
        name: str = "stdin",
        *,
        stream: BinaryIO | None = None,
        speed: float | None = None,
        max_line_length: int = 1024,
        max_gap: float | None = 600.0,
    ) -> None:
        self.name = name
        self.stream = stream
        self.speed = speed
        self.max_gap = max_gap
        self.stats = FeedStats()
        self._buffer = LineBuffer(max_line_length)

    async def run(self, sink: LineSink) -> None:
        """Returns at end of input."""
        stream = self.stream if self.stream is not None else sys.stdin.buffer
        clock = ReplayClock(self.speed, self.max_gap) if self.speed is not None else None
        pacer = Pacer(self.name, sink, self.stats, clock)
        if stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            await pace_blocks(read_blocks(stream), self._buffer, pacer, self.stats)
            return
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), stream
        )
        try:
            await pace_blocks(_pipe_blocks(reader), self._buffer, pacer, self.stats)
        finally:
            transport.close()


async def _pipe_blocks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while block := await reader.read(CHUNK_SIZE):
        yield block
