"""History replay, patrol tasks, and tracks and history from the real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from services.core.config import SeagridConfig
from services.core.db import open_database
from services.core.types import Position
from services.ingest.store import PositionStore
from services.web.history import PgHistory
from services.web.routes.history import distance_bearing
from tests.web.conftest import Env, make_position, start_env


async def test_history_window_from_memory(env: Env) -> None:
    now = time.time()
    await env.positions(
        make_position(1101, 24.70, 118.70, ts=now - 30),
        make_position(1102, 24.71, 118.71, ts=now - 20),
        make_position(1101, 24.72, 118.72, ts=now - 10),
        make_position(1103, 25.50, 119.50, ts=now - 15),  # outside the box
    )
    await env.settle()
    op = env.auth("op")
    reply = await env.http.get(
        "/api/history",
        params={"since": now - 25, "until": now, "bbox": "118.6,24.6,118.8,24.8"},
        headers=op,
    )
    body = reply.json()
    assert [(p["mmsi"], p["lat"]) for p in body["points"]] == [(1102, 24.71), (1101, 24.72)]
    assert body["truncated"] is False
    cut = await env.http.get(
        "/api/history", params={"since": now - 60, "until": now, "limit": 1}, headers=op
    )
    assert cut.json()["truncated"] is True and len(cut.json()["points"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"since": 100, "until": 50},
        {"since": 0, "until": 86400},
        {"since": 1, "until": 2, "bbox": "x"},
    ],
)
async def test_bad_history_windows_are_400(env: Env, params: dict[str, object]) -> None:
    reply = await env.http.get("/api/history", params=params, headers=env.auth("op"))
    assert reply.status_code == 400, reply.text


async def test_history_needs_since_and_until(env: Env) -> None:
    for params in ({}, {"since": 1}, {"until": 2}):
        reply = await env.http.get("/api/history", params=params, headers=env.auth("op"))
        assert reply.status_code == 422 and "Field required" in reply.text, reply.text
    schema = (await env.http.get("/openapi.json")).json()
    parameters = schema["paths"]["/api/history"]["get"]["parameters"]
    assert {p["name"] for p in parameters if p["required"]} == {"since", "until"}


async def test_tasks_for_a_patrol_crew_have_bearing_and_distance(env: Env) -> None:
    await env.positions(make_position(413990604, 24.70, 118.70))  # the crew's own vessel
    await env.settle()
    near = await env.alert(mmsi=412000301, office="shishi", lat=24.75, lon=118.70)
    await env.alert(mmsi=412000302, office="huian")
    crew = (await env.http.get("/api/tasks", headers=env.auth("crew"))).json()
    assert [t["alert"]["id"] for t in crew] == [near.id]  # its office's only
    assert crew[0]["distance_nm"] == pytest.approx(3.0, abs=0.05)  # 0.05 degrees of latitude
    assert crew[0]["bearing_deg"] == pytest.approx(0.0, abs=0.1)  # due north
    centre = (await env.http.get("/api/tasks", headers=env.auth("op"))).json()
    assert len(centre) == 2 and centre[0]["distance_nm"] is None  # no own vessel


def test_distance_and_bearing() -> None:
    assert distance_bearing(24.0, 118.0, 24.0, 119.0)[1] == pytest.approx(89.8, abs=0.3)
    assert distance_bearing(25.0, 118.0, 24.0, 118.0) == (60.04, 180.0)


@pytest.fixture
async def pg_env(pg_url: str, demo_config: SeagridConfig) -> AsyncIterator[Env]:
    pool = await open_database(pg_url)
    store = PositionStore(pool)
    store.add(
        [Position(412555001, 1_772_000_000.0 + i * 10, 24.7 + i / 100, 118.7) for i in range(6)]
    )
    store.add([Position(412555002, 1_772_000_025.0, 24.9, 118.9)])
    await store.flush()
    try:
        async for env in start_env(demo_config, history=PgHistory(pool)):
            yield env
    finally:
        await pool.close()


@pytest.mark.postgres
async def test_track_vessel_and_history_from_postgres(pg_env: Env) -> None:
    env, op = pg_env, pg_env.auth("op")
    track = await env.http.get(
        "/api/vessels/412555001/track",
        params={"since": 1_772_000_010, "until": 1_772_000_040},
        headers=op,
    )
    assert [p["ts"] for p in track.json()["points"]] == [
        1_772_000_010.0,
        1_772_000_020.0,
        1_772_000_030.0,
    ]
    stored = (await env.http.get("/api/vessels/412555001", headers=op)).json()
    assert stored["live"] is False and stored["lat"] == pytest.approx(24.75)
    window = await env.http.get(
        "/api/history",
        params={"since": 1_772_000_020, "until": 1_772_000_031, "bbox": "118.6,24.6,119.0,25.0"},
        headers=op,
    )
    mine = [p for p in window.json()["points"] if p["mmsi"] in (412555001, 412555002)]
    assert [(p["mmsi"], p["ts"]) for p in mine] == [
        (412555001, 1_772_000_020.0),
        (412555002, 1_772_000_025.0),
        (412555001, 1_772_000_030.0),
    ]
    far = await env.http.get(
        "/api/vessels/412555001/track", params={"since": 0, "until": 4e9}, headers=op
    )
    assert far.status_code == 400  # more than 7 days: refused before the database
    huge = await env.http.get("/api/vessels/412555001/track", params={"until": 1e300}, headers=op)
    assert huge.status_code == 422


@pytest.mark.postgres
async def test_values_postgres_cannot_take_are_400_not_500(
    pg_url: str, demo_config: SeagridConfig
) -> None:
    import base64

    from services.alerts.store import PgAlertStore

    pool = await open_database(pg_url)
    try:
        async for env in start_env(demo_config, alerts=PgAlertStore(pool)):
            op = env.auth("op")
            for raw in (b"1e300|x", b"nan|x"):  # a forged keyset cursor
                cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
                reply = await env.http.get("/api/alerts", params={"cursor": cursor}, headers=op)
                assert reply.status_code == 400 and "invalid value" in reply.json()["detail"]
            for reply in (
                await env.http.get("/api/alerts/a%00b", headers=op),
                await env.http.get("/api/alerts", params={"office": "a\x00"}, headers=op),
                await env.http.post("/api/alerts/x%00y/ack", headers=op),
            ):
                assert reply.status_code == 400
    finally:
        await pool.close()
