"""Fixtures shared by all tests: real data and real services, no mocks.

PostgreSQL: each test session creates its own database (dropped at the end), so concurrent
runs never see each other's rows. Redis: tests use their own DB index and unique key names,
and delete what they created instead of flushing the whole database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

REPO = Path(__file__).resolve().parent.parent
SHARED_AIS = Path(os.environ.get("SEAGRID_SHARED_DIR", REPO.parent / "shared")) / "data" / "ais"
PG_ADMIN_URL = os.environ.get(
    "SEAGRID_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SEAGRID_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def shared_ais() -> Path:
    """The real AIS recordings of `../shared/data/ais/`."""
    if not SHARED_AIS.is_dir():
        pytest.fail(f"real AIS recordings not found at {SHARED_AIS} (set SEAGRID_SHARED_DIR)")
    return SHARED_AIS


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for this test session."""
    import asyncio

    name = f"seagrid_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def own_db(pg_url: str) -> AsyncIterator[str]:
    """A database of the test's own, for tests whose processes migrate and fill one: the
    session database holds other modules' rows."""
    name = f"own_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def clean_redis() -> AsyncIterator[None]:
    """For tests of stages, which use the fixed topic names (services/core/topics.py): the
    `seagrid.*` keys of the test Redis database deleted before and after the test."""

    async def wipe() -> None:
        client = aioredis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(match="seagrid.*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()

    await wipe()
    yield
    await wipe()


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # pragma: no cover - environment problem, not a test result
        pytest.fail(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client
    await client.aclose()


@pytest.fixture
def unique() -> str:
    """A short unique token for topic, key and group names of one test."""
    return uuid.uuid4().hex[:10]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an event loop running in the main thread from the first
    browser test to the end of the session (its fixtures are session-scoped: one server and
    one Chromium for all), and `asyncio.run()` refuses to start inside a running loop, so any
    asyncio test collected after them would fail.
    """
    del config
    items.sort(key=lambda item: "browser" in item.path.parts)  # stable: order otherwise kept
