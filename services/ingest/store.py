"""The position store: positions and vessel data in PostgreSQL.

Positions are buffered and written in batches with COPY, the fastest way into PostgreSQL.
They are copied into a per-connection staging table and moved with `INSERT ... ON CONFLICT
DO NOTHING` on the positions' identity (mmsi, ts, lat, lon), because the bus delivers at least
once: a batch written, then redelivered after a crash before its ack, must not be stored twice.
Times travel as Unix seconds and become timestamptz inside PostgreSQL (`to_timestamp`), which
saves building a datetime per row in Python.

The same transaction folds the batch into `vessels` (one row per MMSI: newest position and
merged static data), with the rules of `services.core.vessels.VesselState`: an older position
never moves a vessel back, and a None never erases a known value (how 24A and 24B combine).
Static reports are applied one by one in time order, so several reports of one vessel in one
batch merge exactly as they would arriving one at a time.

Positions carry the grid cell and office gridding found them in (`CellPosition`, NULL outside
the jurisdiction), written in the same COPY as the rest of the row: filling them later with
UPDATEs would rewrite every row of the hottest table a second time. A plain `Position` (not
gridded) is stored with NULL cell and office. `area_positions` answers "the positions in cell
X / of office Y between two times", what an office's statistics and reports need.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

import asyncpg

from services.core.types import STATIC_FIELDS, CellPosition, Position, VesselStatic
from services.core.vessels import VesselState
from services.stats.incremental import fold_sql

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000

_STAGING = "seagrid_positions_in"
_STAGING_COLUMNS = (
    "mmsi",
    "ts",
    "lat",
    "lon",
    "speed",
    "course",
    "turn",
    "heading",
    "status",
    "msg_type",
    "source",
    "mmsi_class",
    "cell",
    "office",
)
_row_of = attrgetter(*_STAGING_COLUMNS)

# Temporary, so every connection has its own and concurrent writers never meet; kept for the
# connection's life (emptied at commit) so COPY's cached statement for it stays valid.
_CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGING} (
    mmsi integer, ts float8, lat float8, lon float8, speed float8, course float8,
    turn float8, heading int2, status int2, msg_type int2, source text, mmsi_class text,
    cell text, office text
) ON COMMIT DELETE ROWS"""

_INSERT_POSITIONS = f"""
INSERT INTO positions (mmsi, ts, lat, lon, speed, course, turn, heading, status, msg_type, source,
                       cell, office)
SELECT mmsi, to_timestamp(ts), lat, lon, speed, course, turn, heading, status, msg_type, source,
       cell, office
FROM {_STAGING}"""
_SKIP_STORED = " ON CONFLICT (mmsi, ts, lat, lon) DO NOTHING"

# After a conflict, the rows this batch really inserted: only they may reach the statistics.
_NEW = "seagrid_positions_new"
_CREATE_NEW = f"""
CREATE TEMP TABLE IF NOT EXISTS {_NEW} (
    mmsi integer, ts timestamptz, lat float8, lon float8, speed float8, cell text, office text
) ON COMMIT DELETE ROWS"""
_INSERT_NEW = f"""
WITH inserted AS ({_INSERT_POSITIONS}{_SKIP_STORED} RETURNING mmsi, ts, lat, lon, speed, cell, office)
INSERT INTO {_NEW} SELECT * FROM inserted"""
_PARTITION = "SELECT seagrid_position_partition(DATE '1970-01-01' + $1::int)"
_STATS_ALL = fold_sql(
    f"SELECT mmsi, to_timestamp(ts) AS ts, lat, lon, speed, cell, office FROM {_STAGING}"
)
_STATS_NEW = fold_sql(f"SELECT mmsi, ts, lat, lon, speed, cell, office FROM {_NEW}")


def _newest(column: str, cast: str = "float8") -> str:
    """The batch's newest known value of numeric `column` for one MMSI.

    max() over [ts, value] arrays picks the newest row without the sort that
    `array_agg(... ORDER BY ts)` costs per column: the vessel fold took as long as the insert.
    """
    return f"(max(ARRAY[ts, {column}::float8]) FILTER (WHERE {column} IS NOT NULL))[2]::{cast}"


def _newest_text(column: str) -> str:
    return f"(array_agg({column} ORDER BY ts DESC) FILTER (WHERE {column} <> ''))[1]"


