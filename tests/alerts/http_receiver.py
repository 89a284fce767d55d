"""A real HTTP server on a local port, scripted to fail before it succeeds.

Small on purpose (asyncio streams, HTTP/1.1, one request per connection): what is under
test is the webhook client's behaviour against real sockets, not this server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, object]


@dataclass
class Receiver:
    """Answers with `statuses` in turn (the last one repeated); `hold` delays every answer."""

    statuses: list[int]
    hold: asyncio.Event | None = None
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {
                k.strip().lower(): v.strip()
                for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(path, headers, orjson.loads(body or b"{}")))
            if self.hold is not None:
                await self.hold.wait()
            index = min(len(self.requests), len(self.statuses)) - 1
            status = self.statuses[index]
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def serve(statuses: list[int], hold: asyncio.Event | None = None) -> AsyncIterator[Receiver]:
    receiver = Receiver(statuses, hold)
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        if hold is not None:
            hold.set()
        server.close()
        await server.wait_closed()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
