"""The vessel picture: one merged record per MMSI, built from positions and static data.

Pure (no IO, no asyncio) so that ingest, the web map and tests share one set of merge rules:
- a field that an update does not carry (None) never erases a value already known, which is
  how AIS type 24 parts A (name) and B (call sign, type, dimensions) combine into one vessel;
- a position older than the one held does not move the vessel back: satellite feeds deliver
  late, and a map that jumps back and forth is worse than one that is a few seconds stale;
- older static data only fills gaps and never overwrites newer static data, for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from operator import attrgetter
from typing import Any

from services.core.types import STATIC_FIELDS, Position, VesselStatic

_CLASS_A_TYPES = frozenset({1, 2, 3, 5})
_CLASS_B_TYPES = frozenset({18, 19, 24})


@dataclass(slots=True)
class VesselState:
    """Everything known about one MMSI; None means not (yet) known."""

    mmsi: int
    mmsi_class: str | None = None
    # dynamic: from the newest position report
    ts: float | None = None
    lat: float | None = None
    lon: float | None = None
    speed: float | None = None
    course: float | None = None
    heading: int | None = None
    status: int | None = None
    turn: float | None = None
    position_type: int | None = None
    source: str = ""
    # static and voyage
    static_ts: float | None = None
    static_type: int | None = None
    shipname: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    to_bow: int | None = None
    to_stern: int | None = None
    to_port: int | None = None
    to_starboard: int | None = None
    draught: float | None = None
    destination: str | None = None
    eta: str | None = None
    last_seen: float | None = None

    @property
    def ais_class(self) -> str | None:
        """ "A" or "B" from the message types heard, None when they do not tell."""
        for msg_type in (self.position_type, self.static_type):
            if msg_type in _CLASS_A_TYPES:
                return "A"
            if msg_type in _CLASS_B_TYPES:
                return "B"
        return None

    @property
    def length(self) -> int | None:
        """Overall length in metres, when both bow and stern distances are known."""
        if self.to_bow is None or self.to_stern is None:
            return None
        return self.to_bow + self.to_stern

    @property
    def beam(self) -> int | None:
        """Beam in metres, when both port and starboard distances are known."""
        if self.to_port is None or self.to_starboard is None:
            return None
        return self.to_port + self.to_starboard

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, with the derived class, length, beam and type label."""
        out = asdict(self)
        out.update(
            ais_class=self.ais_class,
            length=self.length,
            beam=self.beam,
            ship_type_text=ship_type_label(self.ship_type),
        )
        return out

    def apply_position(self, pos: Position) -> bool:
        """Merge a position report; False (and nothing changed) when it is older than ours."""
        if self.ts is not None and pos.ts < self.ts:
            return False
        self.ts = pos.ts
        self.lat = pos.lat
        self.lon = pos.lon
        self.position_type = pos.msg_type
        self.mmsi_class = pos.mmsi_class
        if pos.source:
            self.source = pos.source
        # Field by field, unrolled: this runs for every position report, and a loop of
        # getattr/setattr over the names costs more than the rest of the merge.
        if pos.speed is not None:
            self.speed = pos.speed
        if pos.course is not None:
            self.course = pos.course
        if pos.heading is not None:
            self.heading = pos.heading
        if pos.status is not None:
            self.status = pos.status
        if pos.turn is not None:
            self.turn = pos.turn
        if self.last_seen is None or pos.ts > self.last_seen:
            self.last_seen = pos.ts
        return True

    def apply_static(self, static: VesselStatic) -> bool:
        """Merge static data; older data only fills fields still unknown. True if changed."""
        newer = self.static_ts is None or static.ts >= self.static_ts
        mine = _static_values(self)
        merged = tuple(
            old if new is None or (not newer and old is not None) else new
            for old, new in zip(mine, _static_values(static), strict=True)
        )
        changed = merged != mine
        if changed:
            _set_static(self, merged)
        if newer:
            self.static_ts = static.ts
            self.static_type = static.msg_type
        self._seen(static.ts)
        return changed

    def _seen(self, ts: float) -> None:
        if self.last_seen is None or ts > self.last_seen:
            self.last_seen = ts


# The static fields of a VesselState or VesselStatic as one tuple, and back: attrgetter and
# one unrolled assignment instead of a getattr/setattr per field and record.
_static_values = attrgetter(*STATIC_FIELDS)


