"""Token revocation through the HTTP and WebSocket interfaces, on the memory store (demo)
and on the real PostgreSQL: a password change revokes every token issued before it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

import orjson
import pytest
import websockets
from websockets.asyncio.client import connect

from services.core.config import SeagridConfig
from services.core.db import open_database
from services.web.auth import User
from services.web.users import PgUserStore
from tests.web.conftest import Env, start_env

OLD, NEW = "old-password-1", "new-password-2"


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
async def env(
    request: pytest.FixtureRequest, demo_config: SeagridConfig, pg_url: str, unique: str
) -> AsyncIterator[Env]:
    """A server on either store with two users of this test, `duty-*` and `other-*`."""
    pool, overrides = None, {}
    if request.param == "postgres":
        pool = await open_database(pg_url, max_size=4)
        overrides["users"] = PgUserStore(pool, demo_config.office_ids())
    try:
        async for e in start_env(demo_config, **overrides):
            for name in (f"duty-{unique}", f"other-{unique}"):
                await e.runtime.users.add(User(name, "office", office="shishi"), OLD)
            yield e
    finally:
        if pool is not None:
            await pool.execute("DELETE FROM users WHERE name LIKE $1", f"%-{unique}")
            await pool.close()


async def login(env: Env, name: str, password: str) -> str:
    reply = await env.http.post("/api/auth/token", data={"username": name, "password": password})
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["access_token"]
    return token


async def me(env: Env, token: str) -> int:
    reply = await env.http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    if reply.status_code == 401:
        assert reply.headers["www-authenticate"] == "Bearer"
    return reply.status_code


async def ws_status(env: Env, token: str) -> int:
    """101 when the handshake is accepted (and `hello` arrives), else the HTTP status."""
    try:
        async with connect(f"{env.ws_url}?token={token}") as ws:
            assert orjson.loads(await ws.recv())["type"] == "hello"
            return 101
    except websockets.exceptions.InvalidStatus as exc:
        return exc.response.status_code


async def test_passwd_revokes_earlier_tokens_only(env: Env, unique: str) -> None:
    duty, other = f"duty-{unique}", f"other-{unique}"
    first, second = await login(env, duty, OLD), await login(env, duty, OLD)
    bystander = await login(env, other, OLD)
    assert [await me(env, t) for t in (first, second, bystander)] == [200, 200, 200]
    assert await ws_status(env, first) == 101

    await env.runtime.users.set_password(duty, NEW)

    assert await me(env, first) == 401 and await me(env, second) == 401
    reply = await env.http.get("/api/alerts", headers={"Authorization": f"Bearer {first}"})
    assert reply.status_code == 401 and "revoked" in reply.json()["detail"]
    assert await ws_status(env, first) == 403
    # the old password is gone, the new one gives a token that works everywhere
    bad = await env.http.post("/api/auth/token", data={"username": duty, "password": OLD})
    assert bad.status_code == 401
    fresh = await login(env, duty, NEW)
    assert await me(env, fresh) == 200 and await ws_status(env, fresh) == 101
    # another user of the same office is untouched
    assert await me(env, bystander) == 200 and await ws_status(env, bystander) == 101


async def test_each_change_revokes_again(env: Env, unique: str) -> None:
    duty = f"duty-{unique}"
    await env.runtime.users.set_password(duty, NEW)
    between = await login(env, duty, NEW)
    await env.runtime.users.set_password(duty, NEW)  # the same password again still revokes
    assert await me(env, between) == 401
    assert await me(env, await login(env, duty, NEW)) == 200


async def test_open_socket_keeps_running_until_it_reconnects(env: Env, unique: str) -> None:
    """The documented choice: the handshake is where a token is checked."""
    duty = f"duty-{unique}"
    token = await login(env, duty, OLD)
    async with connect(f"{env.ws_url}?token={token}") as ws:
        assert orjson.loads(await ws.recv())["type"] == "hello"
        await env.runtime.users.set_password(duty, NEW)
        await ws.send('{"type": "ping", "ts": 7}')
        assert orjson.loads(await ws.recv()) | {"ts": 0} == {"type": "pong", "ts": 0, "echo": 7}
    assert await ws_status(env, token) == 403


async def test_a_token_of_another_generation_is_refused(env: Env, unique: str) -> None:
    """Only equality counts, not "at least the stored generation"."""
    duty = f"duty-{unique}"
    stored = await env.runtime.users.get(duty)
    assert stored is not None
    ahead = User(duty, "office", office="shishi", generation=stored.generation + 1)
    token, _ = env.runtime.signer.issue(ahead, time.time())
    assert await me(env, token) == 401


@pytest.mark.postgres
async def test_postgres_deleted_recreated_or_changed_user_is_revoked(
    demo_config: SeagridConfig, pg_url: str, unique: str
) -> None:
    """Rows changed behind the web's back (SQL by an administrator) are honoured too."""
    pool = await open_database(pg_url, max_size=4)
    store = PgUserStore(pool, demo_config.office_ids())
    names = [f"{n}-{unique}" for n in ("gone", "moved")]
    try:
        async for env in start_env(demo_config, users=store):
            for name in names:
                await store.add(User(name, "office", office="shishi"), OLD)
            gone, moved = [await login(env, n, OLD) for n in names]
            assert await me(env, gone) == 200 and await me(env, moved) == 200
            await pool.execute("DELETE FROM users WHERE name = $1", names[0])
            assert await me(env, gone) == 401 and await ws_status(env, gone) == 403
            await store.add(User(names[0], "office", office="shishi"), OLD)  # same name again
            assert await me(env, gone) == 401
            assert await me(env, await login(env, names[0], OLD)) == 200
            await pool.execute("UPDATE users SET office = 'huian' WHERE name = $1", names[1])
            assert await me(env, moved) == 401  # its token still says shishi
    finally:
        with contextlib.suppress(Exception):
            await pool.execute("DELETE FROM users WHERE name = ANY($1)", names)
        await pool.close()
