"""UDP listener feed: receivers and AIS dispatchers commonly push one or a few sentences per
datagram to a port.

Each datagram is complete in itself, so lines never span datagrams (a last line without a
line ending is still a line). Datagrams wait in a bounded queue; when the stage falls that
far behind, new ones are dropped and counted, as the network would drop them anyway, rather
than letting memory grow.
"""

from __future__ import annotations

import asyncio
import logging
import time

from services.ingest.feeds.base import FeedStats, LineSink
from services.ingest.framing import LineBuffer

log = logging.getLogger(__name__)

_Datagram = tuple[bytes, float]


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, queue: asyncio.Queue[_Datagram], stats: FeedStats, name: str) -> None:
        self.queue = queue
        self.stats = stats
        self.name = name

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:  # noqa: ARG002
        try:
            self.queue.put_nowait((data, time.time()))
        except asyncio.QueueFull:
            self.stats.dropped += 1
            if self.stats.dropped % 1000 == 1:
                log.warning(
                    "feed %s: falling behind, %d datagrams dropped", self.name, self.stats.dropped
                )

    def error_received(self, exc: Exception) -> None:
        log.warning("feed %s: %s", self.name, exc)


class UdpFeed:
    """Lines from datagrams sent to `host:port` (port 0: any free port, see `address`)."""

    finite = False

    def __init__(
        self,
        name: str,
        host: str = "0.0.0.0",
        port: int = 0,
        *,
        max_line_length: int = 1024,
        queue_size: int = 10_000,
        max_batch: int = 512,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.stats = FeedStats()
        self.queue_size = queue_size
        self.max_batch = max_batch
        self.listening = asyncio.Event()
        self.address: tuple[str, int] | None = None
        self._buffer = LineBuffer(max_line_length)

    async def run(self, sink: LineSink) -> None:
        """Runs until cancelled; raises OSError when the port cannot be bound."""
        queue: asyncio.Queue[_Datagram] = asyncio.Queue(self.queue_size)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(queue, self.stats, self.name), local_addr=(self.host, self.port)
        )
        try:
            self.address = transport.get_extra_info("sockname")[:2]
            self.listening.set()
            log.info("feed %s: listening on udp %s:%d", self.name, *self.address)
            while True:
                await self._forward(await queue.get(), queue, sink)
        finally:
            self.listening.clear()
            transport.close()

    async def _forward(
        self, first: _Datagram, queue: asyncio.Queue[_Datagram], sink: LineSink
    ) -> None:
        """Send the first datagram and whatever else is already queued as one batch."""
        lines: list[bytes] = []
        received_at = first[1]
        datagram: _Datagram | None = first
        count = 0
        while datagram is not None:
            data, received_at = datagram
            lines += self._buffer.feed(data)
            lines += self._buffer.flush()
            self.stats.bytes += len(data)
            count += 1
            datagram = queue.get_nowait() if count < self.max_batch and not queue.empty() else None
        self.stats.too_long = self._buffer.too_long
        if lines:
            self.stats.lines += len(lines)
            await sink(self.name, lines, received_at)
