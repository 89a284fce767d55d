"""Where the information centre's records live: memory (demo, tests) or PostgreSQL.

Both stores keep the same two things: the current record per (kind, key), soft-deleted when
removed (removed waterworks still answer "what was there last week"), and an append-only
change list with actor, time and note. The change list's length is the version the alerts
stage compares snapshots by. `put_many` writes a batch in one transaction (an import is all
or nothing); `seed` adds a record only if the key has no history at all, so the
configuration's initial watchlist does not come back after someone removed an entry.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg
import orjson


@dataclass(frozen=True, slots=True)
class Record:
    kind: str
    key: str
    data: dict[str, Any]
    office: str | None = None
    deleted_at: float | None = None


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    key: str
    change: str
    actor: str
    at: float
    note: str | None = None
    data: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change, "actor": self.actor, "at": self.at, "note": self.note,
            "data": self.data,
        }  # fmt: skip


class RecordStore(Protocol):
    async def put_many(self, records: builtins.list[Record], change: Change) -> None: ...
    async def delete(self, kind: str, key: str, change: Change) -> bool: ...
    async def seed(self, record: Record, change: Change) -> bool: ...
    async def get(self, kind: str, key: str) -> Record | None: ...
    async def list(self, kind: str, deleted: bool = False) -> builtins.list[Record]: ...
    async def history(self, kind: str, key: str) -> builtins.list[Change]: ...
    async def version(self) -> int: ...


class MemoryRecordStore:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], Record] = {}
        self._changes: list[Change] = []

    async def put_many(self, records: builtins.list[Record], change: Change) -> None:
        for r in records:
            self._records[(r.kind, r.key)] = r
            self._changes.append(_for(change, r))

    async def delete(self, kind: str, key: str, change: Change) -> bool:
        found = self._records.get((kind, key))
        if found is None or found.deleted_at is not None:
            return False
        self._records[(kind, key)] = Record(kind, key, found.data, found.office, change.at)
        self._changes.append(change)
        return True

    async def seed(self, record: Record, change: Change) -> bool:
        if any(c.kind == record.kind and c.key == record.key for c in self._changes):
            return False
        await self.put_many([record], change)
        return True

    async def get(self, kind: str, key: str) -> Record | None:
        return self._records.get((kind, key))

    async def list(self, kind: str, deleted: bool = False) -> builtins.list[Record]:
        return [
            r
            for (k, _), r in self._records.items()
            if k == kind and (deleted or r.deleted_at is None)
        ]

    async def history(self, kind: str, key: str) -> builtins.list[Change]:
        return [c for c in self._changes if c.kind == kind and c.key == key]

    async def version(self) -> int:
        return len(self._changes)


def _for(change: Change, record: Record) -> Change:
    return Change(
        record.kind, record.key, change.change, change.actor, change.at, change.note, record.data
    )


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


class PgRecordStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def put_many(self, records: builtins.list[Record], change: Change) -> None:
        at = _ts(change.at)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                "INSERT INTO info_records (kind, key, data, office, deleted_at, updated_at) "
                "VALUES ($1, $2, $3::jsonb, $4, NULL, $5) ON CONFLICT (kind, key) DO UPDATE "
                "SET data = EXCLUDED.data, office = EXCLUDED.office, deleted_at = NULL, "
                "updated_at = EXCLUDED.updated_at",
                [(r.kind, r.key, _json(r.data), r.office, at) for r in records],
            )
            await conn.executemany(
                _INSERT_CHANGE,
                [
                    (r.kind, r.key, change.change, change.actor, at, change.note, _json(r.data))
                    for r in records
                ],
            )

    async def delete(self, kind: str, key: str, change: Change) -> bool:
        at = _ts(change.at)
        async with self.pool.acquire() as conn, conn.transaction():
            done = await conn.execute(
                "UPDATE info_records SET deleted_at = $3, updated_at = $3 "
                "WHERE kind = $1 AND key = $2 AND deleted_at IS NULL",
                kind, key, at,
            )  # fmt: skip
            if done.endswith(" 0"):
                return False
            await conn.execute(_INSERT_CHANGE, kind, key, change.change, change.actor, at,
                               change.note, None)  # fmt: skip
            return True

    async def seed(self, record: Record, change: Change) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            # One seeder at a time (several processes may start together).
            await conn.execute("LOCK TABLE info_changes IN SHARE ROW EXCLUSIVE MODE")
            seen = await conn.fetchval(
                "SELECT 1 FROM info_changes WHERE kind = $1 AND key = $2 LIMIT 1",
                record.kind, record.key,
            )  # fmt: skip
            if seen:
                return False
            at = _ts(change.at)
            await conn.execute(
                "INSERT INTO info_records (kind, key, data, office, updated_at) "
                "VALUES ($1, $2, $3::jsonb, $4, $5)",
                record.kind, record.key, _json(record.data), record.office, at,
            )  # fmt: skip
            await conn.execute(_INSERT_CHANGE, record.kind, record.key, change.change,
                               change.actor, at, change.note, _json(record.data))  # fmt: skip
            return True

    async def get(self, kind: str, key: str) -> Record | None:
        row = await self.pool.fetchrow(
            "SELECT * FROM info_records WHERE kind = $1 AND key = $2", kind, key
        )
        return None if row is None else _record(row)

    async def list(self, kind: str, deleted: bool = False) -> builtins.list[Record]:
        sql = "SELECT * FROM info_records WHERE kind = $1"
        if not deleted:
            sql += " AND deleted_at IS NULL"
        return [_record(r) for r in await self.pool.fetch(sql + " ORDER BY key", kind)]

    async def history(self, kind: str, key: str) -> builtins.list[Change]:
        rows = await self.pool.fetch(
            "SELECT * FROM info_changes WHERE kind = $1 AND key = $2 ORDER BY seq", kind, key
        )
        return [
            Change(
                r["kind"], r["key"], r["change"], r["actor"], r["at"].timestamp(), r["note"],
                orjson.loads(r["data"]) if r["data"] is not None else None,
            )
            for r in rows
        ]  # fmt: skip

    async def version(self) -> int:
        return int(await self.pool.fetchval("SELECT coalesce(max(seq), 0) FROM info_changes"))


_INSERT_CHANGE = (
    "INSERT INTO info_changes (kind, key, change, actor, at, note, data) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
)


def _json(data: dict[str, Any]) -> str:
    return orjson.dumps(data).decode()


def _record(row: asyncpg.Record) -> Record:
    deleted = row["deleted_at"]
    return Record(
        row["kind"], row["key"], orjson.loads(row["data"]), row["office"],
        deleted.timestamp() if deleted is not None else None,
    )  # fmt: skip
