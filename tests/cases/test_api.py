"""The case API through a real server (memory store): every transition, each role against
each action, bad input, idempotent reports, pushes, and the assistance ranking."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.cases.store import PgCaseStore
from services.core.config import SeagridConfig
from tests.cases.fixtures import pg_pool
from tests.web.conftest import Env, make_position, start_env
from tests.web.test_live import live, recv_until

CENTRE = ("op", "sup", "adm")
BOAT = 413990604  # shishi's boat, crewed by "crew"
OTHER_BOAT = 413990602  # huian's


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
async def env(
    request: pytest.FixtureRequest, demo_config: SeagridConfig, clock: Clock, pg_url: str
) -> AsyncIterator[Env]:
    """The API on the memory store (as in the demo) and on PostgreSQL."""
    if request.param == "memory":
        async for e in start_env(demo_config, case_clock=clock):
            yield e
        return
    async with pg_pool(pg_url) as pool:
        async for e in start_env(demo_config, case_clock=clock, case_store=PgCaseStore(pool)):
            yield e


async def post(env: Env, user: str, path: str, body: Any = None) -> Any:
    return await env.http.post(path, json=body, headers=env.auth(user))


async def new_case(env: Env, user: str = "op", **body: Any) -> dict[str, Any]:
    payload = {"type": "inspection", "office": "shishi", "lat": 24.7, "lon": 118.7, **body}
    r = await post(env, user, "/api/cases", payload)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_every_transition_and_the_409s(env: Env) -> None:
    case = await new_case(env)
    cid = case["id"]
    assert case["status"] == "new" and case["allowed_actions"][:3] == [
        "assign",
        "acknowledge",
        "start",
    ]
    steps = [
        ("assign", {"patrol_mmsi": BOAT}, "assigned"),
        ("acknowledge", {}, "acknowledged"),
        ("start", {"note": "under way"}, "in_progress"),
    ]
    for action, body, status in steps:
        r = await post(env, "shishi", f"/api/cases/{cid}/{action}", body)
        assert r.status_code == 200 and r.json()["status"] == status, r.text
    r = await post(
        env,
        "crew",
        f"/api/cases/{cid}/reports",
        {"report_id": "x1", "outcome": "violation", "measures": ["fine"]},
    )
    assert r.status_code == 201 and r.json()["case"]["status"] == "reported"
    r = await post(env, "shishi", f"/api/cases/{cid}/start", {})
    assert (
        r.status_code == 409
        and "allowed now: close, cancel, report, instruct" in r.json()["detail"]
    )
    r = await post(env, "shishi", f"/api/cases/{cid}/close", {"reason": "fined"})
    assert r.status_code == 200 and r.json()["outcome"] == "violation"
    assert r.json()["measures"] == ["fine"] and r.json()["close_reason"] == "fined"
    for action in ("close", "cancel", "assign", "start", "acknowledge"):
        body = (
            {"reason": "x"}
            if action in ("close", "cancel")
            else {"patrol_mmsi": BOAT}
            if action == "assign"
            else {}
        )
        r = await post(env, "shishi", f"/api/cases/{cid}/{action}", body)
        assert r.status_code == 409 and "reopen" in r.json()["detail"], action
    r = await post(env, "sup", f"/api/cases/{cid}/reopen", {"reason": "appeal"})
    assert r.json()["status"] == "assigned"
    r = await post(env, "op", f"/api/cases/{cid}/cancel", {"reason": "duplicate"})
    assert r.json()["status"] == "cancelled"
    detail = (await env.http.get(f"/api/cases/{cid}", headers=env.auth("op"))).json()
    assert [h["change"] for h in detail["history"]] == [
        "created",
        "assigned",
        "acknowledged",
        "started",
        "reported",
        "closed",
        "reopened",
        "cancelled",
    ]
    assert all(h["actor"] and h["at"] for h in detail["history"])


ROLES = (*CENTRE, "shishi", "huian", "crew")


@pytest.mark.parametrize("user", ROLES)
async def test_each_role_against_each_action(env: Env, user: str) -> None:
    case = await new_case(env, patrol_mmsi=BOAT)
    cid = case["id"]
    inst = (
        await post(
            env, "op", f"/api/cases/{cid}/instructions", {"to": f"patrol:{BOAT}", "text": "go"}
        )
    ).json()
    office_inst = (
        await post(
            env, "op", f"/api/cases/{cid}/instructions", {"to": "shishi", "text": "send a boat"}
        )
    ).json()
    centre, own = user in CENTRE, user == "shishi"
    crew = user == "crew"
    expect = {
        "read": 200 if centre or own or crew else 403,
        "create_shishi": 201 if centre or own else 403,
        "create_huian": 201 if centre or user == "huian" else 403,
        "start": 200 if centre or own else 403,
        "instruct_boat": 201 if centre or own else 403,
        "instruct_office": 201 if centre else 403,
        "ack_boat": 200 if own or crew else 403,
        "ack_office": 200 if own else 403,
        "report": 201 if centre or own or crew else 403,
        "close": 200 if centre or own else 403,
    }
    got = {
        "read": (await env.http.get(f"/api/cases/{cid}", headers=env.auth(user))).status_code,
        "create_shishi": (
            await post(env, user, "/api/cases", {"type": "other", "office": "shishi"})
        ).status_code,
        "create_huian": (
            await post(env, user, "/api/cases", {"type": "other", "office": "huian"})
        ).status_code,
        "start": (await post(env, user, f"/api/cases/{cid}/start", {})).status_code,
        "instruct_boat": (
            await post(
                env, user, f"/api/cases/{cid}/instructions", {"to": f"patrol:{BOAT}", "text": "x"}
            )
        ).status_code,
        "instruct_office": (
            await post(env, user, f"/api/cases/{cid}/instructions", {"to": "huian", "text": "x"})
        ).status_code,
        "ack_boat": (await post(env, user, f"/api/instructions/{inst['id']}/ack")).status_code,
        "ack_office": (
            await post(env, user, f"/api/instructions/{office_inst['id']}/ack")
        ).status_code,
        "report": (
            await post(env, user, f"/api/cases/{cid}/reports", {"report_id": f"r-{user}"})
        ).status_code,
        "close": (await post(env, user, f"/api/cases/{cid}/close", {"reason": "done"})).status_code,
    }
    assert got == expect
    listed = (await env.http.get("/api/cases", headers=env.auth(user))).json()["items"]
    assert (cid in {c["id"] for c in listed}) == (centre or own or crew)
    if user == "huian":
        r = await env.http.get("/api/cases?office=shishi", headers=env.auth(user))
        assert r.status_code == 403


async def test_bad_input_is_refused_and_writes_nothing(env: Env, clock: Clock) -> None:
    case = await new_case(env)
    cid = case["id"]
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock.now - 60))
    bad = [
        ("/api/cases", {"type": "inspection", "office": "nowhere"}, 400, "unknown office"),
        ("/api/cases", {"type": "inspection", "office": "shishi", "deadline": past}, 400, "past"),
        ("/api/cases", {"type": "party", "office": "shishi"}, 400, "unknown type"),
        (
            "/api/cases",
            {"type": "inspection", "office": "shishi", "patrol_mmsi": OTHER_BOAT},
            400,
            "belongs to office huian",
        ),
        (
            "/api/cases",
            {
                "type": "inspection",
                "office": "shishi",
                "area": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                },
            },
            400,
            "invalid geometry",
        ),
        (
            "/api/cases",
            {
                "type": "inspection",
                "office": "shishi",
                "area": {"type": "Polygon", "coordinates": "x"},
            },
            400,
            "malformed",
        ),
        ("/api/cases", {"type": "inspection", "office": "shishi", "colour": "red"}, 422, "colour"),
        (
            "/api/cases",
            {"type": "inspection", "alert_ids": ["no-such-alert"]},
            400,
            "unknown alert",
        ),
        (f"/api/cases/{cid}/assign", {"patrol_mmsi": OTHER_BOAT}, 400, "belongs to office huian"),
        (
            f"/api/cases/{cid}/instructions",
            {"to": "patrol:1", "text": "x"},
            400,
            "not a configured patrol boat",
        ),
        (
            f"/api/cases/{cid}/instructions",
            {"to": "shishi", "text": "x", "deadline": past},
            400,
            "past",
        ),
        (f"/api/cases/{cid}/close", {"reason": ""}, 422, "reason"),
        (f"/api/cases/{cid}/close", {"reason": "x", "outcome": "maybe"}, 400, "unknown outcome"),
        ("/api/cases/C-nope/start", {}, 404, "no case"),
        ("/api/instructions/I-nope/ack", None, 404, "no instruction"),
        (
            "/api/incidents",
            {"kind": "party", "lat": 24.7, "lon": 118.7},
            400,
            "unknown incident kind",
        ),
    ]
    for path, body, status, words in bad:
        r = await post(env, "op", path, body)
        assert r.status_code == status and words in r.json()["detail"], (path, body, r.text)
    assert (await env.http.get("/api/cases/C-nope", headers=env.auth("op"))).status_code == 404
    r = await env.http.get("/api/cases?status=open,lost", headers=env.auth("op"))
    assert r.status_code == 400 and "unknown status 'lost'" in r.json()["detail"]
    r = await env.http.get("/api/cases?status=open,closed", headers=env.auth("op"))
    assert r.status_code == 200 and r.json()["count"] == 1
    listed = (await env.http.get("/api/cases", headers=env.auth("op"))).json()
    assert listed["count"] == 1
    detail = (await env.http.get(f"/api/cases/{cid}", headers=env.auth("op"))).json()
    assert [h["change"] for h in detail["history"]] == ["created"] and detail["instructions"] == []


async def test_reports_are_idempotent_and_kept_after_close(env: Env, clock: Clock) -> None:
    cid = (await new_case(env, patrol_mmsi=BOAT))["id"]
    body = {
        "report_id": "tablet-7",
        "outcome": None,
        "note": "on scene",
        "lat": 24.71,
        "lon": 118.69,
    }
    first = await post(env, "crew", f"/api/cases/{cid}/reports", body)
    assert first.status_code == 201 and first.json()["case"]["status"] == "in_progress"
    again = await post(env, "crew", f"/api/cases/{cid}/reports", body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    await post(env, "shishi", f"/api/cases/{cid}/close", {"reason": "done"})
    clock.now += 60
    late = await post(
        env,
        "crew",
        f"/api/cases/{cid}/reports",
        {"report_id": "tablet-8", "outcome": "no_violation"},
    )
    assert late.status_code == 201 and late.json()["case"]["status"] == "closed"
    detail = (await env.http.get(f"/api/cases/{cid}", headers=env.auth("shishi"))).json()
    assert [r["report_id"] for r in detail["reports"]] == ["tablet-7", "tablet-8"]
    assert detail["reports"][0]["lat"] == 24.71 and detail["reports"][0]["attachments"] == []
    patrols = (await env.http.get("/api/patrols", headers=env.auth("shishi"))).json()
    boat = next(p for p in patrols["items"] if p["mmsi"] == BOAT)
    assert boat["last_report"]["report_id"] == "tablet-8"


async def test_alert_links_show_the_case_and_the_vessel_record(env: Env) -> None:
    alert = await env.alert(mmsi=412000301, office="shishi")
    case = await new_case(env, alert_ids=[alert.id], office=None, lat=None, lon=None)
    assert case["office"] == "shishi" and case["mmsi"] == 412000301 and case["lat"] == alert.lat
    got = (await env.http.get(f"/api/alerts/{alert.id}", headers=env.auth("shishi"))).json()
    assert got["case_id"] == case["id"]
    page = (await env.http.get("/api/alerts", headers=env.auth("op"))).json()
    assert next(a for a in page["items"] if a["id"] == alert.id)["case_id"] == case["id"]
    await post(
        env,
        "shishi",
        f"/api/cases/{case['id']}/close",
        {"reason": "fined", "outcome": "violation", "measures": ["fine"]},
    )
    await env.positions(make_position(412000301, 24.7, 118.7))
    await env.settle()
    vessel = (await env.http.get("/api/vessels/412000301", headers=env.auth("huian"))).json()
    record = vessel["record"]
    assert record["violations"] == 1 and record["cases"][0]["measures"] == ["fine"]
    assert record["alert_count"] == 0  # huian does not see shishi's alerts
    assert (await env.http.get("/api/vessels/412000301", headers=env.auth("op"))).json()["record"][
        "alert_count"
    ] == 1


async def test_pushes_go_to_those_who_may_see(env: Env) -> None:
    crew = await live(env, "crew")
    huian = await live(env, "huian")
    cid = (await new_case(env, patrol_mmsi=BOAT))["id"]
    await post(
        env, "op", f"/api/cases/{cid}/instructions", {"to": f"patrol:{BOAT}", "text": "board her"}
    )
    msg = await recv_until(crew, lambda m: m["type"] == "instruction")
    assert msg["change"] == "sent" and msg["instruction"]["text"] == "board her"
    assert msg["case"]["id"] == cid
    case_msg = await recv_until(crew, lambda m: m["type"] == "case")
    assert case_msg["case"]["id"] == cid
    other = await new_case(env, office="huian", lat=None, lon=None)
    got = await recv_until(huian, lambda m: m["type"] == "case")
    assert got["case"]["id"] == other["id"]  # and never shishi's case before it
    await crew.close()
    await huian.close()


async def test_overdue_filter_and_escalation_on_the_clock(env: Env, clock: Clock) -> None:
    cid = (await new_case(env, priority="critical", type="search_rescue"))["id"]
    r = await env.http.get("/api/cases?overdue=true", headers=env.auth("op"))
    assert r.json()["count"] == 0
    clock.now += 60 * 60 + 1  # search_rescue, critical: 60 min
    r = await env.http.get("/api/cases?overdue=true", headers=env.auth("shishi"))
    assert [c["id"] for c in r.json()["items"]] == [cid] and r.json()["items"][0]["overdue"]
    sweeper = env.runtime.cases.sweeper
    assert [e.level for e in await sweeper.sweep_once()] == ["office"]
    clock.now += 5 * 60
    assert [e.level for e in await sweeper.sweep_once()] == ["centre"]
    clock.now += 10 * 60
    assert [e.level for e in await sweeper.sweep_once()] == ["provincial"]
    assert await sweeper.sweep_once() == []


async def test_incident_ranks_assistance_by_time_to_reach(env: Env) -> None:
    lat, lon = 24.5, 118.8
    nm = 1 / 60.04  # degrees of latitude per nautical mile on the haversine sphere
    await env.positions(
        make_position(BOAT, lat + 6 * nm, lon, speed=0.0),  # patrol, 6 nm: 20 min at 18 kn
        make_position(413990605, lat + 3 * nm, lon, speed=0.0),  # patrol, 3 nm: 10 min
        make_position(412000201, lat + 1 * nm, lon, speed=4.0),  # 1 nm at 4 kn: 15 min
        make_position(412000202, lat + 2 * nm, lon, speed=0.0),  # 2 nm, stopped: no ETA
        make_position(412000204, lat + 10 * nm, lon, speed=20.0),  # outside the radius
        make_position(412000203, lat, lon, speed=0.0),  # the vessel in distress
    )
    await env.settle()
    r = await post(
        env,
        "op",
        "/api/incidents",
        {"kind": "man_overboard", "lat": lat, "lon": lon, "mmsi": 412000203, "radius_nm": 5},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["type"] == "search_rescue" and case["priority"] == "critical"
    order = [(a["mmsi"], a["patrol"], a["eta_min"]) for a in case["assist"]]
    patrols = [m for m, p, _ in order if p]
    assert [m for m, _, _ in order if m not in patrols or m in (BOAT, 413990605)][:4] == [
        413990605,
        412000201,
        BOAT,
        412000202,
    ]
    assert [round(e) for _, _, e in order[:3]] == [10, 15, 20] and order[3][2] is None
    inside = [v["mmsi"] for v in case["incident"]["within_radius"]]
    assert inside == [412000201, 412000202, 413990605]
    near = (await env.http.get(f"/api/patrols?lat={lat}&lon={lon}", headers=env.auth("op"))).json()
    assert near["suggested"]["mmsi"] == 413990605 and near["items"][0]["state"] == "free"


async def test_patrol_board_states(env: Env, clock: Clock) -> None:
    await env.positions(make_position(BOAT, 24.7, 118.7, speed=12.0))
    await env.positions(make_position(413990605, 24.6, 118.7, speed=0.0))
    await env.settle()
    cid = (await new_case(env, patrol_mmsi=BOAT))["id"]
    board = (await env.http.get("/api/patrols", headers=env.auth("shishi"))).json()
    states = {p["mmsi"]: (p["state"], (p["case"] or {}).get("id")) for p in board["items"]}
    assert states == {BOAT: ("on_task", cid), 413990605: ("free", None)}
    assert (
        await env.http.get("/api/patrols?office=huian", headers=env.auth("shishi"))
    ).status_code == 403
    everyone = (await env.http.get("/api/patrols", headers=env.auth("op"))).json()
    assert everyone["count"] == 7
    assert {p["mmsi"]: p["state"] for p in everyone["items"]}[413990601] == "out_of_contact"
    suggestion = (
        await env.http.get(f"/api/cases/{cid}/suggestion", headers=env.auth("shishi"))
    ).json()
    assert suggestion["suggested"]["mmsi"] == 413990605  # the free one, not the busy one
    clock.now += 11 * 60  # nothing heard for 11 min
    board = (await env.http.get("/api/patrols", headers=env.auth("shishi"))).json()
    assert {p["state"] for p in board["items"]} == {"out_of_contact"}
