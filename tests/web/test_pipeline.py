"""The whole pipeline on a real recording: ingest -> gridding -> alerts -> web, in one
process as `seagrid serve` runs it, the map's REST and WebSocket views at the end."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.assembly.pipeline import pipeline
from services.core.config import SeagridConfig
from services.ingest.feeds import FileFeed
from services.web.settings import ServeSettings, WebSettings
from tests.web.conftest import Env, start_env
from tests.web.test_live import live, subscribe


@pytest.fixture
async def real_env(demo_config: SeagridConfig, shared_ais: Path) -> AsyncIterator[Env]:
    settings = WebSettings(tick=0.1, track_points=100)
    async for env in start_env(demo_config, settings, stages=[]):
        feed = FileFeed("ais250", shared_ais / "dma-aislib" / "ais250.txt")
        stages = pipeline(demo_config, ServeSettings(), env.runtime, [feed], env.runtime.alerts)
        env.runtime.stages = stages
        task = asyncio.create_task(_run(env, stages))
        yield env
        task.cancel()


async def _run(env: Env, stages: list) -> None:  # type: ignore[type-arg]
    from services.core.runner import run_stages

    await run_stages(stages, env.runtime.bus, env.runtime.stop)


async def test_real_recording_reaches_the_map(real_env: Env) -> None:
    env = real_env
    ingest = env.runtime.stages[0]
    deadline = time.monotonic() + 20
    while not ingest.done.is_set() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
    await env.settle()
    expected = {v.mmsi for v in ingest.vessels if v.lat is not None}  # type: ignore[attr-defined]
    assert len(expected) > 100  # ais250: 168 MMSIs, most with a position
    op = env.auth("op")
    listed = (await env.http.get("/api/vessels", headers=op)).json()["vessels"]
    assert {v["mmsi"] for v in listed} == expected
    assert all(v["cell"] is None for v in listed)  # California: outside every Quanzhou cell
    one = next(iter(sorted(expected)))
    detail = (await env.http.get(f"/api/vessels/{one}", headers=op)).json()
    assert detail["live"] is True and detail["mmsi"] == one
    ws = await live(env)
    snapshot = await subscribe(ws, [-125.0, 30.0, -115.0, 40.0])
    assert {v["mmsi"] for v in snapshot["vessels"]} == expected
    await ws.close()
    metrics = (await env.http.get("/metrics")).text
    lines = [
        line for line in metrics.splitlines() if 'counter="positions"' in line and "ingest" in line
    ]
    published = ingest.published["seagrid.positions"]  # type: ignore[attr-defined]
    assert lines and float(lines[0].split()[-1]) == published > 100
    # 338163893 sends both positions and its name (type 24A) in this recording
    named = (await env.http.get("/api/vessels", params={"q": "justif"}, headers=op)).json()
    assert [(v["mmsi"], v["name"]) for v in named["vessels"]] == [(338163893, "JUSTIFIED")]
