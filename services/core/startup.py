"""What every entry point needs before its stages can start.

Start-up problems (no database URL, an unreachable database, a bad configuration section)
are `StartupError`s carrying one line for the entry point to print before it exits 1:
failing fast and clearly beats a stage that starts and then limps.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any


class StartupError(RuntimeError):
    """A problem that prevents a process from starting; its message is one line."""


async def required_pool(database_url: str | None, resources: AsyncExitStack) -> Any:
    """The migrated asyncpg pool of `database_url`, closed when `resources` unwinds."""
    from services.core.db import DatabaseError, open_database

    if not database_url:
        raise StartupError("SEAGRID_DATABASE_URL is not set (postgresql://user@host:port/db)")
    try:
        pool = await open_database(database_url)
    except DatabaseError as exc:
        raise StartupError(str(exc)) from exc
    resources.push_async_callback(pool.close)
    return pool
