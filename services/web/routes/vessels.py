"""Vessels: the live picture by bbox or search, one vessel, and its track."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from services.web.deps import CurrentUser, Runtime, Time
from services.web.picture import in_bbox
from services.web.routes.search import name_index
from services.web.schemas import LiveVesselOut, Track, TrackPoint, VesselDetail, VesselList
from services.web.view import parse_bbox

router = APIRouter(prefix="/api/vessels", tags=["vessels"])

MMSI = Annotated[int, Path(ge=0, le=999_999_999, description="9-digit MMSI")]
MAX_TRACK_SPAN = 7 * 24 * 3600.0


@router.get("", response_model=VesselList)
async def vessels(
    runtime: Runtime,
    _user: CurrentUser,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    q: Annotated[
        str | None,
        Query(max_length=64, description="MMSI, IMO, name (AIS or configured) or call sign"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=20_000)] = 5000,
) -> VesselList:
    """Vessels in the live picture: inside `bbox`, matching `q`, or all (up to `limit`)."""
    picture = runtime.picture
    if q is not None:
        found = picture.search(q, limit)
        # the configuration's names of vessels (patrol boats: "海巡08608"), which AIS lacks
        seen = {v.state.mmsi for v in found}
        for named in name_index(runtime).find_vessels(q, limit):
            vessel = picture.get(named.mmsi)
            if vessel is not None and named.mmsi not in seen:
                found.insert(0, vessel)
        if bbox is not None:
            box = parse_bbox(bbox)
            found = [v for v in found if in_bbox(box, v.state.lon, v.state.lat)]
    elif bbox is not None:
        found = picture.in_bbox(parse_bbox(bbox))
    else:
        found = list(picture.placed())
    items = [LiveVesselOut(**v.live_json()) for v in found[:limit]]
    return VesselList(count=len(items), vessels=items)


@router.get("/{mmsi}", response_model=VesselDetail, responses={404: {"description": "unknown"}})
async def vessel(runtime: Runtime, user: CurrentUser, mmsi: MMSI) -> VesselDetail:
    """The vessel as live now, else as last heard (`live` false): from the picture's memory of
    vessels that left it (a dark vessel keeps its last position, course and speed), then
    from the database. With `record`: its alerts, cases, outcomes and measures of the last
    12 months."""
    from services.web.case_record import vessel_record

    picture = runtime.picture
    known = picture.last_known(mmsi)
    if known is not None and known.state.lat is not None:
        record = await vessel_record(runtime, user, mmsi)
        return VesselDetail(**known.detail_json(), live=picture.get(mmsi) is known, record=record)
    stored = await runtime.history.vessel(mmsi)
    if stored is None:
        raise HTTPException(404, f"no vessel {mmsi}")
    record = await vessel_record(runtime, user, mmsi)
    return VesselDetail(**stored.as_dict(), live=False, record=record)


@router.get("/{mmsi}/track", response_model=Track)
async def track(
    runtime: Runtime,
    _user: CurrentUser,
    mmsi: MMSI,
    since: Time = None,
    until: Time = None,
) -> Track:
    """Positions with since <= ts < until, oldest first (at most 7 days; default: the last
    hour before `until` or now). From PostgreSQL, or in demo mode from memory."""
    until_ = until if until is not None else time.time() + 60.0
    since_ = since if since is not None else until_ - 3600.0
    if since_ >= until_:
        raise HTTPException(400, "since must be before until")
    if until_ - since_ > MAX_TRACK_SPAN:
        raise HTTPException(400, "the time range may span at most 7 days")
    points = await runtime.history.track(mmsi, since_, until_)
    return Track(
        mmsi=mmsi,
        since=since_,
        until=until_,
        points=[
            TrackPoint(
                ts=p.ts, lat=p.lat, lon=p.lon, speed=p.speed, course=p.course, heading=p.heading
            )
            for p in points
        ],
    )
