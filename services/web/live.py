"""The WebSocket hub: one tick loop, clients grouped by view, frames encoded once per view.

Every tick the hub takes the picture's changes once, puts their coordinates in numpy
arrays, and for each distinct view computes with one vectorised mask which changed vessels
are inside the box (entered or moved) and which of the vessels the view shows have left
it or gone stale (removed). That delta is encoded once and the same text is handed to
every client of the view. Each vessel's JSON is itself encoded once per change
(`LiveVessel.live_bytes`), so a frame is a join of cached bytes.

A view remembers which vessels it shows (`members`), so "removed" is exact and a client
joining an existing view gets its snapshot without a scan. Alerts bypass the tick: they
go to every client whose user may see the alert's office as soon as they arrive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from services.web.auth import User
from services.web.client import Client, Frame, positions_frame
from services.web.metrics import Histogram
from services.web.picture import LivePicture, LiveVessel
from services.web.view import View

log = logging.getLogger(__name__)


@dataclass(eq=False)
class ViewGroup:
    view: View
    clients: set[Client] = field(default_factory=set)
    members: set[int] = field(default_factory=set)


@dataclass(slots=True)
class TickChanges:
    """One tick's changes, in arrays for the per-view masks."""

    ids: np.ndarray
    lons: np.ndarray
    lats: np.ndarray
    encoded: np.ndarray  # of bytes objects, so a mask selects them without a Python loop
    vessels: list[LiveVessel]
    changed: set[int]  # a set, so `members & changed` walks the smaller of the two
    removed: set[int]
    oldest: float


