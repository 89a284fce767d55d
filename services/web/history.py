"""Where past positions come from: PostgreSQL, or the picture's memory in demo mode.

`track` is one vessel's positions; `window` is every vessel's positions in a time range
and box, for the map's history replay. Both stores answer the same questions so the routes
do not care which mode runs.
"""

from __future__ import annotations

from typing import Any, Protocol

import asyncpg

from services.core.types import Position
from services.core.vessels import VesselState
from services.web.picture import LivePicture, in_bbox
from services.web.view import BBox

_WINDOW = """
SELECT mmsi, extract(epoch FROM ts)::float8 AS ts, lat, lon, speed, course, heading
FROM positions
WHERE ts >= to_timestamp($1::float8) AND ts < to_timestamp($2::float8)
  AND lat BETWEEN $3 AND $4 AND ({lon})
ORDER BY ts
LIMIT $7"""
_LON = "lon BETWEEN $5 AND $6"
_LON_WRAPS = "lon >= $5 OR lon <= $6"


class PositionHistory(Protocol):
    async def track(
        self, mmsi: int, since: float | None = None, until: float | None = None
    ) -> list[Position]: ...

    async def vessel(self, mmsi: int) -> VesselState | None: ...

    async def window(
        self, since: float, until: float, bbox: BBox, limit: int
    ) -> list[dict[str, Any]]:
        """Positions with since <= ts < until inside `bbox`, oldest first, at most `limit`."""


class MemoryHistory:
    """Demo mode: what the picture kept (the last `track_points` positions per vessel)."""

    def __init__(self, picture: LivePicture) -> None:
        self.picture = picture

    async def track(
        self, mmsi: int, since: float | None = None, until: float | None = None
    ) -> list[Position]:
        return self.picture.track(mmsi, since, until)

    async def vessel(self, mmsi: int) -> VesselState | None:
        known = self.picture.last_known(mmsi)
        return None if known is None else known.state

    async def window(
        self, since: float, until: float, bbox: BBox, limit: int
    ) -> list[dict[str, Any]]:
        found = [
            p
            for track in self.picture.tracks.values()
            for p in track
            if since <= p.ts < until and in_bbox(bbox, p.lon, p.lat)
        ]
        found.sort(key=lambda p: p.ts)
        return [
            _point(p.mmsi, p.ts, p.lat, p.lon, p.speed, p.course, p.heading) for p in found[:limit]
        ]


class PgHistory:
    """PostgreSQL: the positions the persist stage wrote (PositionStore for one vessel)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        from services.ingest.store import PositionStore

        self.pool = pool
        self.store = PositionStore(pool)

    async def track(
        self, mmsi: int, since: float | None = None, until: float | None = None
    ) -> list[Position]:
        return await self.store.track(mmsi, since, until)

    async def vessel(self, mmsi: int) -> VesselState | None:
        return await self.store.vessel(mmsi)

    async def window(
        self, since: float, until: float, bbox: BBox, limit: int
    ) -> list[dict[str, Any]]:
        min_lon, min_lat, max_lon, max_lat = bbox
        sql = _WINDOW.format(lon=_LON_WRAPS if min_lon > max_lon else _LON)
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(sql, since, until, min_lat, max_lat, min_lon, max_lon, limit)
        return [_point(*row) for row in rows]


def _point(
    mmsi: int,
    ts: float,
    lat: float,
    lon: float,
    speed: float | None,
    course: float | None,
    heading: int | None,
) -> dict[str, Any]:
    return {
        "mmsi": mmsi,
        "ts": ts,
        "lat": lat,
        "lon": lon,
        "speed": speed,
        "course": course,
        "heading": heading,
    }
