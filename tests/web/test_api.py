"""REST endpoints through real HTTP: auth, vessels, geography, health and metrics."""

from __future__ import annotations

import time

import pytest

from services.core.types import VesselStatic
from tests.web.conftest import PASSWORD, Env, make_position

API_PATHS = [
    "/api/me",
    "/api/vessels",
    "/api/vessels/412000001",
    "/api/vessels/412000001/track",
    "/api/offices",
    "/api/cells",
    "/api/cells/counts",
    "/api/zones",
    "/api/basemap",
    "/api/config/ui",
    "/api/alerts",
]


async def test_token_then_me(env: Env) -> None:
    reply = await env.http.post(
        "/api/auth/token", data={"username": "shishi", "password": PASSWORD}
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "bearer" and body["expires_at"] > time.time() + 3600
    me = await env.http.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"name": "shishi", "role": "office", "office": "shishi", "mmsi": None}


@pytest.mark.parametrize(
    ("username", "password"), [("op", "wrong"), ("nobody", PASSWORD), ("op", "")]
)
async def test_bad_login_is_401(env: Env, username: str, password: str) -> None:
    reply = await env.http.post(
        "/api/auth/token", data={"username": username, "password": password}
    )
    assert reply.status_code in (401, 422)
    assert "detail" in reply.json()


async def test_token_form_missing_fields_is_422(env: Env) -> None:
    reply = await env.http.post("/api/auth/token", data={"username": "op"})
    assert reply.status_code == 422
    assert "password" in reply.json()["detail"]


@pytest.mark.parametrize("path", API_PATHS)
async def test_every_api_path_needs_a_valid_token(env: Env, path: str) -> None:
    assert (await env.http.get(path)).status_code == 401
    forged = env.tokens["op"][:-4] + "AAAA"
    reply = await env.http.get(path, headers={"Authorization": f"Bearer {forged}"})
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_401(env: Env) -> None:
    token, _ = env.runtime.signer.issue(env.runtime.signer.check(env.tokens["op"], 0), -1e9)
    reply = await env.http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 401 and "expired" in reply.json()["detail"]


async def test_vessels_by_bbox_search_and_detail(env: Env) -> None:
    inside = make_position(412000001, 24.75, 118.70, cell="SS-05", office="shishi")
    outside = make_position(412000002, 25.40, 119.40)
    await env.positions(inside, outside)
    await env.static(
        VesselStatic(
            412000001, time.time(), 5, shipname="MIN SHI YU 1", callsign="BXYZ", imo=9123456
        )
    )
    await env.settle()
    op = env.auth("op")
    box = await env.http.get("/api/vessels?bbox=118.6,24.7,118.8,24.8", headers=op)
    assert [v["mmsi"] for v in box.json()["vessels"]] == [412000001]
    everything = await env.http.get("/api/vessels", headers=op)
    assert {v["mmsi"] for v in everything.json()["vessels"]} == {412000001, 412000002}
    for needle in ("min shi", "BXYZ", "9123456", "41200000"):
        found = await env.http.get("/api/vessels", params={"q": needle}, headers=op)
        assert 412000001 in [v["mmsi"] for v in found.json()["vessels"]], needle
    none = await env.http.get("/api/vessels", params={"q": "NO SUCH SHIP"}, headers=op)
    assert none.json() == {"count": 0, "vessels": []}
    detail = (await env.http.get("/api/vessels/412000001", headers=op)).json()
    assert detail["shipname"] == "MIN SHI YU 1" and detail["cell"] == "SS-05"
    assert detail["live"] is True and detail["office"] == "shishi"


@pytest.mark.parametrize(
    "bbox", ["1,2,3", "a,b,c,d", "118,25,119,24", "118,24,200,25", "nan,24,119,25", ""]
)
async def test_bad_bbox_is_400(env: Env, bbox: str) -> None:
    reply = await env.http.get("/api/vessels", params={"bbox": bbox}, headers=env.auth("op"))
    assert reply.status_code == 400, reply.text
    assert "bbox" in reply.json()["detail"]


