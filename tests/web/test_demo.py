"""Demo mode: the looping, time-shifted recording, the demo users, and a crashing stage."""

from __future__ import annotations

import asyncio
import time

from services.assembly.demo_feed import RECORDING, DemoFeed, load_recording, shifted
from services.core.config import SeagridConfig
from services.core.settings import IngestSettings
from services.ingest.counters import Counters
from services.ingest.decoder import Decoder
from services.web.demo import demo_users


def _decode(lines: list[bytes]) -> tuple[list[float], Counters]:
    counters = Counters()
    decoder = Decoder(IngestSettings(), counters)
    times = []
    for line in lines:
        times += [m.ts for m in decoder.push(line, feed="demo", received_at=0.0)]
    return times, counters


RAW = [line for line in RECORDING.read_bytes().splitlines() if line.startswith(b"\\")]


def test_shifted_lines_keep_valid_checksums_and_move_in_time() -> None:
    lines = load_recording()[:300]
    offset = 1_000_000.0
    times, counters = _decode([shifted(line, offset) for line in lines])
    # the simulated recording has a few reception errors of its own: no more, no fewer
    assert counters.total().rejected == _decode(RAW[:300])[1].total().rejected
    assert times and min(times) >= lines[0].ts + offset - 1
    original, _ = _decode([shifted(line, 0.0) for line in lines])
    assert [round(t - o) for t, o in zip(times, original, strict=True)] == [1_000_000] * len(times)


async def test_demo_feed_starts_now_and_loops_forward() -> None:
    lines = load_recording()[:300]
    feed = DemoFeed(lines, speed=10_000.0)
    got: list[bytes] = []

    async def sink(_name: str, batch: list[bytes], _at: float) -> None:
        got.extend(batch)

    started = time.time()
    task = asyncio.create_task(feed.run(sink))
    while feed.loops < 2:
        await asyncio.sleep(0.01)
    task.cancel()
    times, counters = _decode(got[: 2 * len(lines)])
    once = _decode(RAW[:300])[1].total().rejected
    assert counters.total().rejected["checksum"] == 2 * once["checksum"]
    assert abs(times[0] - started) < 5  # the first line is "now"
    first_loop, second_loop = times[: len(times) // 2], times[len(times) // 2 :]
    assert min(second_loop) > max(first_loop)  # time runs on across the loop


def test_demo_feed_rejects_a_bad_speed() -> None:
    import pytest

    with pytest.raises(ValueError, match="speed"):
        DemoFeed(load_recording()[:10], speed=0)


def test_demo_users_follow_the_contract(demo_config: SeagridConfig) -> None:
    users = {u.name: u for u in demo_users(demo_config)}
    assert users["operator"].role == "operator"
    for office in demo_config.offices:
        assert users[office.id].role == "office" and users[office.id].office == office.id
    assert {users["supervisor"].role, users["admin"].role} == {"supervisor", "admin"}
    patrol = users["patrol"]
    vessels = demo_config.sections["patrol_vessels"]
    assert (patrol.office, patrol.mmsi) == (vessels[0]["office"], vessels[0]["mmsi"])


class _Crashing:
    name = "crashing"

    async def run(self, _bus: object, _stop: asyncio.Event) -> None:
        await asyncio.sleep(0.3)
        raise RuntimeError("feed parser exploded")


async def test_a_crashed_stage_takes_the_server_down(demo_config: SeagridConfig) -> None:
    from services.cli.serve import run_server
    from tests.web.conftest import free_port, make_runtime

    runtime = await make_runtime(demo_config, stages=[_Crashing()])
    started = time.monotonic()
    code = await asyncio.wait_for(run_server(runtime, "127.0.0.1", free_port(), []), 15)
    assert code == 1 and "exploded" in str(runtime.crashed)
    assert time.monotonic() - started < 10
    await runtime.bus.close()
