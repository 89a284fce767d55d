"""The stage runner and the consume loop, on real AIS sentences and both bus backends."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from services.core import codec
from services.core.bus import Bus, BusError, BusOptions, Delivery, dead_letter_topic, open_bus
from services.core.faults import Faults
from services.core.runner import consume, run_stages
from tests.conftest import REDIS_URL

REPO = Path(__file__).resolve().parents[2]
FAST = BusOptions(claim_idle=0.1, max_attempts=2)


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest, unique: str) -> AsyncIterator[Bus]:
    url = "memory://" if request.param == "memory" else REDIS_URL
    the_bus = open_bus(url, FAST)
    yield the_bus
    await the_bus.close()
    if request.param == "redis":
        client = aioredis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(match=f"test.{unique}.*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
def topic(unique: str) -> str:
    return f"test.{unique}.positions"


@pytest.fixture(scope="module")
def records(shared_ais: Path) -> list[bytes]:
    """Real sentences, encoded as a producing stage would encode them."""
    lines = (shared_ais / "gpsd" / "ais-raw-messages.log").read_text().splitlines()
    return [codec.encode({"line": line}) for line in lines if line.startswith("!")][:60]


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


class Recorder:
    """A handler that decodes every record and fails, like a real stage, on a bad one."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    async def __call__(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            self.lines.append(codec.decode(delivery.payload)["line"])


# --- consume -------------------------------------------------------------------------------


async def test_consume_acks_handled_batches(bus: Bus, topic: str, records: list[bytes]) -> None:
    stop, handler = asyncio.Event(), Recorder()
    await bus.publish(topic, records[:25])
    task = asyncio.create_task(consume(bus, topic, "g", "c", handler, stop, count=10, block=0.1))
    await bus.publish(topic, records[25:])
    await until(lambda: _true(len(handler.lines) == len(records)))
    await until(lambda: _zero(bus.pending(topic, "g")))
    stop.set()
    await asyncio.wait_for(task, 1.0)
    assert handler.lines == [codec.decode(r)["line"] for r in records]
    assert await bus.lag(topic, "g") == 0


async def test_poison_record_is_isolated_then_dead_lettered(
    bus: Bus, topic: str, records: list[bytes]
) -> None:
    poison = b'{"line": "!AIVDM,1,1,,B,13U4vF0P'  # truncated in transit: not JSON
    batch = [*records[:10], poison, *records[10:20]]
    stop, handler = asyncio.Event(), Recorder()
    await bus.publish(topic, batch)
    task = asyncio.create_task(consume(bus, topic, "g", "c", handler, stop, block=0.05))
    # The neighbours are handled and acked at once; only the poison record stays pending.
    await until(
        lambda: _true(set(handler.lines) == {codec.decode(r)["line"] for r in records[:20]})
    )
    await until(lambda: _equal(bus.pending(topic, "g"), 1))
    await until(lambda: _zero(bus.pending(topic, "g")))  # after max_attempts
    stop.set()
    await asyncio.wait_for(task, 1.0)
    dead = await bus.read(dead_letter_topic(topic), "ops", "inspector", block=0)
    assert [d.payload for d in dead] == [poison]


async def test_poison_records_are_counted_and_logged_once_per_reason(
    bus: Bus, topic: str, records: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    poison = [b"not json %d" % i for i in range(5)]
    faults = Faults(topic, logging.getLogger("consume-test"))
    stop, handler = asyncio.Event(), Recorder()
    await bus.publish(topic, [*records[:5], *poison, *records[5:10]])
    with caplog.at_level(logging.WARNING, "consume-test"):
        task = asyncio.create_task(
            consume(bus, topic, "g", "c", handler, stop, block=0.05, faults=faults)
        )
        await until(lambda: _true(len(set(handler.lines)) == 10))
        await until(lambda: _true(faults.counts["record.CodecError"] >= 5))
        stop.set()
        await asyncio.wait_for(task, 1.0)
    assert set(faults.counts) <= {"record.CodecError", "batch.CodecError"}
    logged = [r for r in caplog.records if "record.CodecError" in r.getMessage()]
    assert len(logged) == 1  # not one warning per poison record and attempt


async def test_stop_ends_the_loop_promptly(bus: Bus, topic: str) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consume(bus, topic, "g", "c", Recorder(), stop, block=0.2))
    await asyncio.sleep(0.1)
    assert not task.done()
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 1.0)
    assert time.monotonic() - started < 0.5


async def test_a_lost_bus_escapes_the_loop(bus: Bus, topic: str) -> None:
    task = asyncio.create_task(consume(bus, topic, "g", "c", Recorder(), asyncio.Event()))
    await asyncio.sleep(0.05)
    await bus.close()
    with pytest.raises(BusError, match="closed"):
        await asyncio.wait_for(task, 2.0)


async def _true(value: bool) -> bool:
    return value


async def _zero(count: Awaitable[int]) -> bool:
    return await count == 0


async def _equal(count: Awaitable[int], expected: int) -> bool:
    return await count == expected


# --- run_stages ----------------------------------------------------------------------------


class Waiter:
    """A stage that hands a signal to its peer and waits for the peer's, then for stop."""

    def __init__(self, name: str, mine: asyncio.Event, theirs: asyncio.Event) -> None:
        self.name, self.mine, self.theirs = name, mine, theirs
        self.cancelled = False

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:  # noqa: ARG002 - Stage protocol
        self.mine.set()
        try:
            await self.theirs.wait()
            await stop.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


class Crasher:
    name = "crasher"

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:  # noqa: ARG002 - Stage protocol
        await asyncio.sleep(0.05)
        raise RuntimeError("grid file vanished")


async def test_run_stages_runs_stages_concurrently_until_stop() -> None:
    a_ready, b_ready, stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
    stages = [Waiter("a", a_ready, b_ready), Waiter("b", b_ready, a_ready)]
    running = asyncio.create_task(run_stages(stages, open_bus("memory://"), stop))
    await asyncio.wait_for(asyncio.gather(a_ready.wait(), b_ready.wait()), 1.0)
    assert not running.done()  # each waits for the other: only concurrency gets here
    stop.set()
    await asyncio.wait_for(running, 1.0)
    assert not any(s.cancelled for s in stages)


async def test_a_crashing_stage_cancels_the_others_and_propagates() -> None:
    survivor = Waiter("gridding", asyncio.Event(), asyncio.Event())
    with pytest.raises(RuntimeError, match="grid file vanished"):
        await asyncio.wait_for(
            run_stages([survivor, Crasher()], open_bus("memory://"), asyncio.Event()), 2.0
        )
    assert survivor.cancelled


def test_a_crashing_stage_takes_the_process_down() -> None:
    script = """
import asyncio, sys
from services.core.bus import open_bus
from services.core.runner import run_stages

class Idle:
    name = "idle"
    async def run(self, bus, stop):
        try:
            await stop.wait()
        except asyncio.CancelledError:
            sys.stderr.write("idle stage cancelled\\n")
            raise

class Crash:
    name = "crash"
    async def run(self, bus, stop):
        raise RuntimeError("alerts store unreachable")

asyncio.run(run_stages([Idle(), Crash()], open_bus("memory://"), asyncio.Event()))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 1
    assert "idle stage cancelled" in done.stderr
    assert "RuntimeError: alerts store unreachable" in done.stderr
    assert "ExceptionGroup" not in done.stderr