def _set_static(state: VesselState, values: tuple[Any, ...]) -> None:
    (
        state.shipname,
        state.callsign,
        state.imo,
        state.ship_type,
        state.to_bow,
        state.to_stern,
        state.to_port,
        state.to_starboard,
        state.draught,
        state.destination,
        state.eta,
    ) = values


if STATIC_FIELDS != (
    "shipname", "callsign", "imo", "ship_type", "to_bow", "to_stern", "to_port",
    "to_starboard", "draught", "destination", "eta",
):  # fmt: skip
    raise ImportError("vessels: STATIC_FIELDS changed; update _set_static() to match")


class VesselTable:
    """The current picture of every vessel heard, keyed by MMSI."""

    def __init__(self) -> None:
        self._vessels: dict[int, VesselState] = {}

    def apply(self, record: Position | VesselStatic) -> bool:
        """Merge one record; True when the vessel's state changed."""
        state = self._vessels.get(record.mmsi)  # _state, inlined: once per record of a feed
        if state is None:
            state = self._vessels[record.mmsi] = VesselState(record.mmsi)
        if isinstance(record, Position):
            return state.apply_position(record)
        return state.apply_static(record)

    def apply_all(self, records: Iterable[Position | VesselStatic]) -> int:
        """Merge records in order; returns how many changed a vessel."""
        return sum(1 for record in records if self.apply(record))

    def apply_position(self, pos: Position) -> bool:
        return self._state(pos.mmsi).apply_position(pos)

    def apply_static(self, static: VesselStatic) -> bool:
        return self._state(static.mmsi).apply_static(static)

    def _state(self, mmsi: int) -> VesselState:
        state = self._vessels.get(mmsi)
        if state is None:
            state = self._vessels[mmsi] = VesselState(mmsi)
        return state

    def get(self, mmsi: int) -> VesselState | None:
        return self._vessels.get(mmsi)

    def in_bbox(
        self, min_lon: float, min_lat: float, max_lon: float, max_lat: float
    ) -> list[VesselState]:
        """Vessels with a position inside the box (edges included).

        A box with `min_lon > max_lon` crosses the antimeridian (e.g. 170..-170), as a map
        view over the Pacific does. Raises ValueError when `min_lat > max_lat`.
        """
        if min_lat > max_lat:
            raise ValueError(f"bbox: min_lat {min_lat} is above max_lat {max_lat}")
        wraps = min_lon > max_lon
        out = []
        for state in self._vessels.values():
            lat, lon = state.lat, state.lon
            if lat is None or lon is None or not min_lat <= lat <= max_lat:
                continue
            inside = (lon >= min_lon or lon <= max_lon) if wraps else min_lon <= lon <= max_lon
            if inside:
                out.append(state)
        return out

    def __iter__(self) -> Iterator[VesselState]:
        return iter(self._vessels.values())

    def __len__(self) -> int:
        return len(self._vessels)

    def __contains__(self, mmsi: object) -> bool:
        return mmsi in self._vessels


_SHIP_TYPE_RANGES = (
    (20, 29, "WIG"),
    (40, 49, "High-speed craft"),
    (60, 69, "Passenger"),
    (70, 79, "Cargo"),
    (80, 89, "Tanker"),
    (90, 99, "Other"),
)
_SHIP_TYPE_CODES = {
    30: "Fishing",
    31: "Towing",
    32: "Towing (large)",
    33: "Dredging",
    34: "Diving",
    35: "Military",
    36: "Sailing",
    37: "Pleasure craft",
    50: "Pilot",
    51: "Search and rescue",
    52: "Tug",
    53: "Port tender",
    54: "Anti-pollution",
    55: "Law enforcement",
    58: "Medical transport",
    59: "Noncombatant",
}


def ship_type_label(ship_type: int | None) -> str | None:
    """Short English label of an AIS ship type code (ITU-R M.1371 table 53)."""
    if ship_type is None or ship_type == 0:
        return None
    label = _SHIP_TYPE_CODES.get(ship_type)
    if label is not None:
        return label
    for low, high, name in _SHIP_TYPE_RANGES:
        if low <= ship_type <= high:
            return name
    return f"Type {ship_type}"
