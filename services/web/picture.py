"""The web's live picture: every vessel heard recently, what changed since the last tick.

Pure (no IO, no asyncio): the web stage feeds it records from the bus, the WebSocket hub
takes the changes once per tick, and the REST routes read it. It reuses the vessel merge
rules of `services.core.vessels.VesselState`, and adds what the map needs: the cell and
office of the latest position, the wall-clock time each vessel was last heard (staleness
is judged on arrival time, not event time: a late satellite report is still a fresh sign
of life for the map), and, in demo mode, a bounded track per vessel.

A vessel that goes stale leaves the live picture (the map removes it) but is remembered,
with its track, among the `departed` (the most recent `departed_max`): a vessel that went
dark is exactly the one an operator then asks about, and without a database (demo mode)
this memory is the only history there is.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import orjson

from services.core.types import CellPosition, Position, VesselStatic
from services.core.vessels import VesselState


@dataclass(slots=True)
class LiveVessel:
    state: VesselState
    cell: str | None = None
    office: str | None = None
    seen_at: float = 0.0  # wall clock of the last record received
    encoded: bytes | None = None  # the live JSON, cached until the vessel changes

    def live_json(self) -> dict[str, Any]:
        """The WebSocket / list form (CONTRACTS §6 keys plus what the map draws); a dict
        literal, since it is built for every changed vessel on every tick."""
        s = self.state
        return {
            "mmsi": s.mmsi,
            "lat": s.lat,
            "lon": s.lon,
            "speed": s.speed,
            "course": s.course,
            "heading": s.heading,
            "status": s.status,
            "ts": s.ts,
            "name": s.shipname,
            "ship_type": s.ship_type,
            "cell": self.cell,
            "office": self.office,
        }

    def live_bytes(self) -> bytes:
        if self.encoded is None:
            # exact-size copy: orjson keeps small outputs in ~4 KiB blocks (codec.encode)
            self.encoded = bytes(memoryview(orjson.dumps(self.live_json())))
        return self.encoded

    def detail_json(self) -> dict[str, Any]:
        out = self.state.as_dict()
        out.update(cell=self.cell, office=self.office)
        return out


class LivePicture:
    def __init__(
        self, stale_after: float = 600.0, track_points: int = 0, departed_max: int = 5000
    ) -> None:
        self.stale_after = stale_after
        self.track_points = track_points
        self.departed_max = departed_max
        self.vessels: dict[int, LiveVessel] = {}
        self.tracks: dict[int, deque[Position]] = {}
        # mmsi -> (the vessel as last heard, its track), oldest departure first
        self.departed: OrderedDict[int, tuple[LiveVessel, deque[Position] | None]] = OrderedDict()
        self.received: Counter[str] = Counter()
        self._dirty: dict[int, float] = {}  # mmsi -> wall clock of the first unsent change
        self.version = 0  # bumped on every change, so readers can tell a cache is stale

    def apply_position(self, p: CellPosition, now: float) -> None:
        self.received["positions"] += 1
        vessel = self._vessel(p.mmsi)
        vessel.seen_at = now
        # A CellPosition has every field a Position has: no copy on this hot path.
        if not vessel.state.apply_position(cast(Position, p)):
            self.received["late_positions"] += 1
            return
        vessel.cell, vessel.office = p.cell, p.office
        self._changed(p.mmsi, vessel, now)
        if self.track_points:
            track = self.tracks.get(p.mmsi)
            if track is None:
                track = self.tracks[p.mmsi] = deque(maxlen=self.track_points)
            track.append(_as_position(p))

    def apply_static(self, s: VesselStatic, now: float) -> None:
        self.received["static"] += 1
        vessel = self.vessels.get(s.mmsi)
        if vessel is None:
            # Static data alone puts nothing on the map; keep it for when a position comes.
            vessel = self._vessel(s.mmsi)
        vessel.seen_at = now
        if vessel.state.apply_static(s) and vessel.state.lat is not None:
            self._changed(s.mmsi, vessel, now)

    def _vessel(self, mmsi: int) -> LiveVessel:
        vessel = self.vessels.get(mmsi)
        if vessel is None:
            back = self.departed.pop(mmsi, None)
            if back is not None:  # heard again: its static data and track come back with it
                vessel, track = back
                if track is not None:
                    self.tracks[mmsi] = track
            else:
                vessel = LiveVessel(VesselState(mmsi))
            self.vessels[mmsi] = vessel
        return vessel

    def _changed(self, mmsi: int, vessel: LiveVessel, now: float) -> None:
        self.version += 1
        vessel.encoded = None
        self._dirty.setdefault(mmsi, now)

    def take_changes(self, now: float) -> tuple[dict[int, float], list[int]]:
        """({mmsi: when its change arrived} since the last call, [mmsi gone stale])."""
        changed, self._dirty = self._dirty, {}
        removed = self.expire(now)
        for mmsi in removed:
            changed.pop(mmsi, None)
        return changed, removed

    def expire(self, now: float) -> list[int]:
        limit = now - self.stale_after
        gone = [m for m, v in self.vessels.items() if v.seen_at < limit]
        self.version += len(gone)
        for mmsi in gone:
            vessel = self.vessels.pop(mmsi)
            track = self.tracks.pop(mmsi, None)
            self._dirty.pop(mmsi, None)
            if vessel.state.lat is not None and self.departed_max > 0:
                self.departed[mmsi] = (vessel, track)
        while len(self.departed) > self.departed_max:
            self.departed.popitem(last=False)
        return gone

    def last_known(self, mmsi: int) -> LiveVessel | None:
        """The vessel if live, else as it was last heard before it left the picture."""
        live = self.vessels.get(mmsi)
        if live is not None:
            return live
        departed = self.departed.get(mmsi)
        return None if departed is None else departed[0]

    def name_of(self, mmsi: int | None) -> str | None:
        """The vessel's name as far as known (live or departed), else None."""
        vessel = None if mmsi is None else self.last_known(mmsi)
        return None if vessel is None else vessel.state.shipname

    def placed(self) -> Iterator[LiveVessel]:
        """Vessels with a position (static-only ones are not on the map)."""
        return (v for v in self.vessels.values() if v.state.lat is not None)

    def get(self, mmsi: int) -> LiveVessel | None:
        return self.vessels.get(mmsi)

    def in_bbox(self, bbox: tuple[float, float, float, float]) -> list[LiveVessel]:
        return [v for v in self.placed() if in_bbox(bbox, v.state.lon, v.state.lat)]

    def search(self, text: str, limit: int = 50) -> list[LiveVessel]:
        """Vessels whose MMSI, IMO, name or call sign contains `text` (case-insensitive)."""
        needle = text.strip().upper()
        if not needle:
            return []
        out = []
        for v in self.placed():
            s = v.state
            fields = (str(s.mmsi), str(s.imo or ""), s.shipname or "", s.callsign or "")
            if any(needle in f.upper() for f in fields):
                out.append(v)
                if len(out) >= limit:
                    break
        return out

    def track(self, mmsi: int, since: float | None, until: float | None) -> list[Position]:
        lower = float("-inf") if since is None else since
        upper = float("inf") if until is None else until
        points = self.tracks.get(mmsi)
        if points is None and mmsi in self.departed:
            points = self.departed[mmsi][1]
        return [p for p in points or () if lower <= p.ts < upper]

    def cell_counts(self) -> dict[str, int]:
        return dict(Counter(v.cell for v in self.placed() if v.cell is not None))

    def office_counts(self) -> dict[str, int]:
        return dict(Counter(v.office for v in self.placed() if v.office is not None))


def vessel_names(picture: LivePicture, mmsi: int | None, other: int | None) -> dict[str, Any]:
    """An alert's `name` and `other_name` as far as the picture (or its departed) knows."""
    return {"name": picture.name_of(mmsi), "other_name": picture.name_of(other)}


def in_bbox(bbox: tuple[float, float, float, float], lon: float | None, lat: float | None) -> bool:
    """Edges included; min_lon > max_lon crosses the antimeridian."""
    if lon is None or lat is None:
        return False
    min_lon, min_lat, max_lon, max_lat = bbox
    if not min_lat <= lat <= max_lat:
        return False
    if min_lon > max_lon:
        return lon >= min_lon or lon <= max_lon
    return min_lon <= lon <= max_lon


def _as_position(p: CellPosition) -> Position:
    return Position(
        mmsi=p.mmsi,
        ts=p.ts,
        lat=p.lat,
        lon=p.lon,
        speed=p.speed,
        course=p.course,
        heading=p.heading,
        status=p.status,
        turn=p.turn,
        msg_type=p.msg_type,
        source=p.source,
        mmsi_class=p.mmsi_class,
    )
