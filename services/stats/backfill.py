"""`seagrid stats backfill`: recompute the traffic aggregates of a period from raw positions.

For data stored before the aggregates existed (the migration creates them empty), after a
restore, or to fold in reports that arrived out of order (see `incremental.py`). The period
is cut into local days, each recomputed in its own transaction: its aggregate rows are
deleted and rebuilt by the same statement the writer runs per batch, with the vessels'
preceding reports read from raw positions (up to the visit gap before the day) instead of
`traffic_vessel_last`. So a back-fill of a period the writer already aggregated gives the
same rows, which the tests check. Run it over days that are no longer being written: a day
being back-filled while the writer adds to it would count the writer's rows twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg

from services.stats.incremental import REPORT_TZ, VISIT_GAP_HOURS, fold_sql

ZONE = ZoneInfo(REPORT_TZ)

_SOURCE = "SELECT mmsi, ts, lat, lon, speed, cell, office FROM positions WHERE ts >= $1 AND ts < $2"
_LOOKBACK = f"""
SELECT DISTINCT ON (mmsi) mmsi, ts, lat, lon, cell, office FROM positions
WHERE ts >= $1 - interval '{VISIT_GAP_HOURS} hours' AND ts < $1
ORDER BY mmsi, ts DESC, lat DESC, lon DESC"""
_FOLD_RANGE = fold_sql(_SOURCE, _LOOKBACK)
_CLEAR_PRESENCE = "DELETE FROM traffic_presence WHERE hour >= $1 AND hour < $2"
_CLEAR_DENSITY = "DELETE FROM traffic_density WHERE day = $1"
_SPAN = "SELECT min(ts), max(ts) FROM positions"


@dataclass(frozen=True, slots=True)
class BackfillResult:
    days: int
    positions: int


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of `day` in the reports' time zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(), ZONE)


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(ZONE).date()


async def backfill(
    pool: asyncpg.Pool, since: dt.date | None = None, until: dt.date | None = None
) -> BackfillResult:
    """Recompute the local days since <= day < until (default: every day with positions)."""
    if since is None or until is None:
        first, last = await pool.fetchrow(_SPAN)
        if first is None:
            return BackfillResult(0, 0)
        since = since or local_day(first)
        until = until or local_day(last) + dt.timedelta(days=1)
    days = positions = 0
    day = since
    while day < until:
        positions += await _backfill_day(pool, day)
        days += 1
        day += dt.timedelta(days=1)
    return BackfillResult(days, positions)


async def _backfill_day(pool: asyncpg.Pool, day: dt.date) -> int:
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_CLEAR_PRESENCE, start, end)
        await conn.execute(_CLEAR_DENSITY, day)
        await conn.execute(_FOLD_RANGE, start, end)
        count = await conn.fetchval(
            "SELECT count(*) FROM positions WHERE ts >= $1 AND ts < $2", start, end
        )
    return int(count)
