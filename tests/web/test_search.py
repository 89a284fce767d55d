"""`GET /api/search` and `GET /api/vessels?q=` by the configuration's names, zh and en, in
part, through real HTTP on the demo configuration."""

from __future__ import annotations

import time

import pytest

from services.core.types import VesselStatic
from tests.web.conftest import Env, make_position

PATROL = 413990601  # 海巡08608 / HAIXUN 08608 in the demo configuration


async def _search(env: Env, q: str, **params: object) -> dict:
    reply = await env.http.get("/api/search", params={"q": q, **params}, headers=env.auth("shishi"))
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.mark.parametrize(
    ("query", "kind", "ident"),
    [
        ("小坠", "zone", "rs-xiaozhui"),  # part of 小坠岛周边禁航区
        ("xiaozhui", "zone", "rs-xiaozhui"),  # part of the English name, any case
        ("秀涂 锚地", "zone", "anch-xiutu"),  # a space typed inside a Chinese name
        ("石狮", "office", "shishi"),
        ("Shishi Maritime", "office", "shishi"),
        ("指挥中心", "centre", "qz-centre"),
        ("QG-01", "cell", "QG-01"),
    ],
)
async def test_places_are_found_by_any_part_of_their_names(
    env: Env, query: str, kind: str, ident: str
) -> None:
    places = (await _search(env, query))["places"]
    hit = next((p for p in places if p["id"] == ident), None)
    assert hit is not None, [p["id"] for p in places]
    assert hit["kind"] == kind and hit["name"] and len(hit["bbox"]) == 4
    lon0, lat0, lon1, lat1 = hit["bbox"]
    assert 118 < lon0 < lon1 < 120 and 24 < lat0 < lat1 < 26


async def test_a_zone_answers_with_both_names_and_offices_come_first(env: Env) -> None:
    places = (await _search(env, "小坠岛"))["places"]
    assert places[0]["name_en"] and "Xiaozhui" in places[0]["name_en"]
    shishi = (await _search(env, "石狮"))["places"]
    assert shishi[0]["kind"] == "office"  # then its cells, named after it


async def test_configured_vessel_names_find_the_boat_live_or_not(env: Env) -> None:
    found = (await _search(env, "巡086"))["vessels"]
    assert PATROL in [v["mmsi"] for v in found]
    boat = next(v for v in found if v["mmsi"] == PATROL)
    assert (boat["name"], boat["name_en"], boat["live"]) == ("海巡08608", "HAIXUN 08608", False)
    await env.positions(make_position(PATROL, 24.85, 118.75, cell="SS-02", office="shishi"))
    await env.static(VesselStatic(PATROL, time.time(), 5, shipname="HAIXUN 08608"))
    await env.settle()
    boat = next(v for v in (await _search(env, "海巡 08608"))["vessels"] if v["mmsi"] == PATROL)
    assert boat["live"] is True and (boat["lat"], boat["lon"]) == (24.85, 118.75)
    # the vessel list's search (the map's box asks it too) knows the configured name now
    listed = await env.http.get("/api/vessels", params={"q": "海巡08608"}, headers=env.auth("op"))
    assert [v["mmsi"] for v in listed.json()["vessels"]] == [PATROL]


async def test_ais_names_still_match_and_nothing_matches_nothing(env: Env) -> None:
    await env.positions(make_position(412000001, 24.75, 118.70, cell="SS-05", office="shishi"))
    await env.static(VesselStatic(412000001, time.time(), 5, shipname="MIN SHI YU 1"))
    await env.settle()
    assert 412000001 in [v["mmsi"] for v in (await _search(env, "min shi"))["vessels"]]
    assert await _search(env, "没有这个地方") == {"places": [], "vessels": []}


async def test_search_needs_a_token_and_a_query(env: Env) -> None:
    assert (await env.http.get("/api/search", params={"q": "小坠"})).status_code == 401
    reply = await env.http.get("/api/search", headers=env.auth("op"))
    assert reply.status_code == 422
