"""The record store on PostgreSQL and in memory: same behaviour, one suite; and the
watchlist and waterworks through the service on PostgreSQL (what `seagrid serve` uses)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.infocentre.model import NotFound, WatchEntry
from services.infocentre.store import Change, MemoryRecordStore, PgRecordStore, Record
from services.infocentre.wiring import info_centre
from tests.alerts.store_fixtures import pg_pool
from tests.web.conftest import demo_config

__all__ = ["demo_config"]
T0 = 1_767_225_600.0


@pytest.fixture(params=["postgres", "memory"])
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemoryRecordStore()
        return
    async with pg_pool(pg_url) as pool:
        await pool.execute("TRUNCATE info_records, info_changes")
        yield PgRecordStore(pool)


def change(kind: str, key: str, what: str, at: float = T0) -> Change:
    return Change(kind, key, what, "op", at, "note")


async def test_put_delete_history_version(store: Any) -> None:
    assert await store.version() == 0
    await store.put_many([Record("watchlist", "1", {"a": 1}, "shishi")], change("w", "1", "added"))
    first = await store.version()
    await store.put_many([Record("watchlist", "1", {"a": 2})], change("w", "1", "updated", T0 + 1))
    assert (await store.get("watchlist", "1")).data == {"a": 2}
    assert await store.delete("watchlist", "1", change("watchlist", "1", "removed", T0 + 2))
    assert not await store.delete("watchlist", "1", change("watchlist", "1", "removed"))
    assert await store.list("watchlist") == []
    assert [r.key for r in await store.list("watchlist", deleted=True)] == ["1"]
    history = await store.history("watchlist", "1")
    assert [(c.change, c.at) for c in history] == [
        ("added", T0),
        ("updated", T0 + 1),
        ("removed", T0 + 2),
    ]
    # the version is the newest change's sequence number: it grows with every change (on
    # PostgreSQL a sequence, which earlier tests of the session may have advanced)
    assert await store.version() == first + 2


async def test_seed_only_once_per_key_ever(store: Any) -> None:
    record = Record("watchlist", "9", {"x": 1})
    assert await store.seed(record, change("watchlist", "9", "seeded"))
    assert not await store.seed(record, change("watchlist", "9", "seeded"))
    await store.delete("watchlist", "9", change("watchlist", "9", "removed"))
    assert not await store.seed(record, change("watchlist", "9", "seeded"))
    assert await store.list("watchlist") == []


async def test_service_on_postgres(store: Any, demo_config: Any) -> None:
    info = await info_centre(demo_config, store, None)
    assert {e.mmsi for e in await info.watchlist()} == {412440101, 413770202}
    await info.unwatch(412440101, "sup", "no longer of interest")
    again = await info_centre(demo_config, store, None)  # a restart does not bring it back
    assert {e.mmsi for e in await again.watchlist()} == {413770202}
    await info.watch(WatchEntry(412000009, "suspended", "停航", "shishi"), "op")
    live = await info.snapshot()
    assert {e.mmsi: e.category for e in live.watchlist}[412000009] == "suspended"
    assert live.version == await store.version()
    with pytest.raises(NotFound):
        await info.unwatch(412000010, "op")
