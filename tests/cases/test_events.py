"""Two web processes on one PostgreSQL: a case changed through one shows at once to the
users connected to the other, also after the listener's connection was cut."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.cases.store import PgCaseStore
from services.core.config import SeagridConfig
from services.web.case_events import CHANNEL, CaseEvent
from tests.cases.fixtures import pg_pool
from tests.web.conftest import Env, start_env
from tests.web.test_live import live, recv_until

pytestmark = pytest.mark.postgres

BOAT = 413990604  # shishi's boat, crewed by "crew"


@pytest.fixture
async def pair(demo_config: SeagridConfig, pg_url: str) -> AsyncIterator[tuple[Env, Env]]:
    """Two servers, each with its own pool, as two replicas behind a balancer."""
    async with pg_pool(pg_url) as pool_a, pg_pool(pg_url) as pool_b:
        async for a in start_env(demo_config, case_store=PgCaseStore(pool_a)):
            async for b in start_env(demo_config, case_store=PgCaseStore(pool_b)):
                for env in (a, b):
                    await asyncio.wait_for(env.runtime.cases.events.listening.wait(), 10)
                yield a, b


async def open_case(env: Env, **body: object) -> dict:
    payload = {"type": "inspection", "office": "shishi", "lat": 24.7, "lon": 118.7, **body}
    r = await env.http.post("/api/cases", json=payload, headers=env.auth("op"))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_change_made_on_one_replica_is_pushed_by_the_other(pair: tuple[Env, Env]) -> None:
    a, b = pair
    crew_b = await live(b, "crew")
    huian_b = await live(b, "huian")
    case = await open_case(a, patrol_mmsi=BOAT)
    got = await recv_until(crew_b, lambda m: m["type"] == "case")
    assert got["case"]["id"] == case["id"] and got["change"] == "created"
    assert got["actor"] == "op"

    r = await a.http.post(
        f"/api/cases/{case['id']}/instructions",
        json={"to": f"patrol:{BOAT}", "text": "board her"},
        headers=a.auth("op"),
    )
    assert r.status_code == 201, r.text
    sent = await recv_until(crew_b, lambda m: m["type"] == "instruction")
    assert sent["change"] == "sent" and sent["instruction"]["text"] == "board her"

    # the crew acknowledges through B; an operator connected to A sees it
    op_a = await live(a, "op")
    r = await b.http.post(
        f"/api/instructions/{sent['instruction']['id']}/ack", headers=b.auth("crew")
    )
    assert r.status_code == 200, r.text
    acked = await recv_until(
        op_a, lambda m: m["type"] == "instruction" and m["change"] == "acknowledged"
    )
    assert acked["instruction"]["acknowledged_by"] == "crew"

    # an office never hears of another office's case, whichever replica made it
    other = await open_case(a, office="huian", lat=None, lon=None)
    seen = await recv_until(huian_b, lambda m: m["type"] == "case")
    assert seen["case"]["id"] == other["id"]
    # and the replica that made the change pushed it once, not again from its own NOTIFY
    # (the instruction and the case message of B's acknowledgement, nothing of its own)
    assert a.runtime.cases.events.counts["received"] == 2
    for ws in (crew_b, huian_b, op_a):
        await ws.close()


async def test_garbage_notifications_are_counted_and_the_listener_survives_a_cut(
    pair: tuple[Env, Env], pg_url: str
) -> None:
    a, b = pair
    events_b = b.runtime.cases.events
    async with pg_pool(pg_url) as pool:
        for payload in ("not json", "[1, 2]", '{"case": 5}', CaseEvent("C-none", "x").payload()):
            await pool.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
        # cut every listening connection, as a PostgreSQL restart would
        await pool.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        )
    for _ in range(200):
        if events_b.counts["bad_payload"] >= 3 and events_b.counts["unknown_case"] >= 1:
            break
        await asyncio.sleep(0.05)
    assert events_b.counts["bad_payload"] == 3 and events_b.counts["unknown_case"] == 1

    for _ in range(300):  # back-off starts at 0.5 s
        if events_b.counts["listens"] >= 2:
            break
        await asyncio.sleep(0.05)
    assert events_b.counts["listens"] == 2
    crew_b = await live(b, "crew")
    case = await open_case(a, patrol_mmsi=BOAT)
    got = await recv_until(crew_b, lambda m: m["type"] == "case")
    assert got["case"]["id"] == case["id"]
    await crew_b.close()


async def test_many_changes_go_out_in_one_notification_round_trip_and_in_order(
    pair: tuple[Env, Env],
) -> None:
    """An escalation sweep notifies all it escalated at once; the others push each, in order."""
    a, b = pair
    cases = [await open_case(a, patrol_mmsi=BOAT) for _ in range(3)]
    crew_b = await live(b, "crew")
    store = a.runtime.cases.store
    events_a = a.runtime.cases.events
    sent_before = events_a.counts["sent"]
    batch = []
    for i, made in enumerate(reversed(cases)):
        case = await store.get(made["id"])
        assert case is not None
        batch.append(events_a.push_case(case, 0.0, "escalated", None, f"overdue {i}"))
    await events_a.notify(batch)
    assert events_a.counts["sent"] == sent_before + 3
    got = [
        await recv_until(crew_b, lambda m: m["type"] == "case" and m["change"] == "escalated")
        for _ in range(3)
    ]
    assert [m["case"]["id"] for m in got] == [c["id"] for c in reversed(cases)]
    assert [m["note"] for m in got] == ["overdue 0", "overdue 1", "overdue 2"]
    await events_a.notify([])  # nothing to say costs nothing and fails nothing
    assert events_a.counts["send_failed"] == 0
    await crew_b.close()
