"""Free text and strict types through the real server, on the memory store and on
PostgreSQL (which cannot store NUL at all): one rule for every free-text field (tab and line
breaks allowed, every other control character 422), no coercion of JSON types, repeated
actions answered alike and quietly, the history in one clock's order, and a revoked token
refused before its body is used."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.alerts.model import Alert
from services.alerts.store import PgAlertStore
from services.core import topics
from services.core.config import SeagridConfig
from services.core.db import open_database
from services.web.auth import User
from services.web.users import PgUserStore
from tests.web.conftest import Env, make_alert, start_env

REFUSED = ["\x00", "\x01", "\x1b[31m", "\x7f", "\x80", "\x85", "\x9f", "\x0b", "\x0c"]
ALLOWED = "line one\n\tline two\r\n现场反馈: ok — 好"


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
async def env(
    request: pytest.FixtureRequest, demo_config: SeagridConfig, pg_url: str
) -> AsyncIterator[Env]:
    pool, overrides = None, {}
    if request.param == "postgres":
        pool = await open_database(pg_url, max_size=4)
        overrides = {
            "alerts": PgAlertStore(pool),
            "users": PgUserStore(pool, demo_config.office_ids()),
        }
    try:
        async for e in start_env(demo_config, **overrides):
            if pool is not None:
                for name, user in (("op", User("op", "operator")), ("adm", User("adm", "admin"))):
                    if await e.runtime.users.get(name) is None:
                        await e.runtime.users.add(user, "a-long-password")
                    stored = await e.runtime.users.get(name)
                    assert stored is not None
                    e.tokens[name] = e.runtime.signer.issue(stored, __import__("time").time())[0]
            yield e
    finally:
        if pool is not None:
            await pool.close()


async def fresh_alert(env: Env, **fields: Any) -> Alert:
    """An alert of a vessel of its own: the PostgreSQL store lives for the whole session."""
    return await env.alert(mmsi=412_000_000 + random.randrange(1, 999_999), **fields)


async def post(env: Env, path: str, body: Any, user: str = "op") -> Any:
    return await env.http.post(path, json=body, headers=env.auth(user))


@pytest.mark.parametrize("bad", REFUSED)
async def test_control_characters_are_422_in_every_free_text_field(env: Env, bad: str) -> None:
    alert = await fresh_alert(env)
    base = f"/api/alerts/{alert.id}"
    silence = {"mmsi": 412000001, "start": 0, "end": 60}
    bodies = [
        (f"{base}/ack", {"note": f"a{bad}b"}),
        (f"{base}/resolve", {"note": bad}),
        (f"{base}/false_alarm", {"note": f"{bad} x"}),
        (f"{base}/report", {"note": f"seen{bad}"}),
        (f"{base}/silence", {"minutes": 5, "reason": f"r{bad}"}),
        ("/api/silences", {**silence, "reason": f"r{bad}"}),
        ("/api/silences", {**silence, "rule": f"zone_entry{bad}"}),
    ]
    for path, body in bodies:
        reply = await post(env, path, body)
        assert reply.status_code == 422, (path, reply.text)
        assert "control character" in reply.json()["detail"], reply.text
    user = {"name": f"u{bad}x", "role": "operator", "password": "long enough"}
    assert (await post(env, "/api/users", user, "adm")).status_code == 422
    history = (await env.http.get(f"{base}/history", headers=env.auth("op"))).json()
    assert [h["change"] for h in history] == ["raised"]  # nothing was stored


async def test_tab_and_line_breaks_are_kept(env: Env) -> None:
    alert = await fresh_alert(env)
    reply = await post(env, f"/api/alerts/{alert.id}/ack", {"note": ALLOWED})
    assert reply.status_code == 200, reply.text
    history = (await env.http.get(f"/api/alerts/{alert.id}/history", headers=env.auth("op"))).json()
    assert history[-1]["note"] == ALLOWED


async def test_the_store_refuses_what_the_api_would(env: Env) -> None:
    """Callers other than the API (CLI, other services) meet the same rule: 400, not a
    PostgreSQL error (NUL) and not a stored control character."""
    from services.alerts.store_api import InvalidQuery

    alert = await fresh_alert(env)
    for bad in ("\x00", "\x7f", "\x9b"):
        with pytest.raises(InvalidQuery, match="control character"):
            await env.runtime.actions.act(alert.id, "acknowledge", "op", f"x{bad}")
        with pytest.raises(InvalidQuery, match="control character"):
            await env.runtime.actions.report(alert.id, "op", f"x{bad}")


@pytest.mark.parametrize(
    "body",
    [
        {"mmsi": True, "start": 0, "end": 60},
        {"mmsi": "412000001", "start": 0, "end": 60},
        {"mmsi": 412000001.0, "start": 0, "end": 60},
        {"mmsi": 412000001, "start": False, "end": 60},
        {"mmsi": 412000001, "start": "0", "end": 60},
        {"mmsi": 412000001, "start": 0, "end": 60, "reason": 5},
    ],
)
async def test_no_type_coercion(env: Env, body: dict[str, Any]) -> None:
    reply = await post(env, "/api/silences", body)
    assert reply.status_code == 422, reply.text
    listed = await env.http.get("/api/silences", headers=env.auth("op"))
    assert [s for s in listed.json() if s["mmsi"] == 1] == []


async def test_exact_types_still_work(env: Env) -> None:
    reply = await post(env, "/api/silences", {"mmsi": 412000001, "start": 0, "end": 60.5})
    assert reply.status_code == 201, reply.text
    alert = await fresh_alert(env)
    reply = await post(env, f"/api/alerts/{alert.id}/report", {"note": "ok", "outcome": "resolved"})
    assert reply.status_code == 200 and reply.json()["alert"]["status"] == "resolved"


async def test_repeated_action_answers_the_same_without_a_warning(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    alert = await fresh_alert(env)
    url = f"/api/alerts/{alert.id}/ack"
    bus = env.runtime.bus
    await bus.ensure_group(topics.ALERT_COMMANDS, "probe")  # what the alerts stage would hear
    first = await post(env, url, {"note": "on it"})
    with caplog.at_level(logging.INFO):
        repeats = [await post(env, url, {"note": "on it"}) for _ in range(3)]
        await env.settle()
    assert first.status_code == 200
    assert all(r.status_code == 200 and r.json() == first.json() for r in repeats)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    history = (await env.http.get(f"/api/alerts/{alert.id}/history", headers=env.auth("op"))).json()
    assert [h["change"] for h in history] == ["raised", "acknowledged"]
    heard = await bus.read(topics.ALERT_COMMANDS, "probe", "probe-1", count=100, block=0.1)
    assert len(heard) == 1  # the repeats announced nothing to the pipeline


def test_the_alert_book_takes_a_repeated_command_quietly(
    demo_config: SeagridConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """A command redelivered by the bus (at least once) is no fault: no WARNING per call."""
    from services.alerts.model import command_for
    from services.alerts.stage import AlertsStage

    processor = AlertsStage(demo_config).processor
    raised = make_alert(mmsi=412000777, raised_at=1_700_000_000.0)
    processor.book.restore([raised])
    with caplog.at_level(logging.INFO):
        changes = [
            processor.command(command_for("acknowledge", raised, "op", 1_700_000_010.0 + i))
            for i in range(3)
        ]
    assert [len(c) for c in changes] == [1, 0, 0]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


async def test_history_is_in_the_order_stored(env: Env) -> None:
    """A replay at --speed 10 runs the recording's clock ahead of the wall clock: the raise
    carries a later `at` than the operator's acknowledgement that follows it."""
    import time

    alert = await fresh_alert(env, raised_at=time.time() + 3600.0)  # recording time, ahead
    await post(env, f"/api/alerts/{alert.id}/ack", {"note": "seen"})
    await post(env, f"/api/alerts/{alert.id}/report", {"note": "checked"})
    history = (await env.http.get(f"/api/alerts/{alert.id}/history", headers=env.auth("op"))).json()
    assert [h["change"] for h in history] == ["raised", "acknowledged", "reported"]
    assert history[0]["at"] > history[1]["at"]  # the clocks differ...
    recorded = [h["recorded_at"] for h in history]
    assert recorded == sorted(recorded)  # ...the order is the store's one clock