# ORDER BY mmsi: concurrent writers lock vessel rows in the same order, so cannot deadlock.
_UPSERT_LATEST = f"""
INSERT INTO vessels (mmsi, ts, mmsi_class, lat, lon, position_type, speed, course, heading,
                     status, turn, source, last_seen, updated_at)
SELECT mmsi, to_timestamp(max(ts)), {_newest_text("mmsi_class")}, {_newest("lat")},
       {_newest("lon")}, {_newest("msg_type", "int2")}, {_newest("speed")},
       {_newest("course")}, {_newest("heading", "int2")}, {_newest("status", "int2")},
       {_newest("turn")}, coalesce({_newest_text("source")}, ''), to_timestamp(max(ts)), now()
FROM {_STAGING} GROUP BY mmsi ORDER BY mmsi
ON CONFLICT (mmsi) DO UPDATE SET
    ts = EXCLUDED.ts, mmsi_class = EXCLUDED.mmsi_class, lat = EXCLUDED.lat,
    lon = EXCLUDED.lon, position_type = EXCLUDED.position_type,
    speed = coalesce(EXCLUDED.speed, vessels.speed),
    course = coalesce(EXCLUDED.course, vessels.course),
    heading = coalesce(EXCLUDED.heading, vessels.heading),
    status = coalesce(EXCLUDED.status, vessels.status),
    turn = coalesce(EXCLUDED.turn, vessels.turn),
    source = coalesce(nullif(EXCLUDED.source, ''), vessels.source),
    last_seen = greatest(vessels.last_seen, EXCLUDED.last_seen),
    updated_at = now()
WHERE vessels.ts IS NULL OR EXCLUDED.ts >= vessels.ts"""

_static_row_of = attrgetter("mmsi", "ts", "msg_type", *STATIC_FIELDS)
_NEWER_STATIC = "(vessels.static_ts IS NULL OR EXCLUDED.static_ts >= vessels.static_ts)"


def _merge_static(name: str) -> str:
    """Newer report: its value unless None. Older report: only fills a gap."""
    return (
        f"{name} = CASE WHEN {_NEWER_STATIC} THEN coalesce(EXCLUDED.{name}, vessels.{name}) "
        f"ELSE coalesce(vessels.{name}, EXCLUDED.{name}) END"
    )


_UPSERT_STATIC = f"""
INSERT INTO vessels (mmsi, static_ts, static_type, {", ".join(STATIC_FIELDS)}, last_seen, updated_at)
VALUES ($1, to_timestamp($2::float8), $3, {", ".join(f"${i}" for i in range(4, 4 + len(STATIC_FIELDS)))},
        to_timestamp($2::float8), now())
ON CONFLICT (mmsi) DO UPDATE SET
    {", ".join(_merge_static(name) for name in STATIC_FIELDS)},
    static_type = CASE WHEN {_NEWER_STATIC} THEN EXCLUDED.static_type ELSE vessels.static_type END,
    static_ts = greatest(vessels.static_ts, EXCLUDED.static_ts),
    last_seen = greatest(vessels.last_seen, EXCLUDED.last_seen),
    updated_at = now()"""

_TRACK = """
SELECT mmsi, extract(epoch FROM ts)::float8 AS ts, lat, lon, speed, course, heading, status,
       turn, msg_type, source
FROM positions
WHERE mmsi = $1 AND ts >= to_timestamp($2::float8) AND ts < to_timestamp($3::float8)
ORDER BY ts
LIMIT $4"""

# Served by the partial indexes (cell, ts) and (office, ts) of migration 0006.
_AREA = """
SELECT p.mmsi, extract(epoch FROM p.ts)::float8 AS ts, p.lat, p.lon, p.cell, p.office, p.speed,
       p.course, p.heading, p.status, p.turn, p.msg_type, p.source,
       coalesce(v.mmsi_class, 'ship') AS mmsi_class
FROM positions p LEFT JOIN vessels v ON v.mmsi = p.mmsi
WHERE {where} AND p.ts >= to_timestamp({since}::float8) AND p.ts < to_timestamp({until}::float8)
ORDER BY p.ts, p.mmsi
LIMIT {limit}"""

_VESSEL_TIMES = ("ts", "static_ts", "last_seen")
_VESSEL_FIELDS = tuple(f.name for f in fields(VesselState))
_VESSEL = f"""
SELECT {", ".join(f"extract(epoch FROM {n})::float8 AS {n}" if n in _VESSEL_TIMES else n for n in _VESSEL_FIELDS)}
FROM vessels WHERE mmsi = $1"""


