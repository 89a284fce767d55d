"""GET /api/radar and /api/radar/vessels/{mmsi} from what the fusion stage publishes, and
radar-only alerts (no MMSI, a track) through the alert API."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

from services.core import topics
from services.core.codec import encode
from services.radar.tracks import TrackState
from tests.web.conftest import Env, make_position

VESSEL = 412000001
T0 = time.time() - 300.0  # when the tracks were first seen


def state(target: int, mmsi: int | None, ts: float, **kw: Any) -> TrackState:
    base = TrackState(
        radar="vts-weitou", target=target, ts=ts, lat=24.56 + target * 0.001, lon=118.50,
        speed=1.5, course=90.0, status="T", first_seen=T0, confirmed=True, mmsi=mmsi,
        distance_m=42.5 if mmsi else None, cell="JJ-11", office="jinjiang",
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


async def publish(env: Env, *states: TrackState) -> None:
    bus = env.runtime.bus
    await bus.publish(topics.FUSION, [encode(s) for s in states])
    group = env.runtime.web.group
    for _ in range(500):
        if not await bus.lag(topics.FUSION, group) and not await bus.pending(topics.FUSION, group):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the radar picture did not catch up")


async def test_radar_needs_a_token(env: Env) -> None:
    for path in ("/api/radar", f"/api/radar/vessels/{VESSEL}"):
        assert (await env.http.get(path)).status_code == 401


async def test_radar_tracks_sites_and_a_vessels_radar_view(env: Env) -> None:
    now = time.time()
    await env.positions(make_position(VESSEL, 24.562, 118.5))
    await env.settle()
    await publish(env, state(1, None, now - 10), state(2, VESSEL, now - 10))
    await publish(env, state(1, None, now, lon=118.501), state(2, VESSEL, now))
    body = (await env.http.get("/api/radar", headers=env.auth("shishi"))).json()
    assert [r["id"] for r in body["radars"]] == ["vts-weitou", "vts-shihu"]
    tracks = {t["target"]: t for t in body["tracks"]}
    assert tracks[1]["radar_only"] and tracks[1]["mmsi"] is None
    assert len(tracks[1]["track"]) == 2 and tracks[1]["track"][-1] == [118.501, 24.561]
    assert not tracks[2]["radar_only"] and tracks[2]["mmsi"] == VESSEL
    view = (await env.http.get(f"/api/radar/vessels/{VESSEL}", headers=env.auth("op"))).json()
    assert view["sources"] == ["ais", "radar"] and view["tracks"][0]["distance_m"] == 42.5
    outside = await env.http.get("/api/radar?bbox=119,25,119.1,25.1", headers=env.auth("op"))
    assert outside.json()["count"] == 0
    bad = await env.http.get("/api/radar?bbox=1,2,3", headers=env.auth("op"))
    assert bad.status_code in (400, 422)
    # a lost track leaves the picture at once
    await publish(env, state(1, None, now + 10, status="L", removed=True))
    left = (await env.http.get("/api/radar", headers=env.auth("op"))).json()
    assert [t["target"] for t in left["tracks"]] == [2]


async def test_a_radar_only_alert_has_no_mmsi_and_cannot_be_silenced(env: Env) -> None:
    alert = await env.alert(
        rule="radar_only", mmsi=None, zone=None, office="jinjiang", cell="JJ-11",
        track={"radar": "vts-weitou", "target": 13},
    )  # fmt: skip
    listed = (await env.http.get("/api/alerts?rule=radar_only", headers=env.auth("op"))).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert [(a["mmsi"], a["track"]) for a in items] == [
        (None, {"radar": "vts-weitou", "target": 13})
    ]
    silenced = await env.http.post(f"/api/alerts/{alert.id}/silence", headers=env.auth("op"))
    assert silenced.status_code == 409
    acked = await env.http.post(f"/api/alerts/{alert.id}/ack", headers=env.auth("op"))
    assert acked.status_code == 200
