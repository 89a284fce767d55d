"""`seagrid user` on the real PostgreSQL, and `seagrid run web` as a real process over
Redis and PostgreSQL using the users it created."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from services.core import topics
from services.core.bus_redis import FIELD
from services.core.codec import encode
from services.core.db import open_database
from services.web.users import PgUserStore
from tests.web.conftest import free_port, make_position

pytestmark = pytest.mark.postgres
SEAGRID = [sys.executable, "-m", "services.cli.main"]
REPO = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/12"  # `run web` reads fixed topic names: a DB of its own


def user(pg_url: str, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    env["SEAGRID_DATABASE_URL"] = pg_url
    return subprocess.run(
        [*SEAGRID, "user", *args],
        input=password + "\n",
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_add_list_passwd_and_errors(pg_url: str) -> None:
    ok = user(
        pg_url,
        "add",
        "shishi-duty",
        "--role",
        "office",
        "--office",
        "shishi",
        password="s3cret-pass",
    )
    assert ok.returncode == 0, ok.stderr
    crew = user(
        pg_url, "add", "crew-1", "--role", "patrol", "--office", "shishi", "--mmsi", "413990604",
        password="s3cret-pass",
    )  # fmt: skip
    assert crew.returncode == 0, crew.stderr
    listed = user(pg_url, "list").stdout.splitlines()
    assert "shishi-duty\toffice\tshishi\t-" in listed
    assert "crew-1\tpatrol\tshishi\t413990604" in listed
    for args, message in (
        (["add", "x", "--role", "captain"], "unknown role"),
        (["add", "x", "--role", "office", "--office", "atlantis"], "unknown office"),
        (["add", "x", "--role", "office"], "needs --office"),
        (["add", "x", "--role", "patrol", "--office", "shishi"], "needs --mmsi"),
        (["add", "shishi-duty", "--role", "operator"], "already exists"),
        (["passwd", "nobody"], "no user"),
    ):
        result = user(pg_url, *args, password="long-enough")
        assert result.returncode == 1 and message in result.stderr, (args, result.stderr)
    short = user(pg_url, "add", "y", "--role", "operator", password="short")
    assert short.returncode == 1 and "at least 8" in short.stderr
    assert user(pg_url, "passwd", "shishi-duty", password="new-password").returncode == 0

    async def check() -> None:
        pool = await open_database(pg_url)
        try:
            store = PgUserStore(pool)
            assert await store.authenticate("shishi-duty", "s3cret-pass") is None
            found = await store.authenticate("shishi-duty", "new-password")
            assert found is not None and found.office == "shishi"
            assert await store.authenticate("nobody", "new-password") is None
            row = await pool.fetchval("SELECT password_hash FROM users WHERE name = 'crew-1'")
            assert row.startswith("scrypt$") and "s3cret" not in row
        finally:
            await pool.close()

    asyncio.run(check())


def test_without_a_database_url_it_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    result = subprocess.run(
        [*SEAGRID, "user", "list"], cwd=REPO, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1 and "SEAGRID_DATABASE_URL" in result.stderr


def _clean_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = client.keys("seagrid.*")
    if keys:
        client.delete(*keys)
    client.close()


def test_run_web_serves_over_redis_and_postgres(pg_url: str, tmp_path: Path) -> None:
    assert user(pg_url, "add", "watch", "--role", "operator", password="watch-pass").returncode == 0
    _clean_redis()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    env.update(
        SEAGRID_DATABASE_URL=pg_url,
        SEAGRID_REDIS_URL=REDIS_URL,
        SEAGRID_SECRET_KEY="a-test-key-of-enough-length",
        SEAGRID_WEB__PORT=str(port),
        SEAGRID_WEB__TICK="0.2",
    )
    base = f"http://127.0.0.1:{port}"
    with (
        (tmp_path / "stderr").open("w") as stderr,
        subprocess.Popen([*SEAGRID, "run", "web"], cwd=REPO, env=env, stderr=stderr) as proc,
    ):
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, (tmp_path / "stderr").read_text()
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "run web did not become ready"
                time.sleep(0.2)
            login = httpx.post(
                f"{base}/api/auth/token", data={"username": "watch", "password": "watch-pass"}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            client = redis.Redis.from_url(REDIS_URL)
            client.xadd(topics.CELL_POSITIONS, {FIELD: encode(make_position(412777001))})
            client.close()
            vessels: list[dict[str, object]] = []
            while not vessels and time.monotonic() < deadline + 10:
                vessels = httpx.get(f"{base}/api/vessels", headers=headers).json()["vessels"]
                time.sleep(0.1)
            assert [v["mmsi"] for v in vessels] == [412777001]
            ready = httpx.get(f"{base}/readyz").json()["checks"]
            assert ready["database"] == "ok" and ready["bus"] == "ok"
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
            _clean_redis()
    assert code == 0


def test_serve_with_postgres_and_no_default_users(pg_url: str, tmp_path: Path) -> None:
    """`seagrid serve` without --demo: state in PostgreSQL, users only as created."""
    assert (
        user(pg_url, "add", "centre", "--role", "supervisor", password="centre-pass").returncode
        == 0
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    env.update(SEAGRID_DATABASE_URL=pg_url, SEAGRID_SECRET_KEY="another-test-key-long-enough")
    base = f"http://127.0.0.1:{port}"
    with (
        (tmp_path / "stderr").open("w") as stderr,
        subprocess.Popen(
            [*SEAGRID, "serve", "--port", str(port)], cwd=REPO, env=env, stderr=stderr,
            stdout=subprocess.DEVNULL,
        ) as proc,
    ):  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, (tmp_path / "stderr").read_text()
                try:
                    ready = httpx.get(f"{base}/readyz")
                    if ready.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "serve did not become ready"
                time.sleep(0.2)
            assert ready.json()["checks"]["database"] == "ok"
            for name, password in (("operator", "demo"), ("admin", "demo")):
                denied = httpx.post(
                    f"{base}/api/auth/token", data={"username": name, "password": password}
                )
                assert denied.status_code == 401  # no demo users outside demo mode
            login = httpx.post(
                f"{base}/api/auth/token", data={"username": "centre", "password": "centre-pass"}
            )
            assert login.status_code == 200 and login.json()["user"]["role"] == "supervisor"
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
    assert code == 0
