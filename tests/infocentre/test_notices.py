"""Public notices: the page in both languages, GeoJSON and Atom that parse and validate,
caching headers and conditional requests, and nothing else reachable without login."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import shapely
from shapely.geometry import shape
from starlette.routing import Route

from services.core.config import SeagridConfig
from services.core.types import CellPosition
from tests.infocentre.conftest import Clock, wait_alert
from tests.infocentre.test_watchlist import inside, iso
from tests.infocentre.test_waterworks import site, square
from tests.web.conftest import Env

ATOM = "{http://www.w3.org/2005/Atom}"


async def publish_three(env: Env, clock: Clock) -> dict[str, Any]:
    made = {}
    made["works"] = (
        await env.http.post(
            "/api/waterworks", json=site(clock, 118.6, 24.7), headers=env.auth("op")
        )
    ).json()
    warning = {
        "kind": "navigation_warning",
        "title": "泉州湾主航道疏浚作业",
        "title_en": "Dredging in the Quanzhou Bay main channel",
        "text": "过往船舶减速慢行, 加强瞭望。",
        "text_en": "Vessels passing: reduce speed, keep a sharp lookout.",
        "area": square(118.7, 24.8),
        "active_from": iso(clock.now + 3600),
        "active_to": iso(clock.now + 7200),
    }
    restricted = {
        "kind": "restricted_area",
        "title": "临时禁航区: 海上演习",
        "area": square(118.8, 24.6),
        "active_from": iso(clock.now - 60),
        "active_to": iso(clock.now + 600),
    }
    ended = {**warning, "title": "已结束", "active_from": iso(clock.now - 7200),
             "active_to": iso(clock.now - 3600)}  # fmt: skip
    for name, body in (("warning", warning), ("restricted", restricted), ("ended", ended)):
        reply = await env.http.post("/api/notices", json=body, headers=env.auth("op"))
        assert reply.status_code == 201, reply.text
        made[name] = reply.json()
    return made


async def test_public_page_in_both_languages(ienv: Env, clock: Clock) -> None:
    await publish_three(ienv, clock)
    zh = await ienv.http.get("/public/notices")
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    assert "通航环境信息通告" in zh.text and "泉州湾主航道疏浚作业" in zh.text
    assert "石井港区码头扩建工程" in zh.text and "已结束" not in zh.text
    en = await ienv.http.get("/public/notices", params={"lang": "en"})
    assert "Navigation-environment notices" in en.text
    assert "Dredging in the Quanzhou Bay main channel" in en.text
    browser = await ienv.http.get("/public/notices", headers={"Accept-Language": "en-GB,en"})
    assert "Navigation-environment notices" in browser.text
    assert browser.headers["vary"] == "Accept-Language"
    assert "<style" not in zh.text  # styles from the site's own origin only (CSP)
    css = await ienv.http.get("/public/notices.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_geojson_feed_is_valid(ienv: Env, clock: Clock) -> None:
    made = await publish_three(ienv, clock)
    reply = await ienv.http.get("/public/notices.geojson")
    assert reply.headers["content-type"] == "application/geo+json"
    collection = reply.json()
    assert collection["type"] == "FeatureCollection"
    ids = {f["id"] for f in collection["features"]}
    assert ids == {made["works"]["id"], made["warning"]["id"], made["restricted"]["id"]}
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        geometry = shape(feature["geometry"])
        assert shapely.is_valid(geometry) and geometry.geom_type == "Polygon"
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
    states = {f["properties"]["state"] for f in collection["features"]}
    assert states == {"active", "upcoming"}


async def test_atom_feed_parses(ienv: Env, clock: Clock) -> None:
    made = await publish_three(ienv, clock)
    reply = await ienv.http.get("/public/notices.atom", params={"lang": "en"})
    assert reply.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(reply.content)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for entry in entries:
        assert all(entry.find(f"{ATOM}{t}") is not None for t in ("id", "title", "updated"))
    ids = {e.findtext(f"{ATOM}id") for e in entries}
    assert any(i.endswith(made["warning"]["id"]) for i in ids)
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "[Navigation warning] Dredging in the Quanzhou Bay main channel" in titles


async def test_caching_headers_and_conditional_requests(ienv: Env, clock: Clock) -> None:
    await publish_three(ienv, clock)
    for path in ("/public/notices", "/public/notices.geojson", "/public/notices.atom"):
        first = await ienv.http.get(path)
        assert first.headers["cache-control"] == "public, max-age=60"
        assert first.headers["etag"] and first.headers["last-modified"].endswith("GMT")
        again = await ienv.http.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    before = (await ienv.http.get("/public/notices.geojson")).headers["etag"]
    await ienv.http.post("/api/waterworks", json=site(clock, 118.5, 24.6), headers=ienv.auth("op"))
    assert (await ienv.http.get("/public/notices.geojson")).headers["etag"] != before


async def test_nothing_else_is_public(ienv: Env) -> None:
    open_paths = {"/api/auth/token", "/healthz", "/readyz", "/metrics", "/"}
    from services.web.app import create_app

    routes = [r for r in create_app(ienv.runtime).routes if isinstance(r, Route)]
    for route in routes:
        if "GET" not in (route.methods or set()) or "{" in route.path:
            continue
        if route.path.startswith("/public/") or route.path in open_paths:
            continue
        if route.path.startswith(("/docs", "/redoc", "/openapi")):
            continue
        reply = await ienv.http.get(route.path)
        assert reply.status_code == 401, route.path
    assert (await ienv.http.get("/api/notices")).status_code == 401
    assert (await ienv.http.post("/api/notices", json={})).status_code == 401


async def test_temporary_restricted_area_is_a_zone_for_the_rules(
    ienv: Env, demo_config: SeagridConfig, clock: Clock
) -> None:
    cell, office, lat, lon = inside(demo_config)
    body = {
        "kind": "restricted_area",
        "title": "临时禁航区",
        "area": square(lon, lat),
        "active_from": iso(clock.now - 60),
        "active_to": iso(clock.now + 600),
    }
    made = (await ienv.http.post("/api/notices", json=body, headers=ienv.auth("op"))).json()
    await ienv.positions(CellPosition(412990004, clock.now, lat, lon, cell, office, speed=3.0))
    alert = await wait_alert(ienv, rule="zone_entry", mmsi=412990004)
    assert alert.zone == made["id"]
    # the map draws it and the alert's card names it: it is in /api/zones while in force
    zones = (await ienv.http.get("/api/zones", headers=ienv.auth("op"))).json()["features"]
    (zone,) = [z for z in zones if z["properties"]["id"] == made["id"]]
    assert zone["properties"]["kind"] == "restricted" and zone["properties"]["name"] == "临时禁航区"
    clock.now += 3600
    zones = (await ienv.http.get("/api/zones", headers=ienv.auth("op"))).json()["features"]
    assert made["id"] not in {z["properties"]["id"] for z in zones}


async def test_restricted_area_needs_an_area(ienv: Env, clock: Clock) -> None:
    body = {
        "kind": "restricted_area",
        "title": "x",
        "active_from": iso(clock.now),
        "active_to": iso(clock.now + 60),
    }
    reply = await ienv.http.post("/api/notices", json=body, headers=ienv.auth("op"))
    assert reply.status_code == 422 and "needs an area" in reply.text
