"""Field reports over HTTP: POST /api/alerts/{id}/report, its permission matrix, bad input,
idempotent resends, the history it leaves and the push to live clients."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from services.alerts.model import Alert
from services.core import topics
from tests.web.conftest import Env
from tests.web.test_alerts import ALL, alerts, visible
from tests.web.test_live import live, recv_until, subscribe

__all__ = ["alerts"]  # the fixture, shared with test_alerts


async def post_report(env: Env, user: str, alert_id: str, **body: Any) -> Any:
    return await env.http.post(f"/api/alerts/{alert_id}/report", json=body, headers=env.auth(user))


@pytest.mark.parametrize("user", ALL)
async def test_report_permission_matrix(env: Env, alerts: dict[str, Alert], user: str) -> None:
    """Every role reports on what it can see, with an outcome too; others' alerts are 404."""
    for which, alert in alerts.items():
        reply = await post_report(env, user, alert.id, note="到达现场", outcome="resolved")
        if alert.id not in visible(user, alerts):
            assert reply.status_code == 404, (which, reply.text)
            continue
        assert reply.status_code == 200, (which, reply.text)
        body = reply.json()
        assert body["changes"] == ["reported", "resolved"] and not body["duplicate"]
        assert body["alert"]["status"] == "resolved" and body["outcome_refused"] is None
    history = await env.http.get(
        f"/api/alerts/{alerts['huian'].id}/history", headers=env.auth("op")
    )
    reported = [h for h in history.json() if h["change"] == "reported"]
    assert [h["actor"] for h in reported] == (
        [user] if user in ("op", "sup", "adm", "huian") else []
    )


async def test_reports_build_the_case_history_and_reach_the_pipeline(
    env: Env, alerts: dict[str, Alert]
) -> None:
    bus = env.runtime.bus
    await bus.ensure_group(topics.ALERT_COMMANDS, "test")
    alert = alerts["shishi"]
    on_scene = await post_report(env, "crew", alert.id, note="on scene", report_id="tab-1")
    assert on_scene.json()["changes"] == ["reported", "acknowledged"]
    boarded = await post_report(env, "crew", alert.id, note="boarded", report_id="tab-2")
    assert boarded.json()["changes"] == ["reported"]
    assert boarded.json()["alert"]["status"] == "acknowledged"
    done = await post_report(
        env, "crew", alert.id, note="no permit, fined", outcome="resolved", report_id="tab-3"
    )
    assert done.json()["alert"]["status"] == "resolved"
    history = (
        await env.http.get(f"/api/alerts/{alert.id}/history", headers=env.auth("shishi"))
    ).json()
    assert [(h["change"], h["actor"], h["note"], h["report_id"]) for h in history[1:]] == [
        ("reported", "crew", "on scene", "tab-1"),
        ("acknowledged", "crew", None, None),
        ("reported", "crew", "boarded", "tab-2"),
        ("reported", "crew", "no permit, fined", "tab-3"),
        ("resolved", "crew", None, None),
    ]
    commands = await bus.read(topics.ALERT_COMMANDS, "test", "t", block=1.0)
    actions = [orjson.loads(c.payload)["action"] for c in commands]
    assert actions == ["acknowledge", "resolve"]  # the AlertBook learns the status changes


async def test_resent_report_is_stored_once(env: Env, alerts: dict[str, Alert]) -> None:
    alert = alerts["shishi"]
    first = await post_report(env, "crew", alert.id, note="boarded", report_id="tab-7:a")
    again = await post_report(env, "crew", alert.id, note="boarded", report_id="tab-7:a")
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert again.status_code == 200 and again.json()["changes"] == []
    assert again.json()["report_id"] == "tab-7:a"
    history = await env.http.get(f"/api/alerts/{alert.id}/history", headers=env.auth("crew"))
    assert [h["change"] for h in history.json()].count("reported") == 1
    without_id = await post_report(env, "crew", alert.id, note="boarded")
    assert len(without_id.json()["report_id"]) == 32  # the server gives one


async def test_report_on_a_closed_alert_is_kept_and_the_outcome_refused(
    env: Env, alerts: dict[str, Alert]
) -> None:
    alert = alerts["shishi"]
    await env.http.post(f"/api/alerts/{alert.id}/false_alarm", headers=env.auth("shishi"))
    reply = await post_report(env, "crew", alert.id, note="fined 2000", outcome="resolved")
    assert reply.status_code == 200
    body = reply.json()
    assert body["alert"]["status"] == "false_alarm" and body["changes"] == ["reported"]
    assert "false_alarm" in body["outcome_refused"]
    plain = await post_report(env, "crew", alert.id, note="vessel left")
    assert plain.json()["outcome_refused"] is None and plain.json()["changes"] == ["reported"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"note": ""},
        {"note": "  \n "},
        {"note": "x" * 2001},
        {"note": 5},
        {"note": "ok", "outcome": "acknowledged"},
        {"note": "ok", "outcome": "fixed"},
        {"note": "ok", "report_id": ""},
        {"note": "ok", "report_id": "r" * 65},
        {"note": "ok", "report_id": "has space"},
        {"note": "ok\x00"},
    ],
)
async def test_bad_reports_are_refused_and_change_nothing(
    env: Env, alerts: dict[str, Alert], body: dict[str, Any]
) -> None:
    alert = alerts["shishi"]
    reply = await post_report(env, "crew", alert.id, **body)
    assert reply.status_code in (400, 422), reply.text
    assert reply.json()["detail"]
    history = await env.http.get(f"/api/alerts/{alert.id}/history", headers=env.auth("op"))
    assert [h["change"] for h in history.json()] == ["raised"]


async def test_unknown_alert_unauthenticated_and_not_json(
    env: Env, alerts: dict[str, Alert]
) -> None:
    assert (await post_report(env, "op", "no-such-alert", note="x")).status_code == 404
    anonymous = await env.http.post(f"/api/alerts/{alerts['shishi'].id}/report", json={"note": "x"})
    assert anonymous.status_code == 401
    garbled = await env.http.post(
        f"/api/alerts/{alerts['shishi'].id}/report",
        content=b"{not json",
        headers={**env.auth("op"), "content-type": "application/json"},
    )
    assert garbled.status_code == 422


async def test_report_is_pushed_with_its_note(env: Env, alerts: dict[str, Alert]) -> None:
    sockets = {name: await live(env, name) for name in ("op", "shishi", "huian")}
    for ws in sockets.values():
        await subscribe(ws)
    alert = alerts["shishi"]
    await post_report(env, "crew", alert.id, note="登临检查 boarded")
    for name in ("op", "shishi"):
        msg = await recv_until(
            sockets[name], lambda m: m["type"] == "alert" and m["change"] == "reported"
        )
        assert (msg["alert"]["id"], msg["actor"], msg["note"]) == (
            alert.id,
            "crew",
            "登临检查 boarded",
        )
    await post_report(env, "huian", alerts["huian"].id, note="huian's own")
    msg = await recv_until(sockets["huian"], lambda m: m["type"] == "alert")
    assert msg["note"] == "huian's own"
    for ws in sockets.values():
        await ws.close()