async def test_unknown_vessel_is_404_and_bad_mmsi_422(env: Env) -> None:
    op = env.auth("op")
    assert (await env.http.get("/api/vessels/412999999", headers=op)).status_code == 404
    assert (await env.http.get("/api/vessels/99999999999999", headers=op)).status_code == 422
    assert (await env.http.get("/api/vessels/abc", headers=op)).status_code == 422


async def test_track_from_memory_with_time_range(env: Env) -> None:
    now = time.time()
    await env.positions(
        *[make_position(412000003, 24.7 + i / 100, 118.7, ts=now - 50 + i * 10) for i in range(5)]
    )
    await env.settle()
    op = env.auth("op")
    whole = (await env.http.get("/api/vessels/412000003/track", headers=op)).json()
    assert [round(p["lat"], 2) for p in whole["points"]] == [24.7, 24.71, 24.72, 24.73, 24.74]
    part = await env.http.get(
        "/api/vessels/412000003/track",
        params={"since": now - 40, "until": now - 20},
        headers=op,
    )
    assert [round(p["lat"], 2) for p in part.json()["points"]] == [24.71, 24.72]
    for bad in ({"since": now, "until": now - 1}, {"since": 0, "until": now}, {"since": "x"}):
        reply = await env.http.get("/api/vessels/412000003/track", params=bad, headers=op)
        assert reply.status_code in (400, 422), bad


async def test_offices_cells_zones_basemap_and_ui_config(env: Env) -> None:
    await env.positions(make_position(412000004, cell="SS-05", office="shishi"))
    await env.settle()
    op = env.auth("op")
    offices = (await env.http.get("/api/offices", headers=op)).json()
    assert offices[0]["id"] == "qz-centre" and offices[0]["centre"] is True
    assert offices[0]["name_en"] == "Quanzhou MSA Command Centre"
    assert next(o for o in offices if o["id"] == "shishi")["name_en"] == "Shishi Maritime Office"
    assert {o["id"] for o in offices[1:]} == set(env.runtime.config.office_ids())
    assert next(o for o in offices if o["id"] == "shishi")["vessels"] == 1
    cells = (await env.http.get("/api/cells", headers=op)).json()
    assert len(cells["features"]) == len(env.runtime.config.cells)
    assert cells["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    counts = (await env.http.get("/api/cells/counts", headers=op)).json()
    assert {c["cell"]: c["vessels"] for c in counts}["SS-05"] == 1
    zones = (await env.http.get("/api/zones", headers=op)).json()
    assert {f["properties"]["kind"] for f in zones["features"]} >= {"restricted"}
    land = await env.http.get("/api/basemap", headers=op)
    assert land.status_code == 200 and land.json()["type"] == "FeatureCollection"
    ui = (await env.http.get("/api/config/ui", headers=env.auth("crew"))).json()
    assert ui["language"] == "zh-CN" and ui["user"]["mmsi"] == 413990604
    assert ui["tile_url"] is None and len(ui["bbox"]) == 4


async def test_health_ready_metrics_need_no_token(env: Env) -> None:
    assert (await env.http.get("/healthz")).json() == {"status": "ok"}
    ready = await env.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["bus"] == "ok"
    metrics = (await env.http.get("/metrics")).text
    for name in (
        "seagrid_bus_lag",
        "seagrid_ws_clients 0",
        "seagrid_ws_push_latency_seconds_bucket",
        "seagrid_web_vessels",
    ):
        assert name in metrics


async def test_readyz_fails_when_the_bus_is_closed(env: Env) -> None:
    await env.runtime.bus.close()
    reply = await env.http.get("/readyz")
    assert reply.status_code == 503
    assert reply.json()["checks"]["bus"].startswith("failed")


async def test_map_root_is_served(env: Env) -> None:
    reply = await env.http.get("/")
    assert reply.status_code == 200 and "html" in reply.headers["content-type"]
