"""History replay and patrol tasks: past positions of every vessel in a window, and the
open alerts of a user's office with bearing and distance from the user's own vessel."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from services.alerts.store_api import AlertQuery
from services.web.deps import CurrentUser, RequiredTime, Runtime
from services.web.routes.alerts import alert_out
from services.web.schemas import AlertOut, HistoryOut, HistoryPoint, TaskOut
from services.web.view import WORLD, parse_bbox

router = APIRouter(prefix="/api", tags=["history"])

MAX_WINDOW = 6 * 3600.0  # a replay of a watch's worth of traffic; longer: page through it
EARTH_NM = 3440.065


@router.get("/history", response_model=HistoryOut)
async def history(
    runtime: Runtime,
    _user: CurrentUser,
    since: RequiredTime,
    until: RequiredTime,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    limit: Annotated[int, Query(ge=1, le=200_000)] = 100_000,
) -> HistoryOut:
    """Every vessel's positions with since <= ts < until (at most 6 h) in `bbox`, oldest
    first, for replaying traffic on a timeline; `truncated` when `limit` cut it short."""
    if since >= until:
        raise HTTPException(400, "since must be before until")
    if until - since > MAX_WINDOW:
        raise HTTPException(400, "the window may span at most 6 hours")
    box = parse_bbox(bbox) if bbox is not None else WORLD
    points = await runtime.history.window(since, until, box, limit + 1)
    return HistoryOut(
        since=since,
        until=until,
        truncated=len(points) > limit,
        points=[HistoryPoint(**p) for p in points[:limit]],
    )


@router.get("/tasks", response_model=list[TaskOut])
async def tasks(runtime: Runtime, user: CurrentUser) -> list[TaskOut]:
    """Open alerts the user may see, oldest first; for a patrol crew with bearing (degrees
    true) and distance (nautical miles) from its own vessel's live position."""
    office = None if user.is_centre else user.office
    page = await runtime.alerts.list(
        AlertQuery(status=("open", "acknowledged"), office=office, active=True, limit=500)
    )
    own = runtime.picture.get(user.mmsi) if user.mmsi is not None else None
    here = (own.state.lat, own.state.lon) if own is not None else (None, None)
    items = sorted(page.items, key=lambda a: a.raised_at)
    return [_task(alert_out(alert, runtime.picture), *here) for alert in items]


def _task(alert: AlertOut, lat: float | None, lon: float | None) -> TaskOut:
    if lat is None or lon is None:
        return TaskOut(alert=alert, distance_nm=None, bearing_deg=None)
    distance, bearing = distance_bearing(lat, lon, alert.lat, alert.lon)
    return TaskOut(alert=alert, distance_nm=distance, bearing_deg=bearing)


def distance_bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
    """Great-circle distance (nm) and initial bearing (degrees true) from 1 to 2."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    distance = 2 * EARTH_NM * math.asin(min(1.0, math.sqrt(a)))
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    bearing = (math.degrees(math.atan2(y, x)) + 360.0) % 360.0
    return round(distance, 2), round(bearing, 1)
