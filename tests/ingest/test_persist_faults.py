"""What persist dead-letters, over the real Redis and the real PostgreSQL: a record held
through a PostgreSQL outage longer than `max_attempts` x `claim_idle` is renewed on the
bus (`Bus.hold`), so none is claimed again or dead-lettered, and each is stored once; a
record the database refuses for a reason of its own is dead-lettered alone, after
`max_attempts`, and the rest of its batch is stored.

The outage is a cut network path: the pool connects through a small TCP relay to the
local server, and the test closes the relay (every connection reset, new ones refused),
then opens it again. Stopping the shared server would fail everyone else's tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from services.core import topics
from services.core.bus import BusOptions, dead_letter_topic, open_bus
from services.core.codec import decode_as
from services.core.db import open_database
from services.core.settings import DatabaseSettings
from services.core.types import CellPosition
from services.ingest.persist import GROUP, PersistStage
from tests.conftest import REDIS_URL
from tests.ingest.ais_samples import T0

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
# Claims every 0.3 s, dead-lettered at the third: the 4 s outage is 13 claim_idles long.
BUS = BusOptions(claim_idle=0.3, max_attempts=3)
OUTAGE = 4.0


class Relay:
    """A TCP relay to PostgreSQL that can be cut (connections reset, port closed) and
    opened again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._links):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._links |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._links.discard(w)
                w.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


@pytest.fixture
async def relay(pg_url: str) -> AsyncIterator[tuple[Relay, str]]:
    """The relay and the test database's URL through it."""
    parts = urlsplit(pg_url)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 5432)
    await relay.open()
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{relay.port}"
    yield relay, urlunsplit(parts._replace(netloc=netloc))
    if relay._server is not None:
        await relay.cut()


@pytest.fixture
async def clean(pg_url: str, clean_redis: None) -> AsyncIterator[None]:
    """No positions in the test database (and, by `clean_redis`, no `seagrid.*` streams)."""
    del clean_redis

    async def wipe() -> None:
        pool = await open_database(pg_url)
        await pool.execute("TRUNCATE positions, vessels")
        await pool.close()

    await wipe()
    yield
    await wipe()


def positions(start: int, count: int) -> list[CellPosition]:
    """`count` distinct positions of 50 vessels, as gridding publishes them."""
    return [
        CellPosition(413000000 + i % 50, T0 + i, 24.8 + i * 1e-5, 118.6, "C-07", "shishi")
        for i in range(start, start + count)
    ]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@pytest.mark.usefixtures("clean")
@pytest.mark.parametrize("buffer_size", [5000, 1000])
async def test_an_outage_longer_than_max_attempts_claims_dead_letters_nothing(
    buffer_size: int, relay: tuple[Relay, str], pg_url: str
) -> None:
    """5000: the outage's 3000 records fit, the readers go on reading (and, were the held
    records not renewed, would claim them back again and again). 1000: the buffer fills,
    reading stops at its bound and the bus keeps the rest."""
    proxy, url = relay
    settings = DatabaseSettings(
        retention_days=0, flush_interval=0.1, batch_size=200, buffer_size=buffer_size
    )
    pool = await open_database(url, timeout=2.0)
    bus = open_bus(REDIS_URL, BUS)
    stage = PersistStage(pool, settings, consumer="p-1", hold_every=BUS.claim_idle / 3)
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(bus, stop))
    direct = await asyncpg.connect(pg_url)  # the test's own view, not through the relay

    async def stored() -> int:
        return int(await direct.fetchval("SELECT count(*) FROM positions"))

    try:
        await bus.publish_records(topics.CELL_POSITIONS, positions(0, 500))
        await until(lambda: _equals(stored, 500))
        await proxy.cut()
        await bus.publish_records(topics.CELL_POSITIONS, positions(500, 3000))
        peak, ended = 0, time.monotonic() + OUTAGE
        while time.monotonic() < ended:  # the buffer fills to its bound, then reading stops
            assert not task.done()
            peak = max(peak, stage.status()["buffered"])
            await asyncio.sleep(0.05)
        assert stage.status()["database_down"] == 1
        held = stage.status()["buffered"]
        await proxy.open()
        await until(lambda: _equals(stored, 3500))
        await until(lambda: _zero(bus.pending(topics.CELL_POSITIONS, GROUP)))
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        dead = await bus.lag(dead_letter_topic(topics.CELL_POSITIONS), "inspector")
        duplicates = await direct.fetchval(
            "SELECT count(*) - count(DISTINCT (mmsi, ts, lat, lon)) FROM positions"
        )
        await direct.close()
        await bus.close()
        await pool.close()
    assert dead == 0  # held through 13 claim_idles, yet never dead-lettered
    assert duplicates == 0
    assert stage.counts["flush_failed"] > 0 and stage.counts["held_renewed"] > 0
    assert stage.counts["held_twice"] == 0  # not even handed back to its own reader
    # bounded: at most the buffer and one read more, and in use throughout the outage
    assert held > 0 and peak <= stage.capacity + settings.batch_size
    assert peak >= min(stage.capacity, 3000)


async def _equals(count: Callable[[], Awaitable[int]], expected: int) -> bool:
    return await count() == expected


async def _zero(value: Awaitable[int]) -> bool:
    return await value == 0


POISON = 413999999  # the vessel whose positions the database refuses


@pytest.fixture
async def refusing(pg_url: str) -> AsyncIterator[None]:
    """A trigger by which PostgreSQL refuses the positions of one vessel: records seagrid
    finds valid and the database will not take (as a constraint of its own would)."""
    conn = await asyncpg.connect(pg_url)
    await conn.execute(
        f"""
        CREATE OR REPLACE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.mmsi = {POISON} THEN RAISE EXCEPTION 'vessel % refused', NEW.mmsi; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER test_refuse_poison BEFORE INSERT ON positions
            FOR EACH ROW EXECUTE FUNCTION test_refuse_poison();
        """
    )
    try:
        yield
    finally:
        await conn.execute(
            "DROP TRIGGER IF EXISTS test_refuse_poison ON positions;"
            "DROP FUNCTION IF EXISTS test_refuse_poison();"
        )
        await conn.close()


@pytest.mark.usefixtures("clean", "refusing")
async def test_a_record_the_database_refuses_is_dead_lettered_alone(pg_url: str) -> None:
    settings = DatabaseSettings(retention_days=0, flush_interval=0.1, batch_size=200)
    pool = await open_database(pg_url)
    bus = open_bus(REDIS_URL, BUS)
    stage = PersistStage(pool, settings, consumer="p-1", hold_every=BUS.claim_idle / 3)
    good = positions(0, 600)
    poison = CellPosition(POISON, T0 + 300.5, 24.7, 118.6, "C-07", "shishi")
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(bus, stop))
    dead_topic = dead_letter_topic(topics.CELL_POSITIONS)
    try:
        await bus.publish_records(topics.CELL_POSITIONS, [*good[:300], poison, *good[300:]])
        await until(lambda: _zero(bus.pending(topics.CELL_POSITIONS, GROUP)))
        await until(lambda: _equals(lambda: bus.lag(dead_topic, "inspector"), 1))
        stored = int(await pool.fetchval("SELECT count(*) FROM positions"))
        dead = await bus.read(dead_topic, "inspector", "i", block=0)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await bus.close()
        await pool.close()
    assert stored == len(good)  # its neighbours are stored, once
    assert [decode_as(d.payload, CellPosition) for d in dead] == [poison]
    # refused at each of its max_attempts deliveries, then dead-lettered by the bus
    assert stage.counts["refused"] == BUS.max_attempts
    assert stage.counts["positions"] == len(good)
