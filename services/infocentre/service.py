"""`InfoCentre`: the information centre's records as the web changes them.

Every change is checked (`InfoError`, 422), written to the store with its actor and time,
and then the whole `LiveData` snapshot is published on topic INFOCENTRE, where the alerts
stage picks it up between two batches (no restart, no SIGHUP). `clock` is injectable: the
states shown (active, upcoming, expired) follow it, so tests control them; the rules
themselves follow event time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from services.core import topics
from services.core.bus import Bus
from services.core.codec import encode
from services.infocentre.live import LiveData
from services.infocentre.model import (
    InfoError,
    ModeActivation,
    NotFound,
    Notice,
    WatchEntry,
    Waterworks,
    check_entry,
    check_notice,
    check_waterworks,
)
from services.infocentre.modes import ModeSpec
from services.infocentre.store import Change, Record, RecordStore

WATCH, WORKS, MODE, NOTICE = "watchlist", "waterworks", "mode", "notice"


class InfoCentre:
    def __init__(
        self,
        store: RecordStore,
        bus: Bus | None,
        offices: frozenset[str],
        modes: dict[str, ModeSpec],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.bus, self.offices, self.modes = store, bus, offices, modes
        self.clock = clock
        self.registry: Any = None  # services.registry.service.Registry, set by wiring
        self.inbound: Any = None  # services.neighbours.inbound.Inbound, when configured

    # --- watchlist -------------------------------------------------------------------

    async def seed_watchlist(self, config_entries: dict[int, str]) -> int:
        """The configuration's `[[watchlist]]` as the initial set; returns how many added."""
        added = 0
        for mmsi, reason in config_entries.items():
            entry = WatchEntry(mmsi, reason=reason, added_by="config", added_at=self.clock())
            record = Record(WATCH, str(mmsi), entry.to_json())
            change = Change(WATCH, str(mmsi), "seeded", "config", self.clock(), "seagrid.toml")
            added += await self.store.seed(record, change)
        return added

    async def watch(self, entry: WatchEntry, actor: str) -> WatchEntry:
        entry = WatchEntry(**{**entry.to_json(), "added_by": actor, "added_at": self.clock()})
        check_entry(entry, self.offices)
        previous = await self.store.get(WATCH, str(entry.mmsi))
        change = "updated" if previous and previous.deleted_at is None else "added"
        await self._put(Record(WATCH, str(entry.mmsi), entry.to_json(), entry.office), change,
                        actor, entry.reason)  # fmt: skip
        return entry

    async def unwatch(self, mmsi: int, actor: str, note: str | None = None) -> None:
        await self._delete(WATCH, str(mmsi), actor, note)

    async def watchlist(self) -> list[WatchEntry]:
        return [WatchEntry.from_json(r.data) for r in await self.store.list(WATCH)]

    async def watch_entry(self, mmsi: int) -> WatchEntry | None:
        record = await self.store.get(WATCH, str(mmsi))
        if record is None or record.deleted_at is not None:
            return None
        return WatchEntry.from_json(record.data)

    # --- waterworks ------------------------------------------------------------------

    async def add_waterworks(self, site: Waterworks, actor: str) -> Waterworks:
        site = Waterworks.from_json(
            {**site.to_json(), "id": site.id or f"ww-{uuid.uuid4().hex[:10]}",
             "created_by": actor, "created_at": self.clock()}
        )  # fmt: skip
        check_waterworks(site, self.offices)
        await self._put(Record(WORKS, site.id, site.to_json(), site.office), "added", actor)
        return site

    async def remove_waterworks(self, site_id: str, actor: str, note: str | None = None) -> None:
        await self._delete(WORKS, site_id, actor, note)

    async def waterworks(self, deleted: bool = False) -> list[Waterworks]:
        records = await self.store.list(WORKS, deleted)
        return [Waterworks.from_json(r.data) for r in records]

    async def waterworks_site(self, site_id: str) -> Waterworks | None:
        record = await self.store.get(WORKS, site_id)
        if record is None or record.deleted_at is not None:
            return None
        return Waterworks.from_json(record.data)

    # --- notices ----------------------------------------------------------------------

    async def add_notice(self, notice: Notice, actor: str) -> Notice:
        notice = Notice.from_json(
            {**notice.to_json(), "id": notice.id or f"nt-{uuid.uuid4().hex[:10]}",
             "created_by": actor, "created_at": self.clock()}
        )  # fmt: skip
        check_notice(notice, self.offices)
        await self._put(Record(NOTICE, notice.id, notice.to_json(), notice.office), "added", actor)
        return notice

    async def remove_notice(self, notice_id: str, actor: str, note: str | None = None) -> None:
        await self._delete(NOTICE, notice_id, actor, note)

    async def notices(self) -> list[Notice]:
        return [Notice.from_json(r.data) for r in await self.store.list(NOTICE)]

    async def notice(self, notice_id: str) -> Notice | None:
        record = await self.store.get(NOTICE, notice_id)
        if record is None or record.deleted_at is not None:
            return None
        return Notice.from_json(record.data)

    # --- modes -----------------------------------------------------------------------

    async def activate(self, activation: ModeActivation, actor: str) -> ModeActivation:
        problems = []
        if activation.mode not in self.modes:
            problems.append(f"unknown mode {activation.mode!r} (known: {sorted(self.modes)})")
        if not activation.active_from < activation.active_to:
            problems.append("active_to must be after active_from")
        if problems:
            raise InfoError(problems)
        activation = ModeActivation.from_json(
            {**activation.to_json(), "id": activation.id or f"mode-{uuid.uuid4().hex[:10]}",
             "created_by": actor, "created_at": self.clock()}
        )  # fmt: skip
        record = Record(MODE, activation.id, activation.to_json())
        await self._put(record, "switched_on", actor, activation.reason)
        return activation

    async def deactivate(self, activation_id: str, actor: str, note: str | None = None) -> None:
        """End an activation now: its period is cut to the clock, so history keeps it."""
        record = await self.store.get(MODE, activation_id)
        if record is None or record.deleted_at is not None:
            raise NotFound(activation_id)
        now = self.clock()
        data = {**record.data, "active_to": min(now, record.data["active_to"])}
        data["active_from"] = min(data["active_from"], data["active_to"])
        await self._put(Record(MODE, activation_id, data), "switched_off", actor, note)

    async def activations(self) -> list[ModeActivation]:
        return [ModeActivation.from_json(r.data) for r in await self.store.list(MODE)]

    async def in_force(self) -> list[ModeActivation]:
        now = self.clock()
        return [a for a in await self.activations() if a.in_force(now)]

    # --- snapshot --------------------------------------------------------------------

    async def snapshot(self) -> LiveData:
        now = self.clock()
        return LiveData(
            version=await self.store.version(),
            watchlist=tuple(await self.watchlist()),
            waterworks=tuple(w for w in await self.waterworks() if w.active_to > now - 86400),
            modes=tuple(a for a in await self.activations() if a.active_to > now),
            notices=tuple(n for n in await self.notices() if n.active_to > now - 86400),
        )

    async def publish(self) -> LiveData:
        """Send the current snapshot to the alerts stage (after every change, and at start)."""
        live = await self.snapshot()
        if self.bus is not None:
            await self.bus.publish(topics.INFOCENTRE, [encode(live.to_json())])
        return live

    async def history(self, kind: str, key: str) -> list[dict[str, Any]]:
        return [c.to_json() for c in await self.store.history(kind, key)]

    async def _put(self, record: Record, change: str, actor: str, note: str | None = None) -> None:
        await self.store.put_many(
            [record], Change(record.kind, record.key, change, actor, self.clock(), note)
        )
        await self.publish()

    async def _delete(self, kind: str, key: str, actor: str, note: str | None) -> None:
        change = Change(kind, key, "removed", actor, self.clock(), note)
        if not await self.store.delete(kind, key, change):
            raise NotFound(key)
        await self.publish()
