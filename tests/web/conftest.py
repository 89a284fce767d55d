"""A real web service for the tests: uvicorn on a free loopback port, real HTTP and
WebSocket clients, the demo configuration, the in-process bus, and the dispatcher writing
alert changes into the memory alert store, as `seagrid serve --demo` does.

Positions, static reports and alert changes enter through the bus, like the pipeline's
would (`Env.positions`, `Env.alert`), so every test goes through the web stage's real path.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from services.alerts.dispatcher import DispatcherStage
from services.alerts.memory_store import MemoryAlertStore
from services.alerts.model import Alert, AlertChange, alert_change_to_json, alert_id, alert_key
from services.core import topics
from services.core.bus_memory import MemoryBus
from services.core.codec import encode
from services.core.config import SeagridConfig, load_config
from services.core.settings import DEMO_CONFIG_DIR
from services.core.types import CellPosition, VesselStatic
from services.web.app import create_app
from services.web.auth import TokenSigner, User
from services.web.history import MemoryHistory
from services.web.runtime import WebRuntime, build_web_stage
from services.web.settings import WebSettings
from services.web.users import MemoryUserStore

PASSWORD = "correct horse"
# One user per role; office users of two offices so "another office" can be tested.
USERS = {
    "op": User("op", "operator"),
    "sup": User("sup", "supervisor"),
    "adm": User("adm", "admin"),
    "shishi": User("shishi", "office", office="shishi"),
    "huian": User("huian", "office", office="huian"),
    "crew": User("crew", "patrol", office="shishi", mmsi=413990604),
}


@pytest.fixture(scope="session")
def demo_config() -> SeagridConfig:
    return load_config(DEMO_CONFIG_DIR)


_USER_STORES: dict[frozenset[str], MemoryUserStore] = {}


async def user_store(config: SeagridConfig) -> MemoryUserStore:
    """The test users, hashed once per session (scrypt is slow on purpose)."""
    offices = config.office_ids()
    if offices not in _USER_STORES:
        store = MemoryUserStore(offices)
        for user in USERS.values():
            await store.add(user, PASSWORD)
        _USER_STORES[offices] = store
    return _USER_STORES[offices].copy()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Env:
    runtime: WebRuntime
    base: str
    http: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/ws/live"

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    async def positions(self, *positions: CellPosition) -> None:
        await self.runtime.bus.publish(topics.CELL_POSITIONS, [encode(p) for p in positions])

    async def static(self, *statics: VesselStatic) -> None:
        await self.runtime.bus.publish(topics.STATIC, [encode(s) for s in statics])

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until the web stage and dispatcher have read everything published."""
        bus, group = self.runtime.bus, self.runtime.web.group
        deadline = time.monotonic() + timeout
        pairs = [(t, group) for t in (topics.CELL_POSITIONS, topics.STATIC, topics.ALERTS)]
        pairs.append((topics.ALERTS, "dispatcher"))
        while time.monotonic() < deadline:
            busy = [1 for t, g in pairs if await bus.lag(t, g) or await bus.pending(t, g)]
            if not busy:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the web stage did not catch up")

    async def alert(self, change: str = "raised", **fields: Any) -> Alert:
        """Publish an alert change on ALERTS (as the alerts stage does); returns the alert."""
        alert = make_alert(**fields)
        payload = alert_change_to_json(AlertChange(change, alert, at=alert.raised_at))
        await self.runtime.bus.publish(topics.ALERTS, [orjson.dumps(payload)])
        await self.settle()
        return alert


def make_position(mmsi: int = 412000001, lat: float = 24.75, lon: float = 118.7, **kw: Any):
    base = {"ts": time.time(), "cell": None, "office": None, "speed": 5.0, "course": 90.0}
    base.update(kw)
    return CellPosition(mmsi=mmsi, lat=lat, lon=lon, **base)


def make_alert(
    rule: str = "zone_entry",
    mmsi: int = 412000001,
    office: str = "shishi",
    zone: str | None = "restricted-1",
    status: str = "open",
    raised_at: float | None = None,
    **kw: Any,
) -> Alert:
    raised = raised_at if raised_at is not None else time.time()
    key = alert_key(rule, mmsi, zone, kw.get("other_mmsi"))
    return Alert(
        id=kw.pop("id", alert_id(key, raised)),
        rule=rule,
        mmsi=mmsi,
        office=office,
        severity=kw.pop("severity", "warning"),
        status=status,
        raised_at=raised,
        lat=kw.pop("lat", 24.75),
        lon=kw.pop("lon", 118.7),
        zone=zone,
        **kw,
    )


async def make_runtime(
    config: SeagridConfig, settings: WebSettings | None = None, **runtime_kw: Any
) -> WebRuntime:
    """The demo runtime without the demo feed: the tests publish what the pipeline would."""
    settings = settings or WebSettings(tick=0.1, track_points=100)
    web = build_web_stage(settings, demo=True)
    store = runtime_kw.pop("alerts", None) or MemoryAlertStore()
    users = runtime_kw.pop("users", None) or await user_store(config)
    return WebRuntime(
        config=config,
        settings=settings,
        bus=MemoryBus(),
        signer=TokenSigner(b"0123456789abcdef0123456789abcdef", settings.token_ttl),
        users=users,
        alerts=store,
        history=runtime_kw.pop("history", MemoryHistory(web.picture)),
        web=web,
        stages=runtime_kw.pop("stages", [DispatcherStage(store, config.centre.id)]),
        demo=True,
        **runtime_kw,
    )


async def start_env(
    config: SeagridConfig, settings: WebSettings | None = None, **runtime_kw: Any
) -> AsyncIterator[Env]:
    runtime = await make_runtime(config, settings, **runtime_kw)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime),
            host="127.0.0.1",
            port=port,
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            log_level="warning",
            lifespan="on",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.01)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=10.0) as http:
        env = Env(runtime, base, http)
        for name, user in USERS.items():  # logging in is tested on its own (test_api)
            env.tokens[name] = runtime.signer.issue(user, time.time())[0]
        try:
            yield env
        finally:
            server.should_exit = True
            await serving
            await runtime.bus.close()


@pytest.fixture
async def env(demo_config: SeagridConfig) -> AsyncIterator[Env]:
    async for e in start_env(demo_config):
        yield e
