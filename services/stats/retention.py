"""Retention of raw positions: whole daily partitions are dropped once older than the
configured age (default 180 days); the traffic aggregates are kept for ever.

Dropping a partition is a catalogue change and a file unlink: no DELETE of millions of rows,
no dead tuples, no vacuum, almost no WAL. A partition for day D (UTC) holds [D, D+1) and is
dropped when all of it is older than the age, so at least `keep_days` full days remain.
The aggregates never read raw positions again (only `seagrid stats backfill` does), so
reports of any period stay available; what is lost is the tracks and the ability to
back-fill those days.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import asyncpg

log = logging.getLogger(__name__)

DEFAULT_KEEP_DAYS = 180
_NAME = re.compile(r"^positions_p(\d{8})$")
_PARTITIONS = """
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'positions'::regclass ORDER BY c.relname"""


async def partitions(pool: asyncpg.Pool) -> dict[dt.date, str]:
    """The daily partitions of positions, by day."""
    out = {}
    for row in await pool.fetch(_PARTITIONS):
        match = _NAME.match(row["relname"])
        if match:
            out[dt.datetime.strptime(match.group(1), "%Y%m%d").date()] = row["relname"]
    return out


async def drop_old_positions(
    pool: asyncpg.Pool, keep_days: int = DEFAULT_KEEP_DAYS, *, now: dt.datetime | None = None
) -> list[dt.date]:
    """Drop the partitions entirely older than `keep_days` days before `now`; returns their days.

    Raises ValueError for keep_days < 1 (that would drop the day being written).
    """
    if keep_days < 1:
        raise ValueError(f"keep_days must be at least 1, not {keep_days}")
    now = now or dt.datetime.now(dt.UTC)
    cutoff = (now - dt.timedelta(days=keep_days)).date()  # days before this one go
    dropped = []
    for day, name in sorted((await partitions(pool)).items()):
        if day >= cutoff:
            break
        async with pool.acquire() as conn:
            await conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        log.info("dropped positions of %s (older than %d days)", day, keep_days)
        dropped.append(day)
    return dropped
