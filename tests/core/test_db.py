"""Connection and migrations against the real local PostgreSQL server.

Migration tests need a database nobody has migrated yet, so each makes its own next to the
session's `pg_url` database and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.core import db

pytestmark = pytest.mark.postgres


@pytest.fixture
async def fresh_url(pg_url: str) -> AsyncIterator[str]:
    name = f"seagrid_mig_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_migrations_ship_in_order() -> None:
    found = db.migrations()
    versions = [m.version for m in found]
    # numbers are handed out in ranges to parallel work, so gaps are expected
    assert versions == sorted(set(versions)) and versions[:6] == list(range(1, 7))
    assert found[0].name == "vessels_positions"
    assert all("CREATE" in m.sql or "ALTER TABLE" in m.sql for m in found)  # DDL, not data


async def test_migrate_applies_records_and_is_idempotent(fresh_url: str) -> None:
    pool = await db.connect(fresh_url)
    try:
        first = await db.migrate(pool)
        second = await db.migrate(pool)
        rows = await pool.fetch("SELECT version, name, applied_at FROM schema_migrations")
        tables = {
            r["tablename"]
            for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
    finally:
        await pool.close()
    assert first == [m.version for m in db.migrations()]
    assert second == []
    assert [(r["version"], r["name"]) for r in rows] == [
        (m.version, m.name) for m in db.migrations()
    ]
    assert all(r["applied_at"] is not None for r in rows)
    assert {"vessels", "positions", "schema_migrations"} <= tables


async def test_migrate_accepts_a_connection(fresh_url: str) -> None:
    conn = await asyncpg.connect(fresh_url)
    try:
        assert await db.migrate(conn) == [m.version for m in db.migrations()]
        assert await db.migrate(conn) == []
    finally:
        await conn.close()


async def test_concurrent_migrations_apply_each_version_once(fresh_url: str) -> None:
    # Separate connections, as separate processes would have; without the advisory lock
    # they race on CREATE TABLE and one of them fails.
    conns = [await asyncpg.connect(fresh_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(db.migrate(c) for c in conns))
        count = await conns[0].fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        for conn in conns:
            await conn.close()
    versions = [m.version for m in db.migrations()]
    assert sorted(v for applied in results for v in applied) == versions
    assert sum(1 for applied in results if applied) == 1
    assert count == len(versions)


async def test_failed_migration_rolls_back_and_names_itself(fresh_url: str) -> None:
    conn = await asyncpg.connect(fresh_url)
    try:
        await conn.execute("CREATE TABLE positions (x int)")  # someone else's table
        with pytest.raises(db.MigrationError, match=r"0001_vessels_positions.*positions"):
            await db.migrate(conn)
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == 0
        assert await conn.fetchval("SELECT to_regclass('vessels')") is None
        # the lock was released: a second attempt fails the same way instead of hanging
        with pytest.raises(db.MigrationError):
            await asyncio.wait_for(db.migrate(conn), 5)
    finally:
        await conn.close()


async def test_open_database_connects_and_migrates(fresh_url: str) -> None:
    pool = await db.open_database(fresh_url)
    try:
        assert (
            await pool.fetchval("SELECT max(version) FROM schema_migrations")
            == db.migrations()[-1].version
        )
    finally:
        await pool.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres:s3cret@127.0.0.1:1/seagrid", "postgres:***@127.0.0.1:1"),
        ("postgresql://postgres@127.0.0.1:5432/seagrid_no_such_db", "does not exist"),
        ("mysql://127.0.0.1/x", "mysql://127.0.0.1/x"),
    ],
)
async def test_unreachable_database_is_one_clear_line(url: str, expected: str) -> None:
    with pytest.raises(db.DatabaseUnavailable) as info:
        await db.open_database(url, timeout=3)
    message = str(info.value)
    assert message.startswith("cannot connect to PostgreSQL at ")
    assert expected in message
    assert "\n" not in message
    assert "s3cret" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("postgresql://u:pw@h:5432/d", "postgresql://u:***@h:5432/d"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("postgresql://h/d", "postgresql://h/d"),
        ("postgresql://u:pw@[::1", "<unparsable database URL>"),
    ],
)
def test_safe_url_hides_only_the_password(url: str, safe: str) -> None:
    assert db.safe_url(url) == safe