class Hub:
    def __init__(self, picture: LivePicture, *, buffer: int = 4, alert_buffer: int = 500) -> None:
        self.picture = picture
        self.buffer, self.alert_buffer = buffer, alert_buffer
        self.groups: dict[View, ViewGroup] = {}
        self.client_view: dict[Client, View] = {}
        self.connected: set[Client] = set()  # subscribed or not: alerts go to all of them
        self.push_latency = Histogram((0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0))
        self.ticks = 0
        self.tick_seconds = 0.0
        self.alerts_pushed = 0
        self._all: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._all_version = -1

    def client(self, user: User, send: Any) -> Client:
        client = Client(
            user, send, self.buffer, self.alert_buffer, on_sent=self.push_latency.observe
        )
        client.resync = self._resync
        self.connected.add(client)
        return client

    @property
    def clients(self) -> int:
        return len(self.connected)

    def subscribe(self, client: Client, view: View) -> None:
        """Put `client` on `view` and queue its snapshot (with what left its old view)."""
        old = self.client_view.get(client)
        old_members = self.groups[old].members if old is not None else set()
        self._leave(client)
        group = self.groups.get(view)
        if group is None:
            group = self.groups[view] = ViewGroup(view, members=self._scan(view))
        group.clients.add(client)
        self.client_view[client] = view
        client.replace_with(self._snapshot(group, old_members))

    def unsubscribe(self, client: Client) -> None:
        client.closed = True
        client.wake.set()
        self.connected.discard(client)
        self._leave(client)

    def _leave(self, client: Client) -> None:
        view = self.client_view.pop(client, None)
        if view is None:
            return
        group = self.groups[view]
        group.clients.discard(client)
        if not group.clients:
            del self.groups[view]

    def _resync(self, client: Client) -> None:
        view = self.client_view.get(client)
        if view is not None:
            client.replace_with(self._snapshot(self.groups[view], set()))

    def _scan(self, view: View) -> set[int]:
        """The vessels a new view shows: one numpy mask over the whole picture, so that a
        room of screens connecting at once does not stall the loop with Python scans."""
        if view.alerts_only:
            return set()
        ids, lons, lats = self._everything()
        mask = _bbox_mask(view.bbox, lons, lats)
        found = ids[mask].tolist()
        vessels = self.picture.vessels
        if view.ship_types is not None:
            found = [m for m in found if view.wants_type(vessels[m].state.ship_type)]
        own = vessels.get(view.own) if view.own is not None else None
        if own is not None and own.state.lat is not None:
            found.append(own.state.mmsi)
        return set(found)

    def _everything(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions of every placed vessel, rebuilt when the picture changed."""
        if self._all is None or self._all_version != self.picture.version:
            self._all_version = self.picture.version
            placed = list(self.picture.placed())
            n = len(placed)
            self._all = (
                np.fromiter((v.state.mmsi for v in placed), dtype=np.int64, count=n),
                np.fromiter((v.state.lon for v in placed), dtype=np.float64, count=n),
                np.fromiter((v.state.lat for v in placed), dtype=np.float64, count=n),
            )
        return self._all

    def _snapshot(self, group: ViewGroup, old_members: set[int]) -> str:
        vessels = self.picture.vessels
        encoded = [vessels[m].live_bytes() for m in group.members if m in vessels]
        return positions_frame(encoded, sorted(old_members - group.members), snapshot=True)

    # --- ticks ------------------------------------------------------------------------

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """Tick every `interval` seconds until `stop` is set."""
        next_at = time.monotonic()
        while not stop.is_set():
            next_at += interval
            delay = next_at - time.monotonic()
            if delay < 0:  # a tick took longer than the interval: do not try to catch up
                next_at = time.monotonic()
            try:
                await asyncio.wait_for(stop.wait(), max(delay, 0))
            except TimeoutError:
                self.tick(time.time())

    def tick(self, now: float) -> None:
        started = time.perf_counter()
        changed, removed = self.picture.take_changes(now)
        if changed or removed:
            changes = self._arrays(changed, removed, now)
            for group in list(self.groups.values()):
                frame = self._frame(group, changes)
                if frame is not None:
                    for client in group.clients:
                        client.offer(frame)
        self.ticks += 1
        self.tick_seconds += time.perf_counter() - started

    def _arrays(self, changed: dict[int, float], removed: list[int], now: float) -> TickChanges:
        vessels = [v for m in changed if (v := self.picture.vessels.get(m)) is not None]
        vessels = [v for v in vessels if v.state.lat is not None]
        # Sorted by longitude: a view then finds its column with two binary searches and
        # masks only that slice, instead of every changed vessel.
        vessels.sort(key=lambda v: v.state.lon)  # type: ignore[arg-type,return-value]
        ids = np.fromiter((v.state.mmsi for v in vessels), dtype=np.int64, count=len(vessels))
        encoded = np.empty(len(vessels), dtype=object)
        encoded[:] = [v.live_bytes() for v in vessels]
        lons = np.fromiter((v.state.lon for v in vessels), dtype=np.float64, count=len(vessels))
        lats = np.fromiter((v.state.lat for v in vessels), dtype=np.float64, count=len(vessels))
        return TickChanges(
            ids=ids,
            lons=lons,
            lats=lats,
            encoded=encoded,
            vessels=vessels,
            changed=set(ids.tolist()),
            removed=set(removed),
            oldest=min(changed.values(), default=now),
        )

    def _frame(self, group: ViewGroup, ch: TickChanges) -> Frame | None:
        view = group.view
        if view.alerts_only:
            return None
        # Array and set operations only, no per-vessel Python loop: this runs for every
        # view on every tick (500 views x 10,000 changes in bench/ws_fanout.py).
        cut = _column(view, ch)
        mask = _bbox_mask(view.bbox, ch.lons[cut], ch.lats[cut])
        if view.ship_types is not None:
            mask &= np.fromiter(
                (view.wants_type(v.state.ship_type) for v in ch.vessels[cut]), dtype=bool
            )
        ids, encoded = ch.ids[cut][mask].tolist(), ch.encoded[cut][mask].tolist()
        if view.own is not None and view.own in ch.changed and view.own not in ids:
            ids, encoded = _with_own(view.own, ch, ids, encoded)
        shown = group.members
        leaving = list((shown & ch.changed).difference(ids))
        gone = [m for m in ch.removed if m in shown] if ch.removed else []
        removed = leaving + gone
        if not ids and not removed:
            return None
        shown.update(ids)
        shown.difference_update(removed)
        return Frame(positions_frame(encoded, removed), ids, encoded, removed, ch.oldest)

    # --- alerts -----------------------------------------------------------------------

    def push_alert(
        self,
        alert: dict[str, Any],
        change: str | None = None,
        actor: str | None = None,
        note: str | None = None,
    ) -> int:
        """Send an alert (CONTRACTS §4 object) to every client allowed to see it; `change`
        (raised, acknowledged, reported...) says what just happened to it, `actor` and `note`
        who did it and what they wrote (a field report's text), so an open panel can show
        it without asking for the history again."""
        message = {"type": "alert", "change": change, "alert": alert, "actor": actor, "note": note}
        text = orjson.dumps(message).decode()
        office = alert.get("office")
        sent = 0
        for client in self.connected:
            if client.user.may_see_office(office):
                client.push_urgent(text)
                sent += 1
        self.alerts_pushed += sent
        return sent


def _with_own(
    own: int, ch: TickChanges, ids: list[int], encoded: list[bytes]
) -> tuple[list[int], list[bytes]]:
    """The frame's vessels plus the crew's own, wherever it is (one lookup per tick)."""
    at = int(np.flatnonzero(ch.ids == own)[0])
    return [*ids, own], [*encoded, ch.encoded[at]]


def _column(view: View, ch: TickChanges) -> slice:
    """The slice of the (longitude-sorted) changes that can fall in the view's box."""
    min_lon, _, max_lon, _ = view.bbox
    if min_lon > max_lon:  # across the antimeridian: two columns; rare, take everything
        return slice(None)
    lo = int(np.searchsorted(ch.lons, min_lon, side="left"))
    hi = int(np.searchsorted(ch.lons, max_lon, side="right"))
    return slice(lo, hi)


def _bbox_mask(bbox: tuple[float, float, float, float], lons: np.ndarray, lats: np.ndarray) -> Any:
    min_lon, min_lat, max_lon, max_lat = bbox
    mask = (lats >= min_lat) & (lats <= max_lat)
    if min_lon > max_lon:
        return mask & ((lons >= min_lon) | (lons <= max_lon))
    return mask & (lons >= min_lon) & (lons <= max_lon)
