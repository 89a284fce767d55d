"""The ingest stage over real recordings, real sockets and the in-process bus."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyais
import pytest

from services.core import topics
from services.core.bus import BusOptions
from services.core.bus_memory import MemoryBus
from services.core.codec import decode, decode_as, payloads_of
from services.core.settings import IngestSettings
from services.core.types import Position, VesselStatic
from services.core.vessels import VesselTable
from services.ingest.feeds import Backoff, Feed, FileFeed, TcpFeed, UdpFeed
from services.ingest.framing import LineBuffer
from services.ingest.stage import IngestStage

POSITION_TYPES = {1, 2, 3, 18, 19, 27}
STATIC_TYPES = {5, 19, 24}


class RecordingBus(MemoryBus):
    """The real in-process bus, remembering the size of every batch published."""

    def __init__(self, options: BusOptions | None = None) -> None:
        super().__init__(options)
        self.batches: list[tuple[str, int]] = []

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        self.batches.append((topic, len(payloads)))
        await super().publish(topic, payloads)


async def read_all(bus: MemoryBus, topic: str) -> list[bytes]:
    out: list[bytes] = []
    while batch := await bus.read(topic, "test", "reader", count=100_000, block=0):
        out += payloads_of(batch)
    return out


async def run_to_end(stage: IngestStage, bus: MemoryBus | None = None) -> MemoryBus:
    bus = bus or MemoryBus()
    await asyncio.wait_for(stage.run(bus, asyncio.Event()), 30)
    return bus


def pyais_reference(path: Path) -> tuple[int, int, set[int]]:
    """Positions, static reports and MMSIs with a position, by pyais alone.

    Plain sentences only (no tag blocks): fragments are paired in order, duplicates are the
    same payload seen again, "not available" positions (91/181) are not positions.
    """
    positions, statics, mmsis = 0, 0, set()
    seen: set[str] = set()
    parts: list[bytes] = []
    for line in path.read_bytes().splitlines():
        if not line.startswith(b"!"):
            continue
        fields = line.split(b",")
        parts.append(line)
        if fields[1] != fields[2]:
            continue
        payload = b"".join(p.split(b",")[5] for p in parts).decode()
        msg = pyais.decode(*parts).asdict()
        parts = []
        if payload in seen:
            continue
        seen.add(payload)
        if msg["msg_type"] in POSITION_TYPES and msg["lat"] != 91 and msg["lon"] != 181:
            positions += 1
            mmsis.add(msg["mmsi"])
        if msg["msg_type"] in STATIC_TYPES:
            statics += 1
    return positions, statics, mmsis


async def test_publishes_what_pyais_finds(shared_ais: Path) -> None:
    path = shared_ais / "gpsd" / "ais-raw-messages.log"
    stage = IngestStage([FileFeed("gpsd", path)])
    bus = await run_to_end(stage)
    positions = [decode_as(p, Position) for p in await read_all(bus, topics.POSITIONS)]
    statics = [decode_as(p, VesselStatic) for p in await read_all(bus, topics.STATIC)]
    n_positions, n_statics, mmsis = pyais_reference(path)
    assert (len(positions), len(statics)) == (n_positions, n_statics) == (91, 7)
    assert {p.mmsi for p in positions} == mmsis
    assert all(p.source == "gpsd" for p in positions)  # no tag block: the feed's name
    assert stage.published[topics.POSITIONS] == n_positions
    counts = stage.counters.feed("gpsd")
    assert counts.duplicates == 0 and counts.balanced() and counts.pending == 0
    assert stage.done.is_set()


async def test_real_recording_counts_and_picture(shared_ais: Path) -> None:
    path = shared_ais / "amsa-risky" / "exact-earth-augmented-3.txt"
    stage = IngestStage([FileFeed("ee", path)], IngestSettings(batch_size=256))
    bus = RecordingBus()
    await run_to_end(stage, bus)
    positions = [decode_as(p, Position) for p in await read_all(bus, topics.POSITIONS)]
    statics = [decode_as(p, VesselStatic) for p in await read_all(bus, topics.STATIC)]
    messages = [decode(p) for p in await read_all(bus, topics.MESSAGES)]
    total = stage.counters.total()
    # 2452 type 1 + 372 type 3 + 43 type 18 + 3 type 19, less "not available" positions
    # and duplicates; 1136 type 5 + 3 type 19 + 20 type 24 less 2 duplicates.
    assert (len(positions), len(statics), len(messages)) == (2858, 1157, 18)
    assert total.lines == 7672 and total.balanced()
    assert sum(total.messages[t] for t in POSITION_TYPES) == 2870
    assert {m["msg_type"] for m in messages} == {12, 14}
    assert all(n <= 256 for _, n in bus.batches)
    # the picture agrees with the records published
    table = VesselTable()
    table.apply_all(sorted([*positions, *statics], key=lambda r: r.ts))
    assert len(table) == len(stage.vessels) == 378
    for state in stage.vessels:
        other = table.get(state.mmsi)
        assert other is not None and (other.lat, other.shipname) == (state.lat, state.shipname)


async def test_stop_flushes_partial_batches_and_returns(shared_ais: Path) -> None:
    lines = (shared_ais / "gfw-ais-tools" / "sample.nmea").read_bytes().splitlines()
    feed = UdpFeed("udp", "127.0.0.1", 0)
    stage = IngestStage([feed], IngestSettings(flush_interval=0.05, batch_size=1000))
    bus = MemoryBus()
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(bus, stop))
    await asyncio.wait_for(feed.listening.wait(), 2)
    assert feed.address is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(lines[0], feed.address)
        # far below batch_size: only the flush interval gets it onto the bus
        await wait_for_lag(bus, topics.POSITIONS, 1)
        for line in lines[1:]:
            sender.sendto(line, feed.address)
        await wait_for(lambda: stage.counters.total().lines == 3)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert stage.published[topics.STATIC] == 2
    assert not feed.listening.is_set()
    state = stage.vessels.get(next(iter(stage.vessels)).mmsi)
    assert state is not None and state.source == "sdr-experiments"  # from the tag block


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def wait_for_lag(bus: MemoryBus, topic: str, n: int) -> None:
    deadline = time.monotonic() + 5
    while await bus.lag(topic, "probe") < n:
        assert time.monotonic() < deadline, f"{topic}: fewer than {n} records"
        await asyncio.sleep(0.01)


_RECEIVE_TIMES = ("ts", "static_ts", "last_seen")


def picture(stage: IngestStage, *, receive_times: bool = False) -> dict[int, dict[str, Any]]:
    """The vessel table as plain data; without the times when they are receive times."""
    out = {v.mmsi: v.as_dict() for v in stage.vessels}
    if receive_times:
        for state in out.values():
            for key in _RECEIVE_TIMES:
                state.pop(key)
    return out


async def serve_once(data: bytes) -> tuple[asyncio.Server, int]:
    """A server that sends `data` to its first client; later ones are closed at once."""
    connections = 0

    async def handle(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        for i in range(0, len(data) if connections == 1 else 0, 50):  # cut inside sentences
            writer.write(data[i : i + 50])
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


async def test_tcp_udp_and_file_give_the_same_picture(shared_ais: Path) -> None:
    path = shared_ais / "amsa-risky" / "exact-earth-with-tag-block.txt"
    data = path.read_bytes()
    reference = IngestStage([FileFeed("rec", path)])
    await run_to_end(reference)
    expected = picture(reference)
    assert len(expected) == 120  # 121 MMSIs, one a base station (type 11 only)

    server, port = await serve_once(data)
    tcp = IngestStage([TcpFeed("rec", "127.0.0.1", port, backoff=Backoff(0.01, 0.05))])
    udp_feed = UdpFeed("rec", "127.0.0.1", 0)
    udp = IngestStage([udp_feed])
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(MemoryBus(), stop)) for s in (tcp, udp)]
    await asyncio.wait_for(udp_feed.listening.wait(), 2)
    assert udp_feed.address is not None
    buffer = LineBuffer(1024)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for i, line in enumerate(buffer.feed(data) + buffer.flush()):
            sender.sendto(line + b"\n", udp_feed.address)
            if i % 20 == 0:
                await asyncio.sleep(0.002)
    n_lines = reference.counters.total().lines
    await wait_for(lambda: all(s.counters.total().lines == n_lines for s in (tcp, udp)))
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    server.close()
    await server.wait_closed()
    assert picture(tcp) == expected
    assert picture(udp) == expected
    assert tcp.published == reference.published == udp.published


async def test_dead_tcp_feed_does_not_stop_the_others(shared_ais: Path) -> None:
    path = shared_ais / "dma-aislib" / "decode_encode_messages.txt"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    dead = TcpFeed("dead", "127.0.0.1", dead_port, backoff=Backoff(0.01, 0.02))
    stage = IngestStage([dead, FileFeed("archive", path)])
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(MemoryBus(), stop))
    await wait_for(lambda: stage.counters.feed("archive").lines == 646)
    await asyncio.sleep(0.1)  # the dead feed keeps retrying meanwhile
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 5)
    reference = IngestStage([FileFeed("archive", path)])
    await run_to_end(reference)
    # the recording has no timestamps: its times are receive times, which differ
    assert picture(stage, receive_times=True) == picture(reference, receive_times=True)
    assert len(stage.vessels) == 45  # 50 MMSIs, 5 of them base stations
    assert dead.stats.connects == 0 and "dead" not in stage.feed_errors


async def test_missing_file_ends_only_its_feed(shared_ais: Path, tmp_path: Path) -> None:
    good = shared_ais / "gfw-ais-tools" / "sample.nmea"
    stage = IngestStage.from_files([tmp_path / "missing.nmea", good])
    await run_to_end(stage)
    assert isinstance(stage.feed_errors["missing.nmea"], FileNotFoundError)
    assert len(stage.vessels) == 1
    assert stage.stats()["feeds"]["missing.nmea"]["error"] is not None


async def test_too_long_lines_are_counted(shared_ais: Path, tmp_path: Path) -> None:
    lines = (shared_ais / "gfw-ais-tools" / "sample.nmea").read_bytes().splitlines()
    path = tmp_path / "long.nmea"
    path.write_bytes(b"\n".join([lines[0], b"x" * 3000, lines[1], lines[2]]) + b"\n")
    stage = IngestStage([FileFeed("f", path, max_line_length=1024)])
    await run_to_end(stage)
    counts = stage.counters.feed("f")
    assert counts.lines == 4 and counts.rejected["too_long"] == 1 and counts.balanced()


def test_from_files_names_and_speed(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "rec.nmea", tmp_path / "b" / "rec.nmea"
    stage = IngestStage.from_files([a, b, "-"], speed=5.0)
    assert [f.name for f in stage.feeds] == ["rec.nmea", "rec.nmea#2", "stdin"]
    assert all(getattr(f, "speed", None) == 5.0 for f in stage.feeds)


def test_feed_names_must_be_unique(tmp_path: Path) -> None:
    feeds: list[Feed] = [FileFeed("x", tmp_path / "a"), FileFeed("x", tmp_path / "b")]
    with pytest.raises(ValueError, match="unique"):
        IngestStage(feeds)
