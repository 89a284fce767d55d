"""Feed servers for the fault tests: TCP endpoints that seagrid's `kind = "tcp"` feeds
connect to, each misbehaving in its own way. They run in threads of the test process."""

from __future__ import annotations

import abc
import random
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class FeedServer(abc.ABC):
    """A TCP server on a free port; `handle(sock)` serves one connection."""

    def __init__(self) -> None:
        self.connections = 0
        self.stopping = threading.Event()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                try:
                    outer.serve(self.request)
                except OSError:  # the client went away: it reconnects by itself
                    pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @abc.abstractmethod
    def serve(self, sock: socket.socket) -> None:
        """Serve one connection (each kind of server misbehaves in its own way)."""

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


class PacedServer(FeedServer):
    """The well-behaved feed: `lines` at `rate` lines/s to the first client, then silence."""

    def __init__(self, lines: list[bytes], rate: float) -> None:
        super().__init__()
        self.lines, self.rate, self.sent = lines, rate, 0

    def serve(self, sock: socket.socket) -> None:
        chunk = max(1, int(self.rate / 20))
        while self.sent < len(self.lines) and not self.stopping.is_set():
            part = self.lines[self.sent : self.sent + chunk]
            sock.sendall(b"".join(line + b"\n" for line in part))
            self.sent += len(part)
            time.sleep(chunk / self.rate)
        self.stopping.wait()


class FlakyServer(FeedServer):
    """Sends its lines at a steady pace but hangs up every `period` seconds."""

    def __init__(self, lines: list[bytes], period: float) -> None:
        super().__init__()
        self.lines, self.period = lines, period
        self._next = _cycle(lines)

    def serve(self, sock: socket.socket) -> None:
        until = time.monotonic() + self.period
        while time.monotonic() < until and not self.stopping.is_set():
            sock.sendall(b"".join(next(self._next) + b"\n" for _ in range(20)))
            time.sleep(0.05)
        sock.shutdown(socket.SHUT_RDWR)


class GarbageServer(FeedServer):
    """Garbage as fast as the socket takes it: random bytes, endless lines, broken NMEA."""

    def serve(self, sock: socket.socket) -> None:
        rng = random.Random(13)
        junk = [
            rng.randbytes(4096),
            b"X" * 5000 + b"\n",  # longer than max_line_length
            b"!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*FF\n" * 50,  # bad checksum
            b"!AIVDM,2,1,7,B,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C\n"
            * 30,  # first fragments whose second never comes
            b"\\s:evil,c:99999999999*00\\!AIVDM,1,1,,A,1,0*00\n" * 30,
        ]
        while not self.stopping.is_set():
            sock.sendall(rng.choice(junk))


def _cycle(lines: list[bytes]) -> Iterator[bytes]:
    while True:
        yield from lines


def tcp_feed(name: str, port: int, **tuning: float) -> str:
    """A `[[feeds]]` table for a TCP feed to 127.0.0.1:`port`."""
    extra = "".join(f"{key} = {value}\n" for key, value in tuning.items())
    return f'[[feeds]]\nname = "{name}"\nkind = "tcp"\nhost = "127.0.0.1"\nport = {port}\n{extra}'


def read_lines(path: Path, start: int, count: int) -> list[bytes]:
    """`count` AIS lines of `path` from line `start` (comments skipped)."""
    with path.open("rb") as source:
        lines = [line.rstrip(b"\r\n") for line in source if not line.startswith(b"#")]
    return lines[start : start + count]
