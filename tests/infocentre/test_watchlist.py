"""Watchlist API: permissions, expiry by the service clock, audit history, the config's
initial set, and the rules picking up a change without a restart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.core.config import SeagridConfig
from services.core.types import CellPosition
from tests.infocentre.conftest import Clock, alerts_now, wait_alert
from tests.web.conftest import Env

SUSPENDED = 412990001


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def inside(config: SeagridConfig) -> tuple[str, str, float, float]:
    cell = config.cells[0]
    point = cell.geometry.representative_point()
    return cell.id, cell.office, point.y, point.x


async def test_config_watchlist_is_the_initial_set(ienv: Env) -> None:
    listed = (await ienv.http.get("/api/watchlist", headers=ienv.auth("op"))).json()
    assert {e["mmsi"] for e in listed} == {412440101, 413770202}
    assert all(e["added_by"] == "config" and e["state"] == "active" for e in listed)


async def test_add_list_remove_with_history(ienv: Env, clock: Clock) -> None:
    body = {
        "mmsi": SUSPENDED,
        "category": "sand_carrier",
        "reason": "运砂船, 多次违规",
        "office": "shishi",
        "expires_at": iso(clock.now + 3600),
    }
    reply = await ienv.http.post("/api/watchlist", json=body, headers=ienv.auth("op"))
    assert reply.status_code == 201, reply.text
    assert reply.json()["state"] == "active" and reply.json()["added_by"] == "op"
    clock.now += 7200  # past its expiry: listed as expired, no one had to act
    listed = (await ienv.http.get("/api/watchlist", headers=ienv.auth("op"))).json()
    assert [e["state"] for e in listed if e["mmsi"] == SUSPENDED] == ["expired"]
    active = await ienv.http.get(
        "/api/watchlist", params={"include_expired": "false"}, headers=ienv.auth("op")
    )
    assert SUSPENDED not in {e["mmsi"] for e in active.json()}
    gone = await ienv.http.delete(f"/api/watchlist/{SUSPENDED}", headers=ienv.auth("op"))
    assert gone.status_code == 204
    again = await ienv.http.delete(f"/api/watchlist/{SUSPENDED}", headers=ienv.auth("op"))
    assert again.status_code == 404
    history = (
        await ienv.http.get(f"/api/watchlist/{SUSPENDED}/history", headers=ienv.auth("op"))
    ).json()
    assert [(h["change"], h["actor"]) for h in history] == [("added", "op"), ("removed", "op")]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"mmsi": 0}, "mmsi"),
        ({"mmsi": 412000001, "category": "pirate"}, "category"),
        ({"mmsi": 412000001, "office": "atlantis"}, "unknown office"),
        ({"mmsi": 412000001, "expires_at": "2020-01-01T00:00:00Z"}, "future"),
        ({"mmsi": 412000001, "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
        ({"mmsi": 412000001, "reason": "x" * 2001}, "reason"),
    ],
)
async def test_bad_entries_are_422_and_store_nothing(
    ienv: Env, body: dict[str, object], problem: str
) -> None:
    reply = await ienv.http.post("/api/watchlist", json=body, headers=ienv.auth("op"))
    assert reply.status_code == 422 and problem in reply.text
    listed = (await ienv.http.get("/api/watchlist", headers=ienv.auth("op"))).json()
    assert 412000001 not in {e["mmsi"] for e in listed}


async def test_permissions(ienv: Env) -> None:
    base = {"mmsi": 412000005, "reason": "test"}
    crew = await ienv.http.post("/api/watchlist", json=base, headers=ienv.auth("crew"))
    assert crew.status_code == 403
    other = {**base, "office": "huian"}
    assert (
        await ienv.http.post("/api/watchlist", json=other, headers=ienv.auth("shishi"))
    ).status_code == 403
    own = await ienv.http.post("/api/watchlist", json=base, headers=ienv.auth("shishi"))
    assert own.status_code == 201 and own.json()["office"] == "shishi"
    huian = await ienv.http.get("/api/watchlist", headers=ienv.auth("huian"))
    assert 412000005 not in {e["mmsi"] for e in huian.json()}
    assert (
        await ienv.http.delete("/api/watchlist/412000005", headers=ienv.auth("huian"))
    ).status_code == 403
    # the centre's entries are not an office's to remove
    assert (
        await ienv.http.delete("/api/watchlist/412440101", headers=ienv.auth("shishi"))
    ).status_code == 403
    assert (await ienv.http.get("/api/watchlist")).status_code == 401


async def test_suspended_vessel_that_moves_raises_critical_without_restart(
    ienv: Env, demo_config: SeagridConfig, clock: Clock
) -> None:
    cell, office, lat, lon = inside(demo_config)
    t0 = clock.now

    def at(dt: float, speed: float) -> CellPosition:
        return CellPosition(SUSPENDED, t0 + dt, lat, lon, cell, office, speed=speed, course=90.0)

    await ienv.positions(at(0, 6.0), at(40, 6.0))
    assert not [a for a in await alerts_now(ienv) if a.mmsi == SUSPENDED]
    body = {"mmsi": SUSPENDED, "category": "suspended", "reason": "停航整改"}
    assert (
        await ienv.http.post("/api/watchlist", json=body, headers=ienv.auth("sup"))
    ).status_code == 201
    await ienv.positions(at(60, 0.2), at(100, 5.0), at(140, 5.5), at(180, 5.5))
    alert = await wait_alert(ienv, rule="suspended_moving", mmsi=SUSPENDED)
    assert alert.severity == "critical" and alert.office == office
    assert alert.details["category"] == "suspended"
    watch = await wait_alert(ienv, rule="watchlist", mmsi=SUSPENDED)
    assert watch.severity == "info"
