"""Offices, cells and zones as GeoJSON, live counts per cell, the basemap and the UI config."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from shapely.geometry import mapping

from services.alerts.model import iso_utc
from services.core.config import SeagridConfig
from services.web.deps import CurrentUser, Runtime
from services.web.routes.auth import user_out
from services.web.runtime import WebRuntime
from services.web.schemas import CellCount, FeatureCollection, OfficeOut, UIConfig
from services.web.search import english_names

router = APIRouter(prefix="/api", tags=["geography"])

BASEMAP_FILE = "land.geojson"


@router.get("/offices", response_model=list[OfficeOut])
async def offices(runtime: Runtime, _user: CurrentUser) -> list[OfficeOut]:
    """The centre first, then the offices, with vessels and open alerts in their waters now."""
    return office_list(runtime)


def office_list(runtime: WebRuntime) -> list[OfficeOut]:
    config = runtime.config
    vessels = runtime.picture.office_counts()
    alerts = Counter(office for office, _, _ in runtime.web.open_alerts.values())
    english = _english_names(config)
    centre = OfficeOut(
        id=config.centre.id,
        name=config.centre.name,
        name_en=english.get(config.centre.id),
        centre=True,
        vessels=sum(vessels.values()),
        open_alerts=alerts[config.centre.id],
    )
    return [centre] + [
        OfficeOut(
            id=o.id,
            name=o.name,
            name_en=english.get(o.id),
            parent=o.parent,
            vessels=vessels.get(o.id, 0),
            open_alerts=alerts[o.id],
        )
        for o in config.offices
    ]


@router.get("/cells", response_model=FeatureCollection)
async def cells(runtime: Runtime, _user: CurrentUser) -> Response:
    return _geojson(runtime, "cells", _cells_geojson)


@router.get("/cells/counts", response_model=list[CellCount])
async def cell_counts(runtime: Runtime, _user: CurrentUser) -> list[CellCount]:
    """Vessels in each cell now (every cell listed, zero included)."""
    counts = runtime.picture.cell_counts()
    return [
        CellCount(cell=c.id, office=c.office, vessels=counts.get(c.id, 0))
        for c in runtime.config.cells
    ]


@router.get("/zones", response_model=FeatureCollection)
async def zones(runtime: Runtime, _user: CurrentUser) -> Response:
    """The configuration's zones, and the waterworks register's sites and the notices'
    temporary restricted areas while active (what the rules use as zones now)."""
    response = _geojson(runtime, "zones", _zones_geojson)
    if runtime.info is None:
        return response
    from services.web.routes.notices import active_notice_zone_features
    from services.web.routes.waterworks import active_zone_features

    now = runtime.info.clock()
    live = active_zone_features(await runtime.info.waterworks(), now)
    live += active_notice_zone_features(await runtime.info.notices(), now)
    if not live:
        return response
    collection = orjson.loads(response.body)
    collection["features"] += live
    return Response(orjson.dumps(collection), media_type="application/geo+json")


@router.get("/basemap", response_model=FeatureCollection)
async def basemap(runtime: Runtime, _user: CurrentUser) -> Response:
    """Land polygons of the configuration (`land.geojson`), so the map draws offline."""
    path = Path(runtime.config.directory) / BASEMAP_FILE
    if not path.is_file():
        raise HTTPException(404, f"the configuration has no {BASEMAP_FILE}")
    return Response(path.read_bytes(), media_type="application/geo+json")


@router.get("/config/ui", response_model=UIConfig)
async def ui_config(runtime: Runtime, user: CurrentUser) -> UIConfig:
    """What the map needs at start: offices, extent, tile URL, language, the user."""
    all_offices = office_list(runtime)
    return UIConfig(
        centre=all_offices[0],
        offices=all_offices[1:],
        tile_url=runtime.settings.tile_url,
        language=runtime.settings.language,
        default_lang=runtime.settings.language,
        languages=["zh-CN", "en"],
        bbox=_extent(runtime.config),
        tick=runtime.settings.tick,
        stale_after=runtime.settings.stale_after,
        demo=runtime.demo,
        patrol_vessels=list(runtime.config.sections.get("patrol_vessels", [])),
        user=user_out(user),
    )


@functools.cache
def _english_names_of(path: Path) -> dict[str, str]:
    return english_names(path)


def _english_names(config: SeagridConfig) -> dict[str, str]:
    return _english_names_of(Path(config.directory) / "seagrid.toml")


_CACHE_ATTR = "_geojson_cache"


def _geojson(runtime: WebRuntime, name: str, build: Any) -> Response:
    """GeoJSON of the configuration, encoded once per configuration object."""
    cache: dict[tuple[int, str], bytes] = runtime.__dict__.setdefault(_CACHE_ATTR, {})
    key = (id(runtime.config), name)
    if key not in cache:
        cache[key] = orjson.dumps(build(runtime.config))
    return Response(cache[key], media_type="application/geo+json")


def _cells_geojson(config: SeagridConfig) -> dict[str, Any]:
    names = {o.id: o.name for o in config.offices}
    features = [
        {
            "type": "Feature",
            "id": c.id,
            "properties": {
                "id": c.id,
                "office": c.office,
                "office_name": names.get(c.office),
                "name": c.name,
            },
            "geometry": mapping(c.geometry),
        }
        for c in config.cells
    ]
    return {"type": "FeatureCollection", "features": features}


def _zones_geojson(config: SeagridConfig) -> dict[str, Any]:
    features = []
    for z in config.zones:
        props = {
            **z.params,
            "id": z.id,
            "kind": z.kind,
            "name": z.name,
            "max_speed_kn": z.max_speed_kn,
            "active_from": iso_utc(z.active_from),
            "active_to": iso_utc(z.active_to),
        }
        props = orjson.loads(orjson.dumps(props, default=str))
        features.append(
            {"type": "Feature", "id": z.id, "properties": props, "geometry": mapping(z.geometry)}
        )
    return {"type": "FeatureCollection", "features": features}


def _extent(config: SeagridConfig) -> list[float]:
    if not config.cells:
        return [-180.0, -90.0, 180.0, 90.0]
    bounds = [c.geometry.bounds for c in config.cells]
    return [
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    ]
