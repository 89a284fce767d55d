"""Feeds over real sockets, files and pipes, carrying real recordings."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from pathlib import Path

import pytest

from services.ingest.feeds import (
    Backoff,
    FeedConfig,
    FeedConfigError,
    FileFeed,
    ReplayClock,
    StdinFeed,
    TcpFeed,
    UdpFeed,
    feeds_from_tables,
    make_feed,
)
from services.ingest.framing import LineBuffer


class Collector:
    """A sink that keeps every line it is given, in order, per feed."""

    def __init__(self) -> None:
        self.lines: dict[str, list[bytes]] = {}
        self.calls = 0

    async def __call__(self, feed: str, lines: list[bytes], received_at: float) -> None:
        assert abs(received_at - time.time()) < 5
        self.calls += 1
        self.lines.setdefault(feed, []).extend(lines)

    def count(self, feed: str) -> int:
        return len(self.lines.get(feed, []))


def file_lines(path: Path) -> list[bytes]:
    buffer = LineBuffer(1024)
    return buffer.feed(path.read_bytes()) + buffer.flush()


def fragments(data: bytes, rng: random.Random) -> list[bytes]:
    """`data` cut at random places, most of them inside sentences."""
    out, i = [], 0
    while i < len(data):
        step = rng.randint(1, 97)
        out.append(data[i : i + step])
        i += step
    return out


async def wait_until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


class FlakyServer:
    """A loopback AIS server that sends `data` in fragments over several connections.

    Connection 1 gets the first part and is then dropped mid-stream, connection 2 the rest;
    later connections are closed at once, like a relay with nothing more to say.
    """

    def __init__(self, data: bytes, cut: int) -> None:
        self.parts = [data[:cut], data[cut:]]
        self.connections = 0
        self.rng = random.Random(7)
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.connections <= len(self.parts):
            for piece in fragments(self.parts[self.connections - 1], self.rng):
                writer.write(piece)
                await writer.drain()
                if self.rng.random() < 0.05:
                    await asyncio.sleep(0.001)
        writer.close()
        await writer.wait_closed()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def test_tcp_reconnects_and_gets_everything(shared_ais: Path) -> None:
    path = shared_ais / "dma-aislib" / "decode_encode_messages.txt"
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1  # the drop falls between two lines
    server = FlakyServer(data, cut)
    port = await server.start()
    feed = TcpFeed("vts", "127.0.0.1", port, backoff=Backoff(0.01, 0.05))
    sink = Collector()
    task = asyncio.create_task(feed.run(sink))
    expected = file_lines(path)
    try:
        await wait_until(lambda: sink.count("vts") >= len(expected) and server.connections >= 3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
    assert sink.lines["vts"] == expected
    assert feed.stats.connects >= 3 and feed.stats.disconnects >= 3
    assert feed.stats.bytes == len(data)


async def test_tcp_line_cut_by_a_drop_is_handed_over(shared_ais: Path) -> None:
    path = shared_ais / "gpsd" / "ais-raw-messages.log"
    data = path.read_bytes()
    cut = data.index(b"\n", 1000) + 20  # inside a sentence
    server = FlakyServer(data, cut)
    port = await server.start()
    feed = TcpFeed("vts", "127.0.0.1", port, backoff=Backoff(0.01, 0.05))
    sink = Collector()
    task = asyncio.create_task(feed.run(sink))
    try:
        await wait_until(lambda: server.connections >= 3 and feed.stats.bytes == len(data))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
    # the torn sentence arrives as two pieces, every other line intact
    head = file_lines_from(data[:cut])
    tail = file_lines_from(data[cut:])
    assert sink.lines["vts"] == head + tail
    assert len(head) + len(tail) == len(file_lines(path)) + 1


def file_lines_from(data: bytes) -> list[bytes]:
    buffer = LineBuffer(1024)
    return buffer.feed(data) + buffer.flush()


async def test_tcp_refused_backs_off_and_keeps_trying() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    attempts: list[float] = []

    class Counting(Backoff):
        def delay(self, failures: int) -> float:
            attempts.append(time.monotonic())
            return super().delay(failures)

    feed = TcpFeed("dead", "127.0.0.1", port, backoff=Counting(0.02, 0.08))
    task = asyncio.create_task(feed.run(Collector()))
    await asyncio.sleep(0.6)
    assert not task.done()  # a dead server is not an error that ends the feed
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert feed.stats.connects == 0 and len(attempts) >= 5
    assert gaps[0] < 0.06 and max(gaps) < 0.2  # grew from 0.02 and stayed capped at 0.08
    assert gaps[3] > 0.07


@pytest.mark.parametrize(
    ("failures", "delay"), [(0, 0.5), (1, 0.5), (2, 1.0), (3, 2.0), (7, 30.0), (10_000, 30.0)]
)
def test_backoff(failures: int, delay: float) -> None:
    assert Backoff(0.5, 30.0).delay(failures) == delay


@pytest.mark.parametrize(("initial", "maximum"), [(0.0, 1.0), (2.0, 1.0), (-1.0, 5.0)])
def test_backoff_rejects_bad_bounds(initial: float, maximum: float) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(initial, maximum)


async def test_udp_datagrams(shared_ais: Path) -> None:
    path = shared_ais / "gpsd" / "ais-raw-messages.log"
    expected = file_lines(path)
    feed = UdpFeed("udp", "127.0.0.1", 0)
    sink = Collector()
    task = asyncio.create_task(feed.run(sink))
    await asyncio.wait_for(feed.listening.wait(), 2)
    assert feed.address is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        # one to three lines per datagram, the last one without a line ending
        i = 0
        while i < len(expected):
            group = expected[i : i + 1 + i % 3]
            sender.sendto(b"\r\n".join(group), feed.address)
            i += len(group)
            if i % 30 == 0:
                await asyncio.sleep(0.001)
        await wait_until(lambda: sink.count("udp") >= len(expected))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert sink.lines["udp"] == expected
    assert feed.stats.dropped == 0


async def test_udp_port_in_use_is_an_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        feed = UdpFeed("udp", "127.0.0.1", taken.getsockname()[1])
        with pytest.raises(OSError):
            await feed.run(Collector())


async def test_file_feed_max_speed(shared_ais: Path) -> None:
    path = shared_ais / "amsa-risky" / "exact-earth-augmented-3.txt"
    feed = FileFeed("archive", path)
    sink = Collector()
    started = time.monotonic()
    await feed.run(sink)
    assert time.monotonic() - started < 2.0
    assert sink.lines["archive"] == file_lines(path)
    assert feed.stats.lines == 7672 and feed.stats.bytes == path.stat().st_size


async def test_file_feed_speed_factor(shared_ais: Path) -> None:
    # replay_dump.txt spans 21.4 recorded seconds ($PGHP times); at 20x that is about 1.07 s
    path = shared_ais / "dma-aislib" / "replay_dump.txt"
    sink = Collector()
    started = time.monotonic()
    await FileFeed("replay", path, speed=20.0).run(sink)
    elapsed = time.monotonic() - started
    assert 0.95 < elapsed < 2.0
    assert sink.lines["replay"] == file_lines(path)
    assert sink.calls > 10  # lines were released over time, not all at once


async def test_file_feed_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await FileFeed("gone", tmp_path / "missing.nmea").run(Collector())


async def test_file_feed_too_long_lines(tmp_path: Path, shared_ais: Path) -> None:
    good = file_lines(shared_ais / "gfw-ais-tools" / "sample.nmea")
    path = tmp_path / "long.nmea"
    path.write_bytes(b"\n".join([good[0], b"!" + b"A" * 5000, good[1], good[2]]))
    feed = FileFeed("f", path, max_line_length=200)
    sink = Collector()
    await feed.run(sink)
    assert sink.lines["f"] == good
    assert feed.stats.too_long == 1


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        # 10x: 5 recorded seconds are half a wall second
        ([100.0, 105.0], [0.0, 0.5]),
        # late data (backwards in time) is due at once
        ([100.0, 110.0, 104.0], [0.0, 1.0, 0.4]),
        # a gap over max_gap (60 s) restarts the clock instead of waiting 100 s
        ([100.0, 1100.0, 1110.0], [0.0, 0.0, 1.0]),
        # a gap just under it is waited for
        ([100.0, 150.0], [0.0, 5.0]),
    ],
)
def test_replay_clock(times: list[float], expected: list[float]) -> None:
    clock = ReplayClock(10.0, max_gap=60.0)
    dues = [clock.due(t, now=0.0) for t in times]
    assert dues == pytest.approx(expected)


@pytest.mark.parametrize("speed", [0.0, -1.0])
def test_replay_clock_rejects_bad_speed(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        ReplayClock(speed)


async def test_stdin_feed_from_a_pipe(shared_ais: Path) -> None:
    path = shared_ais / "gfw-ais-tools" / "ee-multiline.nmea"
    read_fd, write_fd = os.pipe()
    with open(read_fd, "rb", buffering=0) as stream:
        sink = Collector()
        task = asyncio.create_task(StdinFeed(stream=stream).run(sink))
        with open(write_fd, "wb", buffering=0) as writer:
            for piece in fragments(path.read_bytes(), random.Random(3)):
                writer.write(piece)
                await asyncio.sleep(0)
        await asyncio.wait_for(task, 5)
    assert sink.lines["stdin"] == file_lines(path)


async def test_stdin_feed_from_a_regular_file(shared_ais: Path) -> None:
    path = shared_ais / "gfw-ais-tools" / "ee-multiline.nmea"
    with path.open("rb") as stream:
        sink = Collector()
        await StdinFeed("in", stream=stream).run(sink)
    assert sink.lines["in"] == file_lines(path)


def test_feed_config_from_toml_tables(tmp_path: Path) -> None:
    tcp = FeedConfig.from_dict(
        {"name": "vts-north", "kind": "tcp", "host": "10.0.0.1", "port": 10110}
    )
    assert (tcp.kind, tcp.host, tcp.port, tcp.speed) == ("tcp", "10.0.0.1", 10110, None)
    archive = FeedConfig.from_dict(
        {"name": "archive", "kind": "file", "path": "rec.nmea", "speed": "max"}, tmp_path
    )
    assert archive.path == tmp_path / "rec.nmea" and archive.speed is None
    fast = FeedConfig.from_dict({"name": "a", "kind": "file", "path": "/x.nmea", "speed": 10})
    assert fast.speed == 10.0 and fast.path == Path("/x.nmea")
    assert isinstance(make_feed(tcp), TcpFeed)
    assert isinstance(make_feed(archive), FileFeed)
    udp = make_feed(FeedConfig.from_dict({"name": "u", "kind": "udp", "port": 0}))
    assert isinstance(udp, UdpFeed) and udp.name == "u"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "tcp", "host": "h", "port": 1}, "without a name"),
        ({"name": "x", "kind": "serial"}, "feed x: kind 'serial' is not one of"),
        ({"name": "x", "kind": "tcp", "port": 1}, "feed x: tcp needs a host"),
        ({"name": "x", "kind": "tcp", "host": "h", "port": 70000}, "port must be 1-65535"),
        ({"name": "x", "kind": "tcp", "host": "h", "port": "10110"}, "port must be"),
        ({"name": "x", "kind": "udp"}, "port must be"),
        ({"name": "x", "kind": "file"}, "file needs a path"),
        ({"name": "x", "kind": "file", "path": "p", "speed": "fast"}, "feed x: speed must be"),
        ({"name": "x", "kind": "file", "path": "p", "speed": 0}, "speed must be"),
        ({"name": "x", "kind": "tcp", "host": "h", "port": 1, "speed": 2}, "file feeds only"),
        ({"name": "x", "kind": "file", "path": "p", "colour": "red"}, "unknown keys"),
    ],
)
def test_feed_config_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(FeedConfigError, match=message):
        FeedConfig.from_dict(table)


def test_feeds_from_seagrid_toml(tmp_path: Path) -> None:
    import tomllib

    text = """
[[feeds]]
name = "vts-north"
kind = "tcp"
host = "127.0.0.1"
port = 10110

[[feeds]]
name = "archive"
kind = "file"
path = "recording.nmea"
speed = 10
"""
    feeds = feeds_from_tables(tomllib.loads(text)["feeds"], tmp_path)
    assert [type(f).__name__ for f in feeds] == ["TcpFeed", "FileFeed"]
    assert isinstance(feeds[1], FileFeed) and feeds[1].path == tmp_path / "recording.nmea"
    assert feeds[1].speed == 10.0
    twice = [{"name": "a", "kind": "udp", "port": 1}, {"name": "a", "kind": "udp", "port": 2}]
    with pytest.raises(FeedConfigError, match="unique: a"):
        feeds_from_tables(twice)
