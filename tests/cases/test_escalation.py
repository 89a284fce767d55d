"""Escalation on a controlled clock, through a restart (PostgreSQL), with its pushes and
the provincial centre's webhook delivery."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.alerts.channels import ChannelSpec, open_channel
from services.cases.model import Case
from services.cases.store import PgCaseStore
from services.cases.store_api import Escalation
from services.core.config import SeagridConfig
from tests.alerts.http_receiver import serve
from tests.cases.fixtures import pg_pool
from tests.cases.test_api import Clock
from tests.web.conftest import start_env
from tests.web.test_live import live, recv_until


@pytest.mark.postgres
async def test_escalation_survives_a_restart(demo_config: SeagridConfig, pg_url: str) -> None:
    clock = Clock()
    async with pg_pool(pg_url) as pool:
        async for env in start_env(demo_config, case_clock=clock, case_store=PgCaseStore(pool)):
            r = await env.http.post(
                "/api/cases",
                json={"type": "inspection", "office": "shishi", "priority": "critical"},
                headers=env.auth("op"),
            )
            case_id = r.json()["id"]
            clock.now += 120 * 60 + 1  # critical inspection: 2 h
            done = await env.runtime.cases.sweeper.sweep_once()
            assert [(e.case.id, e.level) for e in done] == [(case_id, "office")]
        # a new process: new runtime, new store object, same database, same clock
        async for env in start_env(demo_config, case_clock=clock, case_store=PgCaseStore(pool)):
            sweeper = env.runtime.cases.sweeper
            assert await sweeper.sweep_once() == []
            ws = await live(env, "shishi")
            clock.now += 5 * 60
            assert [e.level for e in await sweeper.sweep_once()] == ["centre"]
            pushed = await recv_until(ws, lambda m: m["type"] == "case")
            assert pushed["change"] == "escalated" and pushed["case"]["escalated_to"] == [
                "office",
                "centre",
            ]
            clock.now += 10 * 60
            assert [e.level for e in await sweeper.sweep_once()] == ["provincial"]
            # the demo's provincial channel (log://) receives it; the attempt is recorded
            store = env.runtime.case_store
            for _ in range(100):
                if await store.deliveries(case_id):
                    break
                await asyncio.sleep(0.05)
            records = await store.deliveries(case_id)
            assert [(d.level, d.channel, d.ok) for d in records] == [
                ("provincial", "province", True)
            ]
            detail = (await env.http.get(f"/api/cases/{case_id}", headers=env.auth("op"))).json()
            escalated = [h["note"] for h in detail["history"] if h["change"] == "escalated"]
            assert escalated == [
                "to office: case 0 min past its deadline",
                "to centre: case 5 min past its deadline",
                "to provincial: case 15 min past its deadline",
            ]
            await ws.close()


async def test_provincial_webhook_is_retried_and_recorded(demo_config: SeagridConfig) -> None:
    clock = Clock()
    async for env in start_env(demo_config, case_clock=clock):
        sweeper = env.runtime.cases.sweeper
        now = time.time()
        case = Case("C-9", "search_rescue", "mob", "shishi", "new", "critical", now, now, "op", now)
        await env.runtime.case_store.create(case)
        async with serve([503, 200]) as receiver:
            spec = ChannelSpec("province", receiver.url, backoff_initial=0.01, max_attempts=3)
            sweeper.spec = spec
            channel = open_channel(spec)
            try:
                ok = await sweeper.deliver(channel, Escalation(case, "provincial", now, note="x"))
            finally:
                await channel.close()
        assert ok
        assert [r.body["level"] for r in receiver.requests] == ["provincial", "provincial"]
        keys = {r.headers["idempotency-key"] for r in receiver.requests}
        assert keys == {"C-9::provincial"}
        assert receiver.requests[0].body["case"]["id"] == "C-9"
        records = await env.runtime.case_store.deliveries("C-9")
        assert [(d.attempt, d.ok, d.status_code) for d in records] == [
            (1, False, 503),
            (2, True, 200),
        ]
