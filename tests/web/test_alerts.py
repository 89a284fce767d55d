"""Alert endpoints and pushes, and the permission matrix: each role against each endpoint
and against another office's data."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

from services.alerts.model import Alert
from services.core import topics
from tests.web.conftest import USERS, Env
from tests.web.test_live import live, recv_until, subscribe

CENTRE = ("op", "sup", "adm")
ALL = (*CENTRE, "shishi", "huian", "crew")


@pytest.fixture
async def alerts(env: Env) -> dict[str, Alert]:
    now = time.time()
    return {
        "shishi": await env.alert(mmsi=412000101, office="shishi", raised_at=now - 30),
        "huian": await env.alert(mmsi=412000102, office="huian", raised_at=now - 20),
        "centre": await env.alert(
            rule="ais_gap", mmsi=412000103, office="qz-centre", zone=None, raised_at=now - 10
        ),
    }


def visible(user: str, alerts: dict[str, Alert]) -> set[str]:
    if user in CENTRE:
        return {a.id for a in alerts.values()}
    office = USERS[user].office
    return {a.id for a in alerts.values() if a.office == office}


@pytest.mark.parametrize("user", ALL)
async def test_list_and_get_show_only_what_the_role_may_see(
    env: Env, alerts: dict[str, Alert], user: str
) -> None:
    headers = env.auth(user)
    listed = (await env.http.get("/api/alerts", headers=headers)).json()["items"]
    assert {a["id"] for a in listed} == visible(user, alerts)
    for alert in alerts.values():
        reply = await env.http.get(f"/api/alerts/{alert.id}", headers=headers)
        expected = 200 if alert.id in visible(user, alerts) else 404
        assert reply.status_code == expected, (user, alert.office)
        history = await env.http.get(f"/api/alerts/{alert.id}/history", headers=headers)
        assert history.status_code == expected


@pytest.mark.parametrize("user", ["shishi", "crew"])
async def test_office_users_asking_for_another_office_get_403(
    env: Env, alerts: dict[str, Alert], user: str
) -> None:
    reply = await env.http.get("/api/alerts", params={"office": "huian"}, headers=env.auth(user))
    assert reply.status_code == 403
    own = await env.http.get("/api/alerts", params={"office": "shishi"}, headers=env.auth(user))
    assert [a["id"] for a in own.json()["items"]] == [alerts["shishi"].id]


# (action, roles allowed on an alert they can see)
ACTIONS = {
    "ack": set(ALL),
    "resolve": {*CENTRE, "shishi", "huian"},
    "false_alarm": {*CENTRE, "shishi", "huian"},
}


@pytest.mark.parametrize("user", ALL)
@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_action_permission_matrix(
    env: Env, alerts: dict[str, Alert], user: str, action: str
) -> None:
    for which, alert in alerts.items():
        reply = await env.http.post(f"/api/alerts/{alert.id}/{action}", headers=env.auth(user))
        if user not in ACTIONS[action]:
            assert reply.status_code == 403, (which, reply.text)
        elif alert.id not in visible(user, alerts):
            assert reply.status_code == 404, which  # another office's alert: as if unknown
        else:
            assert reply.status_code == 200, (which, reply.text)
            expected = {"ack": "acknowledged", "resolve": "resolved"}.get(action, action)
            assert reply.json()["status"] == expected


async def test_action_reaches_store_history_and_pipeline(
    env: Env, alerts: dict[str, Alert]
) -> None:
    bus = env.runtime.bus
    await bus.ensure_group(topics.ALERT_COMMANDS, "test")
    alert = alerts["shishi"]
    reply = await env.http.post(
        f"/api/alerts/{alert.id}/ack",
        json={"note": "patrol on the way"},
        headers=env.auth("shishi"),
    )
    assert reply.json()["status"] == "acknowledged"
    history = (await env.http.get(f"/api/alerts/{alert.id}/history", headers=env.auth("op"))).json()
    assert history[-1]["change"] == "acknowledged" and history[-1]["actor"] == "shishi"
    assert history[-1]["note"] == "patrol on the way"
    commands = await bus.read(topics.ALERT_COMMANDS, "test", "t", block=1.0)
    command = orjson.loads(commands[0].payload)
    assert (command["action"], command["alert_id"], command["actor"]) == (
        "acknowledge",
        alert.id,
        "shishi",
    )
    # resolved is final: acknowledging again is a conflict, resolving again is a no-op
    resolved = await env.http.post(f"/api/alerts/{alert.id}/resolve", headers=env.auth("op"))
    assert resolved.json()["status"] == "resolved"
    again = await env.http.post(f"/api/alerts/{alert.id}/ack", headers=env.auth("op"))
    assert again.status_code == 409 and "resolved" in again.json()["detail"]


async def test_unknown_alert_and_bad_filters(env: Env, alerts: dict[str, Alert]) -> None:
    op = env.auth("op")
    assert (await env.http.get("/api/alerts/no-such-id", headers=op)).status_code == 404
    assert (await env.http.post("/api/alerts/no-such-id/ack", headers=op)).status_code == 404
    for params in ({"status": "sleeping"}, {"cursor": "%%%"}):
        reply = await env.http.get("/api/alerts", params=params, headers=op)
        assert reply.status_code == 400, params
    for params in ({"rule": "piracy"}, {"limit": 0}, {"limit": 5000}, {"since": "soon"}):
        reply = await env.http.get("/api/alerts", params=params, headers=op)
        assert reply.status_code == 422, params
    long_note = {"note": "x" * 5000}
    reply = await env.http.post(
        f"/api/alerts/{alerts['shishi'].id}/ack", json=long_note, headers=op
    )
    assert reply.status_code == 422


async def test_filters_and_pagination(env: Env, alerts: dict[str, Alert]) -> None:
    op = env.auth("op")
    first = (await env.http.get("/api/alerts", params={"limit": 2}, headers=op)).json()
    assert [a["id"] for a in first["items"]] == [alerts["centre"].id, alerts["huian"].id]
    rest = await env.http.get(
        "/api/alerts", params={"limit": 2, "cursor": first["next_cursor"]}, headers=op
    )
    assert [a["id"] for a in rest.json()["items"]] == [alerts["shishi"].id]
    assert rest.json()["next_cursor"] is None
    by_rule = await env.http.get("/api/alerts", params={"rule": "ais_gap"}, headers=op)
    assert [a["id"] for a in by_rule.json()["items"]] == [alerts["centre"].id]
    await env.http.post(f"/api/alerts/{alerts['huian'].id}/ack", headers=op)
    acked = await env.http.get("/api/alerts", params={"status": "acknowledged"}, headers=op)
    assert [a["id"] for a in acked.json()["items"]] == [alerts["huian"].id]
    body = acked.json()["items"][0]
    assert set(body) >= {"id", "rule", "mmsi", "other_mmsi", "zone", "cell", "office"}
    assert body["raised_at"].endswith("Z")


SILENCE: dict[str, Any] = {"mmsi": 412000101, "start": 0, "end": 4e9, "reason": "survey vessel"}


@pytest.mark.parametrize("user", ALL)
async def test_silence_permissions(env: Env, user: str) -> None:
    reply = await env.http.post("/api/silences", json=SILENCE, headers=env.auth(user))
    assert reply.status_code == (201 if user in CENTRE else 403)
    listed = await env.http.get("/api/silences", headers=env.auth(user))
    assert listed.status_code == (200 if user in CENTRE else 403)
    made = await env.http.post("/api/silences", json=SILENCE, headers=env.auth("op"))
    lift = await env.http.delete(f"/api/silences/{made.json()['id']}", headers=env.auth(user))
    assert lift.status_code == (204 if user in ("sup", "adm") else 403)


@pytest.mark.parametrize("user", ALL)
async def test_silence_from_an_alert(env: Env, alerts: dict[str, Alert], user: str) -> None:
    alert = alerts["shishi"]
    reply = await env.http.post(
        f"/api/alerts/{alert.id}/silence", json={"minutes": 30}, headers=env.auth(user)
    )
    assert reply.status_code == (201 if user in CENTRE else 403)
    if user in CENTRE:
        silence = reply.json()
        assert (silence["mmsi"], silence["rule"], silence["actor"]) == (
            alert.mmsi,
            alert.rule,
            user,
        )
        assert silence["end"] - time.time() == pytest.approx(1800, abs=5)
        listed = await env.http.get(
            "/api/silences", params={"mmsi": alert.mmsi}, headers=env.auth("op")
        )
        assert [s["id"] for s in listed.json()] == [silence["id"]]
    missing = await env.http.post("/api/alerts/nope/silence", headers=env.auth("op"))
    assert missing.status_code == 404
    bad = await env.http.post(
        f"/api/alerts/{alert.id}/silence", json={"minutes": -5}, headers=env.auth("op")
    )
    assert bad.status_code == 422


async def test_bad_silences(env: Env) -> None:
    op, sup = env.auth("op"), env.auth("sup")
    backwards = await env.http.post(
        "/api/silences", json={**SILENCE, "start": 1e9, "end": 5e8}, headers=op
    )
    assert backwards.status_code == 400
    negative = await env.http.post("/api/silences", json={**SILENCE, "end": -1}, headers=op)
    assert negative.status_code == 422
    bad_rule = await env.http.post("/api/silences", json={**SILENCE, "rule": "x"}, headers=op)
    assert bad_rule.status_code == 400
    assert (await env.http.delete("/api/silences/nope", headers=sup)).status_code == 404


@pytest.mark.parametrize("user", ALL)
async def test_users_endpoint_is_for_admins(env: Env, user: str) -> None:
    reply = await env.http.get("/api/users", headers=env.auth(user))
    assert reply.status_code == (200 if user == "adm" else 403)
    new = {"name": f"new-{user}", "role": "office", "office": "nanan", "password": "long enough"}
    created = await env.http.post("/api/users", json=new, headers=env.auth(user))
    assert created.status_code == (201 if user == "adm" else 403)


async def test_admin_adds_users_with_clear_errors(env: Env) -> None:
    adm = env.auth("adm")
    ok = {"name": "nanan2", "role": "office", "office": "nanan", "password": "long enough"}
    assert (await env.http.post("/api/users", json=ok, headers=adm)).status_code == 201
    assert (await env.http.post("/api/users", json=ok, headers=adm)).status_code == 409
    for bad, status in (
        ({**ok, "name": "x1", "office": "atlantis"}, 400),
        ({**ok, "name": "x2", "office": None}, 400),
        ({**ok, "name": "x3", "role": "captain"}, 422),
        ({**ok, "name": "x4", "password": "short"}, 422),
    ):
        reply = await env.http.post("/api/users", json=bad, headers=adm)
        assert reply.status_code == status, (bad, reply.text)
    login = await env.http.post(
        "/api/auth/token", data={"username": "nanan2", "password": "long enough"}
    )
    assert login.json()["user"]["office"] == "nanan"


@pytest.mark.parametrize("user", ALL)
async def test_every_role_reads_the_shared_picture(env: Env, user: str) -> None:
    for path in ("/api/vessels", "/api/offices", "/api/cells", "/api/zones", "/api/config/ui"):
        assert (await env.http.get(path, headers=env.auth(user))).status_code == 200


async def test_alerts_are_pushed_at_once_to_those_who_may_see_them(env: Env) -> None:
    sockets = {name: await live(env, name) for name in ("op", "shishi", "huian", "crew")}
    for ws in sockets.values():
        await subscribe(ws)
    raised = time.monotonic()
    alert = await env.alert(mmsi=412000201, office="shishi")
    for name in ("op", "shishi", "crew"):
        msg = await recv_until(sockets[name], lambda m: m["type"] == "alert", timeout=2.0)
        assert msg["alert"]["id"] == alert.id and msg["change"] == "raised"
    assert time.monotonic() - raised < 1.0  # not held back until a tick
    await env.http.post(f"/api/alerts/{alert.id}/ack", headers=env.auth("shishi"))
    change = await recv_until(sockets["op"], lambda m: m["type"] == "alert")
    assert change["change"] == "acknowledged" and change["alert"]["status"] == "acknowledged"
    other = await env.alert(mmsi=412000202, office="huian")
    msg = await recv_until(sockets["shishi"], lambda m: m["type"] == "alert")
    assert msg["alert"]["id"] != other.id  # shishi only ever sees its own
    huian = await recv_until(sockets["huian"], lambda m: m["type"] == "alert")
    assert huian["alert"]["id"] == other.id
    for ws in sockets.values():
        await ws.close()
