"""What an operator needs about a vessel that is not (or no longer) on the live map: a dark
vessel's last known state and track, names on alerts, and a patrol crew's own boat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from services.core.config import SeagridConfig
from services.core.types import VesselStatic
from services.web.settings import WebSettings
from tests.web.conftest import Env, make_position, start_env
from tests.web.test_live import live, mmsis, recv_until, subscribe

DARK = 412777001


@pytest.fixture
async def short_env(demo_config: SeagridConfig) -> AsyncIterator[Env]:
    """Vessels leave the live picture after half a second of silence."""
    settings = WebSettings(tick=0.1, track_points=100, stale_after=0.5)
    async for env in start_env(demo_config, settings):
        yield env


async def _gone_dark(env: Env) -> float:
    now = time.time()
    await env.static(VesselStatic(mmsi=DARK, ts=now - 40, shipname="MIN SHI YU 06107", msg_type=5))
    await env.positions(
        make_position(DARK, 24.70, 118.70, ts=now - 30, speed=8.0, course=45.0),
        make_position(DARK, 24.71, 118.71, ts=now - 20, speed=8.5, course=47.0),
    )
    await env.settle()
    deadline = time.monotonic() + 5
    while env.runtime.picture.get(DARK) is not None:  # the tick expires it
        assert time.monotonic() < deadline, "the vessel never left the live picture"
        await asyncio.sleep(0.1)
    return now


async def test_a_vessel_that_left_the_live_picture_stays_queryable(short_env: Env) -> None:
    env = short_env
    now = await _gone_dark(env)
    op = env.auth("op")
    listed = (await env.http.get("/api/vessels", headers=op)).json()
    assert DARK not in {v["mmsi"] for v in listed["vessels"]}  # not on the live map
    reply = await env.http.get(f"/api/vessels/{DARK}", headers=op)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["live"] is False and body["shipname"] == "MIN SHI YU 06107"
    assert (body["lat"], body["lon"], body["speed"], body["course"]) == (24.71, 118.71, 8.5, 47.0)
    assert body["ts"] == now - 20
    track = (await env.http.get(f"/api/vessels/{DARK}/track", headers=op)).json()
    assert [(p["lat"], p["lon"]) for p in track["points"]] == [(24.70, 118.70), (24.71, 118.71)]
    # heard again: back on the map with the name it had
    await env.positions(make_position(DARK, 24.72, 118.72))
    await env.settle()
    again = (await env.http.get(f"/api/vessels/{DARK}", headers=op)).json()
    assert again["live"] is True and again["shipname"] == "MIN SHI YU 06107"
    assert (await env.http.get("/api/vessels/412777999", headers=op)).status_code == 404


async def test_alerts_carry_the_names_of_both_vessels(short_env: Env) -> None:
    env = short_env
    await _gone_dark(env)  # names stay known after the vessel left the picture
    other = 412777002
    await env.static(VesselStatic(mmsi=other, ts=time.time(), shipname="AN JI 142", msg_type=5))
    await env.positions(make_position(other, 24.72, 118.72))
    await env.settle()
    ws = await live(env, "shishi")
    alert = await env.alert(rule="close_quarters", mmsi=DARK, zone=None, other_mmsi=other)
    pushed = await recv_until(ws, lambda m: m.get("type") == "alert")
    await ws.close()
    names = {"name": "MIN SHI YU 06107", "other_name": "AN JI 142"}
    assert {k: pushed["alert"][k] for k in names} == names
    listed = (await env.http.get("/api/alerts", headers=env.auth("shishi"))).json()
    [item] = [a for a in listed["items"] if a["id"] == alert.id]
    assert {k: item[k] for k in names} == names
    crew = (await env.http.get("/api/tasks", headers=env.auth("crew"))).json()
    assert {k: crew[0]["alert"][k] for k in names} == names


async def test_patrol_tablet_always_receives_its_own_boat(env: Env) -> None:
    own, stranger = 413990604, 412000555  # the crew's boat (tests/web/conftest.py USERS)
    await env.positions(make_position(own, 24.60, 118.60), make_position(stranger, 24.60, 118.61))
    await env.settle()
    far_box = [119.0, 25.0, 119.2, 25.2]  # the crew looks at a task far from the boat
    crew = await live(env, "crew")
    snapshot = await subscribe(crew, far_box)
    assert mmsis(snapshot) == {own}
    await env.positions(make_position(own, 24.61, 118.61), make_position(stranger, 24.61, 118.62))
    delta = await recv_until(crew, lambda m: m.get("type") == "positions" and m["vessels"])
    assert mmsis(delta) == {own} and delta["removed"] == []
    operator = await live(env, "op")  # other users get what their box holds, nothing more
    assert mmsis(await subscribe(operator, far_box)) == set()
    await crew.close()
    await operator.close()