async def test_revoked_token_with_a_body_is_401(env: Env, unique: str) -> None:
    name = f"rev-{unique}"
    await env.runtime.users.add(User(name, "operator"), "old-password-1")
    stored = await env.runtime.users.get(name)
    assert stored is not None
    token = env.runtime.signer.issue(stored, __import__("time").time())[0]
    alert = await fresh_alert(env)
    headers = {"Authorization": f"Bearer {token}"}
    ok = await env.http.post(f"/api/alerts/{alert.id}/ack", json={"note": "a"}, headers=headers)
    assert ok.status_code == 200
    await env.runtime.users.set_password(name, "new-password-2")
    reply = await env.http.post(
        f"/api/alerts/{alert.id}/resolve", json={"note": "b"}, headers=headers
    )
    assert reply.status_code == 401 and "revoked" in reply.json()["detail"]
    assert (await env.runtime.alerts.get(alert.id)).status == "acknowledged"  # type: ignore[union-attr]


async def test_a_silence_shorter_than_a_microsecond_is_400_not_500(env: Env) -> None:
    """PostgreSQL keeps microseconds: end 1e-7 s after start is no interval there."""
    body = {"mmsi": 412000001, "start": 0, "end": 1e-7}
    reply = await post(env, "/api/silences", body)
    assert reply.status_code == 400 and "end must be after start" in reply.text
