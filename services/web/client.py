"""One WebSocket client's outbox: bounded, coalescing, sent by its own task.

The hub never awaits a client. It offers each tick's shared frame; while the client keeps
up (fewer than `buffer` frames queued) the frame is queued as is. A client that falls
behind (a tablet on a weak link) stops receiving queued frames: the hub's changes are
folded into `coalesced`, latest entry per vessel, and sent as one frame when the client
catches up. Memory per client is therefore bounded by `buffer` frames plus one entry per
vessel in its view, however slow it is, and a slow client only ever delays itself.
Alerts and control replies go first, in order, from a bounded queue; if it overflows the
client is resynchronised with a fresh snapshot instead of silently losing alerts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import orjson

from services.web.auth import User

log = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[None]]


@dataclass(slots=True)
class Frame:
    """A tick's frame for one view: shared text, and its parts for coalescing."""

    text: str
    ids: list[int]
    encoded: list[bytes]  # the vessels' JSON, in the order of `ids`
    removed: list[int]
    changed_at: float  # wall clock at which the oldest change in it arrived


def positions_frame(encoded: list[bytes], removed: list[int], snapshot: bool = False) -> str:
    head = b'{"type":"positions","snapshot":true,' if snapshot else b'{"type":"positions",'
    body = b",".join(encoded)
    return (head + b'"vessels":[' + body + b'],"removed":' + orjson.dumps(removed) + b"}").decode()


@dataclass(eq=False)
class Client:
    user: User
    send: Send
    buffer: int = 4
    alert_buffer: int = 500
    on_sent: Callable[[float], None] | None = None  # push latency in seconds
    frames: deque[Frame | str] = field(default_factory=deque)
    urgent: deque[str] = field(default_factory=deque)
    coalesced: dict[int, bytes | None] = field(default_factory=dict)
    coalesced_since: float | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    resync: Callable[[Client], None] | None = None
    closed: bool = False
    sent_frames: int = 0
    coalesced_ticks: int = 0

    def offer(self, frame: Frame) -> None:
        """Queue a tick's frame, or fold it into the coalesced changes if we are behind."""
        if self.closed:
            return
        if len(self.frames) < self.buffer and not self.coalesced:
            self.frames.append(frame)
        else:
            self.coalesced_ticks += 1
            if self.coalesced_since is None:
                self.coalesced_since = frame.changed_at
            self.coalesced.update(zip(frame.ids, frame.encoded, strict=True))
            for mmsi in frame.removed:
                self.coalesced[mmsi] = None
        self.wake.set()

    def replace_with(self, snapshot: str) -> None:
        """A snapshot supersedes everything queued (bbox changed, or resync)."""
        self.frames.clear()
        self.coalesced.clear()
        self.coalesced_since = None
        self.frames.append(snapshot)
        self.wake.set()

    def push_urgent(self, text: str) -> None:
        if self.closed:
            return
        if len(self.urgent) >= self.alert_buffer:
            self.urgent.clear()
            self.urgent.append('{"type":"resync","reason":"alert queue overflow"}')
            if self.resync is not None:
                self.resync(self)
        else:
            self.urgent.append(text)
        self.wake.set()

    async def run(self) -> None:
        """Send until closed; returns (or raises) when the socket fails."""
        while not self.closed:
            await self.wake.wait()
            self.wake.clear()
            while not self.closed and (self.urgent or self.frames or self.coalesced):
                await self._send_one()

    async def _send_one(self) -> None:
        if self.urgent:
            await self.send(self.urgent.popleft())
            return
        if self.frames:
            item = self.frames.popleft()
            if isinstance(item, str):
                await self.send(item)
                return
            await self.send(item.text)
            self._sent(item.changed_at)
            return
        encoded = [b for b in self.coalesced.values() if b is not None]
        removed = [m for m, b in self.coalesced.items() if b is None]
        since = self.coalesced_since or time.time()
        self.coalesced, self.coalesced_since = {}, None
        await self.send(positions_frame(encoded, removed))
        self._sent(since)

    def _sent(self, changed_at: float) -> None:
        self.sent_frames += 1
        if self.on_sent is not None:
            self.on_sent(time.time() - changed_at)
