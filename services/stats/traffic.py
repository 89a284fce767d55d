"""Traffic figures of an area (the jurisdiction or one office) over a period, read from the
aggregates (`traffic_presence`, `traffic_density`), never from raw positions.

Definitions (docs/reports.md): a vessel counts once per period however many cells and hours
it was seen in; a vessel-hour is one vessel seen in one UTC hour (in the area); entries and
exits are crossings of cell boundaries (`incremental.py`). Ship group and size class are the
vessel's as stored now in `vessels`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import numpy as np

from services.stats.incremental import RASTER_PER_DEGREE, REPORT_TZ


@dataclass(frozen=True, slots=True)
class Area:
    """A period [start, end) of local days and the office it is limited to (None: all)."""

    start: dt.date
    end: dt.date
    office: str | None = None

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        from services.stats.backfill import local_midnight

        return local_midnight(self.start), local_midnight(self.end)


@dataclass(slots=True)
class TrafficFigures:
    vessels: int = 0
    vessel_hours: int = 0
    positions: int = 0
    entries: int = 0
    exits: int = 0
    mean_speed: float | None = None
    max_speed: float | None = None
    days: list[dict[str, Any]] = field(default_factory=list)  # day, vessels, vessel_hours, entries
    groups: list[dict[str, Any]] = field(default_factory=list)  # ship_group, vessels, vessel_hours
    sizes: list[dict[str, Any]] = field(default_factory=list)  # size_class, vessels
    cells: list[dict[str, Any]] = field(default_factory=list)  # per cell, busiest first


WORK_MEM = "64MB"
_WHERE = "p.hour >= $1 AND p.hour < $2 AND ($3::text IS NULL OR p.office = $3)"
# Vessel-hours of the area: presence rows grouped to (hour, vessel) by hashing, which is far
# cheaper than count(DISTINCT (hour, mmsi)) over records (a sort of every row).
_VESSEL_HOURS = f"""
CREATE TEMP TABLE report_vessel_hours ON COMMIT DROP AS
SELECT p.hour, p.mmsi, (p.hour AT TIME ZONE '{REPORT_TZ}')::date AS day
FROM traffic_presence p WHERE {_WHERE} AND p.positions > 0 GROUP BY p.hour, p.mmsi"""
_TOTALS = f"""
SELECT (SELECT count(DISTINCT mmsi) FROM report_vessel_hours) AS vessels,
       (SELECT count(*) FROM report_vessel_hours) AS vessel_hours,
       coalesce(sum(p.positions), 0) AS positions, coalesce(sum(p.entries), 0) AS entries,
       coalesce(sum(p.exits), 0) AS exits,
       sum(p.speed_dk) / 10.0 / nullif(sum(p.speed_n), 0) AS mean_speed,
       max(p.speed_max) AS max_speed
FROM traffic_presence p WHERE {_WHERE}"""
_DAYS = f"""
SELECT h.day, h.vessels, h.vessel_hours, coalesce(e.entries, 0) AS entries
FROM (SELECT day, count(DISTINCT mmsi) AS vessels, count(*) AS vessel_hours
      FROM report_vessel_hours GROUP BY day) h
LEFT JOIN (SELECT (p.hour AT TIME ZONE '{REPORT_TZ}')::date AS day, sum(p.entries) AS entries
           FROM traffic_presence p WHERE {_WHERE} GROUP BY 1) e ON e.day = h.day
ORDER BY h.day"""
_GROUPS = """
SELECT seagrid_ship_group(v.ship_type) AS ship_group, count(DISTINCT h.mmsi) AS vessels,
       count(*) AS vessel_hours
FROM report_vessel_hours h LEFT JOIN vessels v ON v.mmsi = h.mmsi
GROUP BY 1 ORDER BY 3 DESC, 1"""
_SIZES = """
SELECT size_class, count(*) AS vessels
FROM (SELECT DISTINCT h.mmsi, seagrid_size_class(v.to_bow, v.to_stern) AS size_class
      FROM report_vessel_hours h LEFT JOIN vessels v ON v.mmsi = h.mmsi) s
GROUP BY 1
ORDER BY array_position(ARRAY['lt25', '25_50', '50_100', '100_200', 'ge200', 'unknown'], size_class)"""
_CELLS = f"""
SELECT p.cell, min(p.office) AS office,
       count(DISTINCT p.mmsi) FILTER (WHERE p.positions > 0) AS vessels,
       count(*) FILTER (WHERE p.positions > 0) AS vessel_hours,
       sum(p.entries) AS entries, sum(p.exits) AS exits,
       sum(p.speed_dk) / 10.0 / nullif(sum(p.speed_n), 0) AS mean_speed,
       max(p.speed_max) AS max_speed
FROM traffic_presence p WHERE {_WHERE} GROUP BY 1 ORDER BY 4 DESC, 1"""
_DENSITY = """
SELECT gx, gy, sum(positions) AS n FROM traffic_density
WHERE day >= $1 AND day < $2 AND ($3::text IS NULL OR ship_group = $3) GROUP BY 1, 2"""


async def traffic(pool: asyncpg.Pool, area: Area) -> TrafficFigures:
    args = (*area.bounds(), area.office)
    async with pool.acquire() as conn, conn.transaction():
        # a quarter's vessel-hours are a few hundred thousand rows: sort and hash them in
        # memory rather than in temporary files (the default work_mem is 4 MB)
        await conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        await conn.execute(_VESSEL_HOURS, *args)
        totals = await conn.fetchrow(_TOTALS, *args)
        figures = TrafficFigures(**{k: _plain(v) for k, v in dict(totals).items()})
        figures.days = [_row(r) for r in await conn.fetch(_DAYS, *args)]
        figures.groups = [_row(r) for r in await conn.fetch(_GROUPS)]
        figures.sizes = [_row(r) for r in await conn.fetch(_SIZES)]
        figures.cells = [_row(r) for r in await conn.fetch(_CELLS, *args)]
    return figures


@dataclass(frozen=True, slots=True)
class Density:
    """Reports per raster square: `grid[row, col]` is the square whose south-west corner is
    (lat0 + row / per_degree, lon0 + col / per_degree)."""

    grid: np.ndarray
    lon0: float
    lat0: float
    per_degree: int = RASTER_PER_DEGREE

    @property
    def total(self) -> int:
        return int(self.grid.sum())


async def density(
    pool: asyncpg.Pool,
    start: dt.date,
    end: dt.date,
    bbox: tuple[float, float, float, float],
    ship_group: str | None = None,
) -> Density:
    """The raster over `bbox` (min lon, min lat, max lon, max lat) for local days [start, end).

    The office is not a filter here: the raster is of the water, and a report of one office
    draws the whole jurisdiction with its own cells outlined.
    """
    k = RASTER_PER_DEGREE
    gx0, gy0 = int(np.floor(bbox[0] * k)), int(np.floor(bbox[1] * k))
    width, height = int(np.floor(bbox[2] * k)) - gx0 + 1, int(np.floor(bbox[3] * k)) - gy0 + 1
    grid = np.zeros((height, width), dtype=np.int64)
    for row in await pool.fetch(_DENSITY, start, end, ship_group):
        x, y = row["gx"] - gx0, row["gy"] - gy0
        if 0 <= x < width and 0 <= y < height:
            grid[y, x] += row["n"]
    return Density(grid, gx0 / k, gy0 / k)


def _plain(value: Any) -> Any:
    """Decimals (from numeric sums) as floats, so figures format and serialise alike."""
    if value is None or isinstance(value, int | float | str | dt.date):
        return value
    return float(value)


def _row(record: asyncpg.Record) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dict(record).items()}
