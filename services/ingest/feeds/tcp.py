"""TCP client feed: connects to an AIS server (a receiver, an AISHub-style relay) and keeps
reconnecting, with capped exponential backoff, for as long as the stage runs.

A dropped or refused connection is logged and retried; it never raises out of `run`, so one
dead feed cannot stop the others. A line cut by the disconnection is still handed over (and
then rejected by its checksum) so that it is counted rather than silently lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.ingest.feeds.base import Backoff, FeedStats, LineSink, deliver, pump_stream
from services.ingest.framing import LineBuffer

log = logging.getLogger(__name__)


class TcpFeed:
    """Lines from `host:port`, reconnecting whenever the connection ends or fails."""

    finite = False

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        *,
        max_line_length: int = 1024,
        backoff: Backoff | None = None,
        connect_timeout: float = 10.0,
        idle_timeout: float | None = 300.0,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.backoff = backoff or Backoff()
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self.stats = FeedStats()
        self.connected = asyncio.Event()
        self._buffer = LineBuffer(max_line_length)

    async def run(self, sink: LineSink) -> None:
        """Runs until cancelled."""
        failures = 0
        while True:
            got_data = await self._session(sink)
            failures = 0 if got_data else failures + 1
            delay = self.backoff.delay(failures)
            log.info(
                "feed %s: reconnecting to %s:%d in %.1fs", self.name, self.host, self.port, delay
            )
            await asyncio.sleep(delay)

    async def _session(self, sink: LineSink) -> bool:
        """One connection from connect to close; True when it delivered any data."""
        try:
            async with asyncio.timeout(self.connect_timeout):  # not wait_for: see pump_stream
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as exc:
            log.warning(
                "feed %s: cannot connect to %s:%d: %s", self.name, self.host, self.port, exc
            )
            return False
        self.stats.connects += 1
        self.connected.set()
        log.info("feed %s: connected to %s:%d", self.name, self.host, self.port)
        before = self.stats.bytes
        try:
            await pump_stream(
                reader, self._buffer, self.name, sink, self.stats, idle_timeout=self.idle_timeout
            )
            log.warning("feed %s: server closed the connection", self.name)
        except (OSError, TimeoutError) as exc:
            reason = f"silent for {self.idle_timeout}s" if isinstance(exc, TimeoutError) else exc
            log.warning("feed %s: connection lost (%s)", self.name, reason)
            await deliver(self._buffer.flush(), self._buffer, self.name, sink, self.stats, 0)
        finally:
            self.connected.clear()
            self.stats.disconnects += 1
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        return self.stats.bytes > before
