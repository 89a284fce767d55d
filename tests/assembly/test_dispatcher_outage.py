"""The alert dispatcher waits out a database outage: the change in hand is retried with
back-off, nothing more is read meanwhile, and every change is stored once the database
answers again (PostgreSQL behind a TCP proxy that the test kills and restarts)."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest

from services.alerts.dispatcher import dispatcher_from_config
from services.alerts.model import Alert, AlertChange, alert_change_to_json, alert_id, alert_key
from services.alerts.store import PgAlertStore
from services.core import topics
from services.core.bus_memory import MemoryBus
from services.core.config import load_config
from services.core.db import open_database
from tests.assembly.feeding import until
from tests.assembly.procs import SMALL_CONFIG, Proxy

pytestmark = [pytest.mark.postgres]


def _encoded(change: AlertChange) -> bytes:
    return orjson.dumps(alert_change_to_json(change))


def _raised(mmsi: int, at: float) -> AlertChange:
    key = alert_key("speeding", mmsi, "fairway-1", None)
    alert = Alert(
        id=alert_id(key, at),
        rule=key[0],
        mmsi=mmsi,
        zone=key[2],
        office="shishi",
        severity="warning",
        status="open",
        raised_at=at,
        lat=24.8,
        lon=118.7,
    )
    return AlertChange("raised", alert, at=at)


async def test_dispatcher_stores_every_change_made_during_a_database_outage(
    own_db: str,
) -> None:
    pg_port = int(own_db.rsplit(":", 1)[1].split("/", 1)[0])
    proxy = Proxy(pg_port)
    proxy.start()
    pool = await open_database(own_db.replace(f":{pg_port}/", f":{proxy.port}/"))
    store = PgAlertStore(pool)
    dispatcher = dispatcher_from_config(load_config(SMALL_CONFIG), store)
    dispatcher.max_backoff = 0.5
    bus, stop = MemoryBus(), asyncio.Event()
    task = asyncio.create_task(dispatcher.run(bus, stop))
    now = time.time()
    try:
        await bus.publish(topics.ALERTS, [_encoded(_raised(412000001, now))])
        await until(lambda: _stored(dispatcher, 1), 10, "first change stored")
        proxy.stop()
        changes = [_raised(412000100 + i, now + i) for i in range(20)]
        await bus.publish(topics.ALERTS, [_encoded(c) for c in changes])
        await until(lambda: _retrying(dispatcher), 10, "retrying the store")
        await asyncio.sleep(3.0)
        assert not task.done()
        assert dispatcher.counts["changes"] == 1  # holding the one in hand, reading no more
        proxy.start()
        await until(lambda: _stored(dispatcher, 21), 30, "every change stored after")
        for change in changes:
            assert await store.get(change.alert.id) is not None
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await bus.close()
        await pool.close()
        proxy.stop()


async def _stored(dispatcher: object, n: int) -> bool:
    return bool(dispatcher.counts["changes"] >= n)  # type: ignore[attr-defined]


async def _retrying(dispatcher: object) -> bool:
    return bool(dispatcher.counts["store_retries"] > 0)  # type: ignore[attr-defined]