class InvalidRecord(ValueError):
    """A record the store refuses; nothing of the call that passed it was buffered."""


@dataclass(frozen=True, slots=True)
class FlushResult:
    """What one flush wrote: `inserted` < `positions` when some were already stored."""

    positions: int = 0
    inserted: int = 0
    statics: int = 0


class PositionStore:
    """Buffers positions and static reports and writes them in batches.

    `add` and `add_static` only buffer (no IO); `flush` writes everything buffered, in
    transactions of at most `batch_size` positions, and returns once it is committed. A
    failed flush keeps what it could not write, so the caller can retry or `discard` it.
    """

    def __init__(self, pool: asyncpg.Pool, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.pool = pool
        self.batch_size = batch_size
        self._positions: list[CellPosition] = []
        self._statics: list[VesselStatic] = []
        # One flush at a time: a second caller waits, then finds its records committed.
        self._lock = asyncio.Lock()
        self._days: set[int] = set()  # UTC days (Unix days) whose partition is known to exist
        self.fold_seconds = 0.0  # time spent folding batches into the statistics (bench/stats.py)

    @property
    def pending(self) -> int:
        """Records buffered and not yet committed."""
        return len(self._positions) + len(self._statics)

    def add(self, positions: Iterable[CellPosition | Position]) -> None:
        """Buffer positions; raises InvalidRecord (buffering none of them) if one is invalid.

        A `Position` has no cell: it is stored with NULL cell and office.
        """
        batch = [p if isinstance(p, CellPosition) else _ungridded(p) for p in positions]
        if not all(map(_plainly_valid, batch)):
            _check(batch, position_problem)
        self._positions.extend(batch)

    def add_static(self, statics: Iterable[VesselStatic]) -> None:
        """Buffer static reports; raises InvalidRecord (buffering none) if one is invalid."""
        batch = list(statics)
        _check(batch, static_problem)
        self._statics.extend(batch)

    def discard(self) -> int:
        """Drop everything buffered (after a failure the caller will not retry); returns how many."""
        dropped = self.pending
        self._positions.clear()
        self._statics.clear()
        return dropped

    async def flush(self) -> FlushResult:
        """Write what is buffered when called; returns once committed. Errors propagate.

        Records added while it runs wait for the next flush, so that a caller who noted what
        it had added before calling knows exactly what is committed when this returns.
        """
        async with self._lock:
            statics = await self._flush_statics()
            positions = inserted = 0
            remaining = len(self._positions)
            while remaining:
                chunk = self._positions[: min(self.batch_size, remaining)]
                inserted += await self._write_positions(chunk)
                positions += len(chunk)
                remaining -= len(chunk)
                del self._positions[: len(chunk)]
        return FlushResult(positions, inserted, statics)

    async def _write_positions(self, chunk: Sequence[CellPosition]) -> int:
        """Store `chunk` and fold what it adds into the traffic statistics, in one transaction."""
        await self._ensure_partitions(chunk)
        try:
            return await self._write_chunk(chunk)
        except asyncpg.CheckViolationError:
            # "no partition found for row": a day's partition was dropped (retention) after
            # this store last saw it. Ask again for every day, once.
            self._days.clear()
            await self._ensure_partitions(chunk)
            return await self._write_chunk(chunk)

    async def _write_chunk(self, chunk: Sequence[CellPosition]) -> int:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_CREATE_STAGING)
            await conn.copy_records_to_table(
                _STAGING, records=map(_row_of, chunk), columns=_STAGING_COLUMNS
            )
            inserted, stats = await _insert_positions(conn)
            await conn.execute(_UPSERT_LATEST)
            started = time.perf_counter()
            await conn.execute(stats)
            self.fold_seconds += time.perf_counter() - started
        return inserted

    async def _ensure_partitions(self, chunk: Sequence[CellPosition]) -> None:
        """Create the daily partitions `chunk` needs, each in its own short transaction.

        Not inside the write: CREATE TABLE ... PARTITION OF locks the parent table, and held
        to the end of a batch it would stall every reader of positions meanwhile.
        """
        missing = {int(p.ts // 86400) for p in chunk} - self._days
        if not missing:
            return
        async with self.pool.acquire() as conn:
            for day in sorted(missing):
                await conn.execute(_PARTITION, day)
        self._days |= missing

    async def write(
        self, positions: Sequence[CellPosition], statics: Sequence[VesselStatic]
    ) -> FlushResult:
        """Write these records now, past the buffer (statics, then positions, a transaction
        each); errors propagate. For telling which records of a rejected flush PostgreSQL
        refuses: the buffer, which others keep filling meanwhile, is left alone."""
        async with self._lock:
            if statics:
                await self._write_statics(statics)
            inserted = await self._write_positions(positions) if positions else 0
        return FlushResult(len(positions), inserted, len(statics))

    async def _flush_statics(self) -> int:
        if not self._statics:
            return 0
        taken = len(self._statics)
        await self._write_statics(self._statics[:taken])
        del self._statics[:taken]
        return taken

    async def _write_statics(self, statics: Sequence[VesselStatic]) -> None:
        # Time order within a vessel for the merge rules; MMSI order so writers never deadlock.
        rows = sorted(map(_static_row_of, statics), key=lambda r: (r[0], r[1]))
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.executemany(_UPSERT_STATIC, rows)

    async def track(
        self,
        mmsi: int,
        since: float | None = None,
        until: float | None = None,
        *,
        limit: int = 100_000,
    ) -> list[Position]:
        """Stored positions of `mmsi` with since <= ts < until (Unix seconds), oldest first."""
        lower = float("-inf") if since is None else since
        upper = float("inf") if until is None else until
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(_TRACK, mmsi, lower, upper, limit)
            mmsi_class = await conn.fetchval("SELECT mmsi_class FROM vessels WHERE mmsi = $1", mmsi)
        extra = {"mmsi_class": mmsi_class} if mmsi_class else {}
        return [Position(**dict(row), **extra) for row in rows]

    async def area_positions(
        self,
        *,
        cell: str | None = None,
        office: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100_000,
    ) -> list[CellPosition]:
        """Stored positions in `cell` and/or of `office` with since <= ts < until, oldest first.

        Raises ValueError when neither is given: the whole table is not an area.
        """
        if cell is None and office is None:
            raise ValueError("area_positions needs a cell or an office")
        args: list[object] = []
        conditions = []
        for column, value in (("cell", cell), ("office", office)):
            if value is not None:
                args.append(value)
                conditions.append(f"p.{column} = ${len(args)}")
        n = len(args)
        sql = _AREA.format(
            where=" AND ".join(conditions), since=f"${n + 1}", until=f"${n + 2}", limit=f"${n + 3}"
        )
        args += [float("-inf") if since is None else since, math.inf if until is None else until]
        args.append(limit)
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(sql, *args)
        return [CellPosition(**dict(row)) for row in rows]

    async def vessel(self, mmsi: int) -> VesselState | None:
        """Everything stored about `mmsi`, merged; None if it was never heard."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_VESSEL, mmsi)
        return None if row is None else VesselState(**dict(row))


async def _insert_positions(conn: asyncpg.Connection) -> tuple[int, str]:
    """Move the staged rows into positions, skipping any already stored; returns how many
    were inserted and the statement that folds exactly those into the statistics.

    A plain INSERT first, in a savepoint: ON CONFLICT's speculative insertion costs a third
    more per row, and a conflict only happens when a batch is delivered again. Then the
    inserted rows are kept aside (RETURNING), so that a redelivered batch counts once.
    """
    try:
        async with conn.transaction():
            status = str(await conn.execute(_INSERT_POSITIONS))
        return int(status.rsplit(" ", 1)[1]), _STATS_ALL
    except asyncpg.UniqueViolationError:
        await conn.execute(_CREATE_NEW)
        status = str(await conn.execute(_INSERT_NEW))
        return int(status.rsplit(" ", 1)[1]), _STATS_NEW


def position_problem(pos: CellPosition | Position) -> str | None:
    """Why `pos` cannot be stored, or None. Pure: the persist stage checks before buffering."""
    return _first_problem(
        _int_problem("mmsi", pos.mmsi, 0, 999_999_999),
        _float_problem("ts", pos.ts),
        _float_problem("lat", pos.lat, -90.0, 90.0),
        _float_problem("lon", pos.lon, -180.0, 180.0),
        _float_problem("speed", pos.speed, optional=True),
        _float_problem("course", pos.course, optional=True),
        _float_problem("turn", pos.turn, optional=True),
        _int_problem("heading", pos.heading, 0, 511, optional=True),
        _int_problem("status", pos.status, 0, 15, optional=True),
        _int_problem("msg_type", pos.msg_type, 1, 27),
        _text_problem("source", pos.source),
        _text_problem("mmsi_class", pos.mmsi_class),
        _text_problem("cell", getattr(pos, "cell", None), optional=True),
        _text_problem("office", getattr(pos, "office", None), optional=True),
    )


def static_problem(static: VesselStatic) -> str | None:
    """Why `static` cannot be stored, or None. Ranges are those of the AIS fields."""
    return _first_problem(
        _int_problem("mmsi", static.mmsi, 0, 999_999_999),
        _float_problem("ts", static.ts),
        _int_problem("msg_type", static.msg_type, 1, 27),
        _int_problem("imo", static.imo, 0, 2**31 - 1, optional=True),
        _int_problem("ship_type", static.ship_type, 0, 255, optional=True),
        _int_problem("to_bow", static.to_bow, 0, 511, optional=True),
        _int_problem("to_stern", static.to_stern, 0, 511, optional=True),
        _int_problem("to_port", static.to_port, 0, 63, optional=True),
        _int_problem("to_starboard", static.to_starboard, 0, 63, optional=True),
        _float_problem("draught", static.draught, 0.0, optional=True),
        *(
            _text_problem(name, getattr(static, name), optional=True)
            for name in ("shipname", "callsign", "destination", "eta", "source")
        ),
    )


_NUMBER = (float, int)


def _ungridded(p: Position) -> CellPosition:
    """`p` with no cell and no office (field by field: dataclasses.asdict deep-copies)."""
    return CellPosition(
        p.mmsi, p.ts, p.lat, p.lon, None, None, p.speed, p.course, p.heading, p.status, p.turn,
        p.msg_type, p.source, p.mmsi_class,
    )  # fmt: skip


def _plainly_valid(p: CellPosition) -> bool:
    """The common case, checked at a fifth of `position_problem`'s cost; False means look closer.

    Comparisons are False for NaN, so NaN fails here too.
    """
    return (
        type(p.mmsi) is int
        and 0 <= p.mmsi <= 999_999_999
        and type(p.ts) in _NUMBER
        and -1e11 < p.ts < 1e11
        and type(p.lat) in _NUMBER
        and -90.0 <= p.lat <= 90.0
        and type(p.lon) in _NUMBER
        and -180.0 <= p.lon <= 180.0
        and (p.speed is None or (type(p.speed) in _NUMBER and -1e9 < p.speed < 1e9))
        and (p.course is None or (type(p.course) in _NUMBER and -1e9 < p.course < 1e9))
        and (p.turn is None or (type(p.turn) in _NUMBER and -1e9 < p.turn < 1e9))
        and (p.heading is None or (type(p.heading) is int and 0 <= p.heading <= 511))
        and (p.status is None or (type(p.status) is int and 0 <= p.status <= 15))
        and type(p.msg_type) is int
        and 1 <= p.msg_type <= 27
        and type(p.source) is str
        and "\x00" not in p.source
        and type(p.mmsi_class) is str
        and "\x00" not in p.mmsi_class
        and (p.cell is None or (type(p.cell) is str and "\x00" not in p.cell))
        and (p.office is None or (type(p.office) is str and "\x00" not in p.office))
    )


def _first_problem(*problems: str | None) -> str | None:
    return next((p for p in problems if p is not None), None)


def _int_problem(
    name: str, value: object, low: int, high: int, *, optional: bool = False
) -> str | None:
    if value is None:
        return None if optional else f"{name} is missing"
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{name} {value!r} is not an integer"
    if not low <= value <= high:
        return f"{name} {value} outside {low}..{high}"
    return None


def _float_problem(
    name: str,
    value: object,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    optional: bool = False,
) -> str | None:
    if value is None:
        return None if optional else f"{name} is missing"
    if not isinstance(value, int | float) or isinstance(value, bool):
        return f"{name} {value!r} is not a number"
    if not math.isfinite(value) or not low <= value <= high:
        return f"{name} {value} outside {low:g}..{high:g}"
    return None


def _text_problem(name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None:
        return None if optional else f"{name} is missing"
    if not isinstance(value, str):
        return f"{name} {value!r} is not text"
    if "\x00" in value:
        return f"{name} contains a NUL character"  # PostgreSQL text cannot hold one
    return None


def _check(records: Sequence[Any], problem: Callable[[Any], str | None]) -> None:
    for index, record in enumerate(records):
        reason = problem(record)
        if reason is not None:
            raise InvalidRecord(f"record {index} (mmsi {record.mmsi!r}): {reason}")
