"""Helpers of the case tests: both stores, a case factory, the demo policy.

PostgreSQL tests run in this session's database; the case tables are emptied with
`session_replication_role = replica` (the test user is a superuser), which is the only way
past the append-only triggers, and exactly what the web's database user cannot do.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from services.cases.memory_store import MemoryCaseStore
from services.cases.model import Case
from services.cases.store import PgCaseStore
from services.cases.store_api import CaseStore
from services.core import db

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
STORES = ["postgres", "memory"]
_MIGRATED: set[str] = set()


def make_case(**overrides: Any) -> Case:
    values: dict[str, Any] = {
        "id": "C-1",
        "type": "inspection",
        "title": "check",
        "office": "shishi",
        "status": "new",
        "priority": "normal",
        "deadline": T0 + 3600,
        "created_at": T0,
        "created_by": "op",
        "updated_at": T0,
        "mmsi": 412000001,
        "lat": 24.7,
        "lon": 118.7,
    }
    values.update(overrides)
    return Case(**values)


@contextlib.asynccontextmanager
async def pg_pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.connect(pg_url, min_size=1, max_size=4)
    try:
        if pg_url not in _MIGRATED:
            await db.migrate(pool)
            _MIGRATED.add(pg_url)
        async with pool.acquire() as conn:
            await conn.execute("SET session_replication_role = replica")
            await conn.execute(
                "DELETE FROM case_deliveries; DELETE FROM case_reports; "
                "DELETE FROM case_instructions; DELETE FROM case_history; DELETE FROM cases"
            )
            await conn.execute("RESET session_replication_role")
        yield pool
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def open_store(kind: str, pg_url: str) -> AsyncIterator[CaseStore]:
    if kind == "memory":
        yield MemoryCaseStore()
        return
    async with pg_pool(pg_url) as pool:
        yield PgCaseStore(pool)
