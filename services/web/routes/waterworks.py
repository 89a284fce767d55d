"""The waterworks register (水上水下施工作业): CONTRACTS §11, plus one site and its history.

A site is a `waterworks` zone for zone_entry and predicted_entry from `active_from` to
`active_to` (the rules follow event time), listed in GET /api/zones while active, and gone
by itself afterwards. The area is drawn on the map or uploaded: a GeoJSON Polygon or
MultiPolygon, or a Feature / FeatureCollection holding exactly one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field
from shapely.geometry import mapping

from services.alerts.model import iso_utc
from services.infocentre.model import InfoError, NotFound, Waterworks, parse_area
from services.web.deps import CurrentUser
from services.web.infocentre import Editor, Info, Moment, check_may_edit, may_see, office_for

router = APIRouter(prefix="/api", tags=["waterworks"])
SiteId = Annotated[str, Path(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=2000)]


class WaterworksIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    area: dict[str, Any] = Field(description="GeoJSON Polygon/MultiPolygon (or a Feature)")
    operator: Text = ""
    permit: str = Field("", max_length=200)
    active_from: Moment
    active_to: Moment
    contact: Text = ""
    safety_measures: Text = ""
    office: str | None = Field(None, max_length=64)


class WaterworksOut(BaseModel):
    id: str
    name: str
    area: dict[str, Any]
    operator: str
    permit: str
    active_from: str | None
    active_to: str | None
    contact: str
    safety_measures: str
    office: str | None
    created_by: str
    created_at: str | None
    state: Literal["upcoming", "active", "ended"]


def site_out(site: Waterworks, now: float) -> WaterworksOut:
    return WaterworksOut(
        id=site.id,
        name=site.name,
        area=mapping(site.area),
        operator=site.operator,
        permit=site.permit,
        active_from=iso_utc(site.active_from),
        active_to=iso_utc(site.active_to),
        contact=site.contact,
        safety_measures=site.safety_measures,
        office=site.office,
        created_by=site.created_by,
        created_at=iso_utc(site.created_at),
        state=site.state(now),  # type: ignore[arg-type]
    )


def unwrap_area(value: dict[str, Any]) -> dict[str, Any]:
    """The geometry of an uploaded Feature or one-feature FeatureCollection."""
    if value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise InfoError(["an uploaded FeatureCollection must hold exactly one polygon"])
        value = features[0]
    if value.get("type") == "Feature":
        geometry = value.get("geometry")
        if not isinstance(geometry, dict):
            raise InfoError(["the uploaded feature has no geometry"])
        return geometry
    return value


@router.get("/waterworks", response_model=list[WaterworksOut])
async def list_waterworks(
    info: Info,
    user: CurrentUser,
    state: Annotated[Literal["upcoming", "active", "ended"] | None, Query()] = None,
) -> list[WaterworksOut]:
    """Sites in the register (removed ones are not listed), soonest start first."""
    now = info.clock()
    sites = [s for s in await info.waterworks() if may_see(user, s.office)]
    if state is not None:
        sites = [s for s in sites if s.state(now) == state]
    sites.sort(key=lambda s: (s.active_from, s.id))
    return [site_out(s, now) for s in sites]


@router.post("/waterworks", response_model=WaterworksOut, status_code=201)
async def add_waterworks(info: Info, user: Editor, body: WaterworksIn) -> WaterworksOut:
    """Register a site; the rules treat it as a waterworks zone from their next batch on."""
    site = Waterworks(
        id="",
        name=body.name.strip(),
        area=parse_area(unwrap_area(body.area)),
        active_from=body.active_from.timestamp(),
        active_to=body.active_to.timestamp(),
        operator=body.operator.strip(),
        permit=body.permit.strip(),
        contact=body.contact.strip(),
        safety_measures=body.safety_measures.strip(),
        office=office_for(user, body.office),
    )
    return site_out(await info.add_waterworks(site, user.name), info.clock())


async def _site(info: Any, user: Any, site_id: str) -> Waterworks:
    site = await info.waterworks_site(site_id)
    if site is None or not may_see(user, site.office):
        raise NotFound(f"no waterworks site {site_id}")
    assert isinstance(site, Waterworks)
    return site


@router.get("/waterworks/{site_id}", response_model=WaterworksOut)
async def get_waterworks(info: Info, user: CurrentUser, site_id: SiteId) -> WaterworksOut:
    return site_out(await _site(info, user, site_id), info.clock())


@router.delete("/waterworks/{site_id}", status_code=204)
async def remove_waterworks(
    info: Info,
    user: Editor,
    site_id: SiteId,
    note: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Take a site off the register (kept in its history); its zone goes at once."""
    site = await _site(info, user, site_id)
    check_may_edit(user, site.office)
    await info.remove_waterworks(site.id, user.name, note)
    return Response(status_code=204)


@router.get("/waterworks/{site_id}/history")
async def waterworks_history(info: Info, user: CurrentUser, site_id: SiteId) -> list[Any]:
    changes = await info.history("waterworks", site_id)
    if not changes:
        raise NotFound(f"no waterworks site {site_id}")
    office = (changes[0].get("data") or {}).get("office")
    if not may_see(user, office):
        raise NotFound(f"no waterworks site {site_id}")
    return [{**c, "at": iso_utc(c["at"])} for c in changes]


def active_zone_features(sites: list[Waterworks], now: float) -> list[dict[str, Any]]:
    """GeoJSON features of the sites active at `now`, shaped like zones.geojson's."""
    return [
        {
            "type": "Feature",
            "id": s.id,
            "properties": {
                "id": s.id,
                "kind": "waterworks",
                "name": s.name,
                "operator": s.operator,
                "permit": s.permit,
                "source": "register",
                "active_from": iso_utc(s.active_from),
                "active_to": iso_utc(s.active_to),
            },
            "geometry": mapping(s.area),
        }
        for s in sites
        if s.state(now) == "active"
    ]
