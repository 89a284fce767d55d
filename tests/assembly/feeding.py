"""Records for the process tests, fed through the public bus, and what reached PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from services.core.bus import BusOptions
from services.core.bus_redis import RedisBus
from services.core.types import CellPosition, Position

START = time.time() - 3600.0  # an hour ago: inside today's or yesterday's partition


def stage_env(redis_url: str, database_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        "SEAGRID_REDIS_URL": redis_url,
        "SEAGRID_DATABASE__RETENTION_DAYS": "0",
        "SEAGRID_DATABASE__FLUSH_INTERVAL": "0.2",
        **extra,
    }
    if database_url is not None:
        env["SEAGRID_DATABASE_URL"] = database_url
    return env


def cell_positions(first: int, n: int) -> list[CellPosition]:
    """`n` distinct position reports of 50 vessels inside cell C-01 (shishi)."""
    return [
        CellPosition(
            mmsi=412000000 + i % 50,
            ts=START + i,
            lat=24.75 + (i // 50) * 1e-5,
            lon=118.65,
            cell="C-01",
            office="shishi",
            speed=5.0,
            course=0.0,
        )
        for i in range(first, first + n)
    ]


def position_time(i: int) -> float:
    """The time of report `i` of `positions()`."""
    return START + (i // 20) * 10.0


def positions(first: int, n: int) -> list[Position]:
    """`n` distinct reports of 20 vessels steaming slowly north inside the small grid."""
    return [
        Position(
            mmsi=412100000 + i % 20,
            ts=position_time(i),
            lat=24.72 + (i // 20) * 2.5e-4,
            lon=118.61 + (i % 20) * 1e-3,
            speed=5.0,
            course=0.0,
            source="test",
        )
        for i in range(first, first + n)
    ]


async def stored(url: str, *, since: float | None = None, before: float | None = None) -> int:
    """Positions stored; with `since` / `before`, only those in [since, before)."""
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT to_regclass('positions')") is None:
            return 0
        query = (
            "SELECT count(*) FROM positions WHERE ts >= to_timestamp($1) AND ts < to_timestamp($2)"
        )
        low = 0.0 if since is None else since
        high = 1e10 if before is None else before
        return int(await conn.fetchval(query, low, high))
    finally:
        await conn.close()


async def until(condition: object, timeout: float, what: str) -> None:
    """Poll an async `condition()` until true (the event loop stays free meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout} s")


async def publish(url: str, topic: str, records: list[object], chunk: int = 500) -> None:
    bus = RedisBus(url, BusOptions())
    try:
        for i in range(0, len(records), chunk):
            await bus.publish_records(topic, records[i : i + chunk])
    finally:
        await bus.close()


async def has(url: str, n: int, *, since: float | None = None, before: float | None = None) -> bool:
    return await stored(url, since=since, before=before) >= n
