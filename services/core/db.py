"""PostgreSQL access: the connection pool and the schema migrations.

The schema is a sequence of SQL files, `services/core/migrations/NNNN_name.sql`, applied in
order at start-up and recorded in `schema_migrations(version, name, applied_at)`, so that any
process can start against any database and bring it up to date. Several processes may start
at once (`seagrid run ingest` and `seagrid run web` from one deployment script): migrate()
holds a PostgreSQL advisory lock while it works, so a migration is never applied twice and a
process never sees a half-migrated schema.

Connection problems become one `DatabaseUnavailable` line naming the server (password
hidden), which entry points print and exit on instead of a page of asyncpg traceback.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

# Any fixed 64-bit key works; this one is "seagrid" in ASCII, so it is recognisable in pg_locks.
MIGRATION_LOCK_KEY = 0x73656167726964
_MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


# What a database that is down, restarting or failing over raises: worth retrying later, as
# opposed to a statement PostgreSQL rejects. Writers on the pipeline path (persist, the
# alert dispatcher) hold their records and retry on these instead of dropping them.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
)


class DatabaseError(RuntimeError):
    """A database problem that a process cannot work around; the message is one line."""


class DatabaseUnavailable(DatabaseError):
    """The server could not be reached or refused the connection."""


class MigrationError(DatabaseError):
    """A migration file is malformed or failed to apply (its transaction was rolled back)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def safe_url(url: str) -> str:
    """The URL with its password masked, fit for logs and error messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparsable database URL>"
    if not password:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


async def connect(
    url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 10.0
) -> asyncpg.Pool:
    """Open a connection pool; raises DatabaseUnavailable (one line) when that fails.

    The first connection is made here, so a wrong host, port, database name or password is
    reported at start-up rather than on the first query.
    """
    try:
        return await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, timeout=timeout)
    except (
        OSError,
        TimeoutError,
        ValueError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
    ) as exc:
        # `from None`: the asyncpg chain adds nothing an operator can act on.
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {safe_url(url)}: {_one_line(exc)}"
        ) from None


def migrations() -> list[Migration]:
    """The migrations shipped with this version, in order; raises MigrationError if malformed."""
    found: dict[int, Migration] = {}
    for entry in resources.files("services.core.migrations").iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match is None:
            continue
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"two migrations with version {version:04d}")
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


async def migrate(target: asyncpg.Pool | asyncpg.Connection) -> list[int]:
    """Apply the migrations the database lacks; returns their versions (empty if none).

    Each migration runs in its own transaction together with its `schema_migrations` row, so
    a failure leaves the database at the previous version. Waits while another process holds
    the migration lock, then sees what that process applied.
    """
    if isinstance(target, asyncpg.Pool):
        async with target.acquire() as conn:
            return await _migrate(conn)
    return await _migrate(target)


async def _migrate(conn: asyncpg.Connection) -> list[int]:
    wanted = migrations()
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_CREATE_VERSION_TABLE)
        applied = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        _warn_unknown(applied, wanted)
        done = []
        for migration in wanted:
            if migration.version not in applied:
                await _apply(conn, migration)
                done.append(migration.version)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)


async def _apply(conn: asyncpg.Connection, migration: Migration) -> None:
    label = f"{migration.version:04d}_{migration.name}"
    try:
        async with conn.transaction():
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
    except asyncpg.PostgresError as exc:
        raise MigrationError(f"migration {label} failed: {_one_line(exc)}") from exc
    log.info("applied migration %s", label)


def _warn_unknown(applied: set[int], wanted: list[Migration]) -> None:
    """A newer release migrated this database; this one may lack columns it relies on."""
    unknown = applied - {m.version for m in wanted}
    if unknown:
        log.warning("database has migrations this version does not know: %s", sorted(unknown))


async def open_database(url: str, *, max_size: int = 10, timeout: float = 10.0) -> asyncpg.Pool:
    """Connect and migrate: what a process does at start-up before it touches any table."""
    pool = await connect(url, max_size=max_size, timeout=timeout)
    try:
        await migrate(pool)
    except BaseException:
        await pool.close()
        raise
    return pool
