"""Waterworks register API: a site is a zone while active (GET /api/zones and the rules,
without a restart), bad input is 422 with nothing stored, permissions."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.config import SeagridConfig
from services.core.types import CellPosition
from tests.infocentre.conftest import Clock, wait_alert
from tests.infocentre.test_watchlist import inside, iso
from tests.web.conftest import Env

MMSI = 412990003


def square(lon: float, lat: float, half: float = 0.01) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def site(clock: Clock, lon: float, lat: float, **kw: Any) -> dict[str, Any]:
    body = {
        "name": "石井港区码头扩建工程",
        "area": square(lon, lat),
        "operator": "福建某港航工程有限公司",
        "permit": "闽泉海事施[2026]012号",
        "active_from": iso(clock.now - 600),
        "active_to": iso(clock.now + 3600),
        "contact": "王工 138-0000-0000",
        "safety_measures": "警戒船一艘, 夜间灯光",
    }
    return {**body, **kw}


async def zone_ids(env: Env) -> set[str]:
    zones = (await env.http.get("/api/zones", headers=env.auth("op"))).json()
    return {f["properties"]["id"] for f in zones["features"]}


async def test_site_is_a_zone_while_active(ienv: Env, clock: Clock) -> None:
    reply = await ienv.http.post(
        "/api/waterworks", json=site(clock, 118.6, 24.7), headers=ienv.auth("op")
    )
    assert reply.status_code == 201, reply.text
    created = reply.json()
    assert created["state"] == "active" and created["created_by"] == "op"
    assert created["id"] in await zone_ids(ienv)
    clock.now += 7200
    assert created["id"] not in await zone_ids(ienv)
    listed = (await ienv.http.get("/api/waterworks", params={"state": "ended"},
                                  headers=ienv.auth("op"))).json()  # fmt: skip
    assert [s["id"] for s in listed] == [created["id"]]
    gone = await ienv.http.delete(f"/api/waterworks/{created['id']}", headers=ienv.auth("op"))
    assert gone.status_code == 204
    assert (
        await ienv.http.get(f"/api/waterworks/{created['id']}", headers=ienv.auth("op"))
    ).status_code == 404
    history = await ienv.http.get(
        f"/api/waterworks/{created['id']}/history", headers=ienv.auth("op")
    )
    assert [h["change"] for h in history.json()] == ["added", "removed"]


async def test_upcoming_site_is_listed_but_not_a_zone(ienv: Env, clock: Clock) -> None:
    body = site(clock, 118.6, 24.7, active_from=iso(clock.now + 600))
    created = (await ienv.http.post("/api/waterworks", json=body, headers=ienv.auth("op"))).json()
    assert created["state"] == "upcoming"
    assert created["id"] not in await zone_ids(ienv)


async def test_uploaded_feature_collection_is_accepted(ienv: Env, clock: Clock) -> None:
    upload = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": square(118.6, 24.7)}],
    }
    reply = await ienv.http.post(
        "/api/waterworks", json=site(clock, 118.6, 24.7, area=upload), headers=ienv.auth("op")
    )
    assert reply.status_code == 201 and reply.json()["area"]["type"] == "Polygon"


BOWTIE = {"type": "Polygon", "coordinates": [[[118, 24], [118.1, 24.1], [118.1, 24], [118, 24.1],
                                               [118, 24]]]}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"active_to": "2020-01-01T00:00:00Z"}, "after active_from"),
        ({"area": BOWTIE}, "not a valid polygon"),
        ({"area": {"type": "Point", "coordinates": [118, 24]}}, "Polygon"),
        ({"area": {"type": "Polygon", "coordinates": "x"}}, "area"),
        ({"area": square(200, 24)}, "WGS84"),
        ({"name": ""}, "name"),
        ({"active_from": "2026-01-01T08:00:00"}, "active_from"),
        ({"office": "atlantis"}, "unknown office"),
    ],
)
async def test_bad_sites_are_422_and_store_nothing(
    ienv: Env, clock: Clock, change: dict[str, Any], problem: str
) -> None:
    body = site(clock, 118.6, 24.7, **change)
    reply = await ienv.http.post("/api/waterworks", json=body, headers=ienv.auth("op"))
    assert reply.status_code == 422 and problem in reply.text, reply.text
    assert (await ienv.http.get("/api/waterworks", headers=ienv.auth("op"))).json() == []


async def test_permissions(ienv: Env, clock: Clock) -> None:
    body = site(clock, 118.6, 24.7)
    assert (
        await ienv.http.post("/api/waterworks", json=body, headers=ienv.auth("crew"))
    ).status_code == 403
    own = await ienv.http.post("/api/waterworks", json=body, headers=ienv.auth("shishi"))
    assert own.status_code == 201 and own.json()["office"] == "shishi"
    site_id = own.json()["id"]
    assert (
        await ienv.http.get(f"/api/waterworks/{site_id}", headers=ienv.auth("huian"))
    ).status_code == 404
    assert (
        await ienv.http.delete(f"/api/waterworks/{site_id}", headers=ienv.auth("huian"))
    ).status_code == 404
    assert (await ienv.http.get("/api/waterworks")).status_code == 401


async def test_vessel_entering_an_active_site_raises_zone_entry_without_restart(
    ienv: Env, demo_config: SeagridConfig, clock: Clock
) -> None:
    cell, office, lat, lon = inside(demo_config)
    body = site(clock, lon, lat)
    created = (await ienv.http.post("/api/waterworks", json=body, headers=ienv.auth("op"))).json()
    t0 = clock.now
    # heading east into the site from 0.02 deg west: predicted first, then inside
    await ienv.positions(
        *[
            CellPosition(
                MMSI, t0 + dt, lat, lon - 0.02 + dt * 0.0002, cell, office, speed=8.0, course=90.0
            )  # fmt: skip
            for dt in range(0, 100, 10)
        ]
    )
    alert = await wait_alert(ienv, rule="zone_entry", mmsi=MMSI)
    assert alert.zone == created["id"] and alert.details["kind"] == "waterworks"
    predicted = await wait_alert(ienv, rule="predicted_entry", mmsi=MMSI)
    assert predicted.zone == created["id"]
