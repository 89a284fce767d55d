"""`GET /api/search`: places and vessels by any part of a name, in Chinese or English.

The search box of the map asks here as the user types: the configuration's places (centre,
offices, zones, cells) and its named vessels (patrol boats, by their Chinese and English
names), beside the live picture's vessels by AIS name, MMSI, IMO or call sign
(`services/web/search.py` says why the configuration's names need the server).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.web.deps import CurrentUser, Runtime
from services.web.runtime import WebRuntime
from services.web.schemas import SearchOut, SearchPlace, SearchVessel
from services.web.search import NameIndex

router = APIRouter(prefix="/api", tags=["search"])


def name_index(runtime: WebRuntime) -> NameIndex:
    """The index of the runtime's configuration, built once per configuration object."""
    cache: dict[int, NameIndex] = runtime.__dict__.setdefault("_name_index", {})
    key = id(runtime.config)
    if key not in cache:
        cache.clear()
        cache[key] = NameIndex.of(runtime.config)
    return cache[key]


@router.get("/search", response_model=SearchOut)
async def search(
    runtime: Runtime,
    _user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=64, description="any part of a name")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchOut:
    """Places whose id or zh/en name contains `q` (spaces and case ignored), then vessels:
    the configured ones whose name or MMSI contains it, and the live picture's matches."""
    return SearchOut(
        places=[SearchPlace(**p.to_json()) for p in name_index(runtime).find_places(q, limit)],
        vessels=[SearchVessel(**v) for v in vessel_hits(runtime, q, limit)],
    )


def vessel_hits(runtime: WebRuntime, q: str, limit: int) -> list[dict[str, Any]]:
    """Configured vessels first (their configured names), then the picture's by AIS data."""
    picture = runtime.picture
    out: dict[int, dict[str, Any]] = {}
    for named in name_index(runtime).find_vessels(q, limit):
        known = picture.last_known(named.mmsi)
        state = known.state if known is not None else None
        out[named.mmsi] = {
            "mmsi": named.mmsi,
            "name": named.name,
            "name_en": named.name_en,
            "ais_name": state.shipname if state is not None else None,
            "office": named.office,
            "lat": state.lat if state is not None else None,
            "lon": state.lon if state is not None else None,
            "live": picture.get(named.mmsi) is not None,
        }
    for vessel in picture.search(q, limit):
        if len(out) >= limit:
            break
        s = vessel.state
        out.setdefault(
            s.mmsi,
            {
                "mmsi": s.mmsi,
                "name": s.shipname,
                "name_en": None,
                "ais_name": s.shipname,
                "office": vessel.office,
                "lat": s.lat,
                "lon": s.lon,
                "live": True,
            },
        )
    return list(out.values())[:limit]
