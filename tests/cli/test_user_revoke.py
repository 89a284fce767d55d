"""`seagrid user passwd`, run as its own process, revokes the tokens a running web service
issued before: the service learns it from PostgreSQL on the next request."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from websockets.asyncio.client import connect

from services.core.config import load_config
from services.core.db import open_database
from services.core.settings import DEMO_CONFIG_DIR
from services.web.users import PgUserStore
from tests.cli.test_user import user
from tests.web.conftest import Env, start_env

pytestmark = pytest.mark.postgres


async def login(env: Env, name: str, password: str) -> dict[str, str]:
    form = {"username": name, "password": password}
    reply = await env.http.post("/api/auth/token", data=form)
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def test_cli_passwd_revokes_tokens_of_a_running_server(pg_url: str, unique: str) -> None:
    duty, other = f"duty-{unique}", f"other-{unique}"
    for name in (duty, other):
        added = await asyncio.to_thread(
            user, pg_url, "add", name, "--role", "operator", password="first-password"
        )
        assert added.returncode == 0, added.stderr
    pool = await open_database(pg_url, max_size=4)
    try:
        async for env in start_env(load_config(DEMO_CONFIG_DIR), users=PgUserStore(pool)):
            old, bystander = (
                await login(env, duty, "first-password"),
                await login(env, other, "first-password"),
            )
            assert (await env.http.get("/api/me", headers=old)).status_code == 200

            changed = await asyncio.to_thread(
                user, pg_url, "passwd", duty, password="second-password"
            )
            assert changed.returncode == 0 and "revoked" in changed.stderr, changed.stderr

            assert (await env.http.get("/api/me", headers=old)).status_code == 401
            with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
                await connect(env.ws_url, additional_headers=old)
            assert refused.value.response.status_code == 403
            new = await login(env, duty, "second-password")
            assert (await env.http.get("/api/me", headers=new)).json()["name"] == duty
            assert (await env.http.get("/api/me", headers=bystander)).status_code == 200
    finally:
        await pool.execute("DELETE FROM users WHERE name = ANY($1)", [duty, other])
        await pool.close()
