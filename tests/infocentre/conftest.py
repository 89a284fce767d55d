"""A web service with the information centre and the real alerts stage beside it.

The alerts stage runs in the same process on the same bus, so a change made through the API
reaches the rules the way it does in `seagrid serve` (the snapshot on INFOCENTRE) and the
alerts it raises reach the store through the dispatcher.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.alerts.dispatcher import DispatcherStage
from services.alerts.memory_store import MemoryAlertStore
from services.alerts.model import Alert
from services.alerts.stage import AlertsStage
from services.core import topics
from services.core.config import SeagridConfig
from services.infocentre.store import MemoryRecordStore
from services.infocentre.wiring import info_centre
from tests.web.conftest import Env, demo_config, start_env

__all__ = ["demo_config"]


class Clock:
    """The service clock, moved by hand."""

    def __init__(self, now: float | None = None) -> None:
        self.now = now if now is not None else time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def start_info_env(
    config: SeagridConfig, clock: Clock, store: Any = None
) -> AsyncIterator[Env]:
    alerts_store = MemoryAlertStore()
    info = await info_centre(config, store or MemoryRecordStore(), None)
    info.clock = clock
    stages = [
        AlertsStage(config, live=await info.snapshot(), block=0.05),
        DispatcherStage(alerts_store, config.centre.id),
    ]
    async for env in start_env(config, alerts=alerts_store, stages=stages, info=info):
        info.bus = env.runtime.bus
        yield env


@pytest.fixture
async def ienv(demo_config: SeagridConfig, clock: Clock) -> AsyncIterator[Env]:
    async for env in start_info_env(demo_config, clock):
        yield env


async def wait_alert(env: Env, timeout: float = 5.0, **match: Any) -> Alert:
    """The first stored alert whose fields match, waiting for the pipeline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = await env.runtime.alerts.list(_query())
        for alert in page.items:
            if all(getattr(alert, k) == v for k, v in match.items()):
                return alert
        await asyncio.sleep(0.02)
    raise AssertionError(f"no alert with {match}")


async def alerts_now(env: Env) -> list[Alert]:
    await settle_pipeline(env)
    return (await env.runtime.alerts.list(_query())).items


async def settle_pipeline(env: Env, timeout: float = 5.0) -> None:
    bus = env.runtime.bus
    pairs = [
        (topics.INFOCENTRE, "alerts"),
        (topics.CELL_POSITIONS, "alerts"),
        (topics.ALERTS, "dispatcher"),
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [1 for t, g in pairs if await bus.lag(t, g) or await bus.pending(t, g)]:
            await asyncio.sleep(0.05)
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the pipeline did not catch up")


def _query() -> Any:
    from services.alerts.store_api import AlertQuery

    return AlertQuery(limit=1000)
