"""Radar (CONTRACTS §12): the sites, the live radar tracks, and one vessel's radar view.

Radar-only targets have no MMSI, so they are not in `/api/vessels`; the map asks here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from services.radar.config import RadarConfig, RadarConfigError
from services.radar.picture import RadarPicture
from services.web.deps import CurrentUser, Runtime
from services.web.view import parse_bbox

router = APIRouter(prefix="/api/radar", tags=["radar"])


def _sites(runtime: Any) -> list[dict[str, Any]]:
    try:
        radars = RadarConfig.from_config(runtime.config).radars
    except RadarConfigError:
        return []
    return [
        {"id": r.id, "name": r.name, "lat": r.lat, "lon": r.lon, "range_nm": r.range_nm}
        for r in radars.values()
    ]


def _picture(runtime: Any) -> RadarPicture:
    stage = runtime.radar
    assert stage is not None  # WebRuntime always makes one
    picture: RadarPicture = stage.picture
    return picture


@router.get("")
async def radar(
    runtime: Runtime,
    _user: CurrentUser,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
) -> dict[str, Any]:
    """The radar sites and every live radar track (`radar_only`: no AIS vessel accounts
    for it; `confirmed` false: still tentative, possibly clutter), with recent positions."""
    box = parse_bbox(bbox) if bbox is not None else None
    tracks = _picture(runtime).current(box)
    return {"radars": _sites(runtime), "count": len(tracks), "tracks": tracks}


@router.get("/vessels/{mmsi}")
async def vessel_radar(
    runtime: Runtime,
    _user: CurrentUser,
    mmsi: Annotated[int, Path(ge=0, le=999_999_999)],
) -> dict[str, Any]:
    """Which radars see this vessel now and how far its AIS position is from each echo."""
    tracks = _picture(runtime).of_vessel(mmsi)
    live = runtime.picture.get(mmsi)
    sources = (["ais"] if live is not None else []) + (["radar"] if tracks else [])
    return {"mmsi": mmsi, "sources": sources, "tracks": tracks}
