"""The live picture per cell: which vessels are in each cell now, and of what type.

It follows committed cells (after hysteresis), not raw positions, so an office's vessel
count on the map does not flicker with GNSS jitter at a boundary. A vessel that has not
reported for `ttl` seconds of event time is dropped: it is no longer "now" (whether that
silence matters is the `ais_gap` rule's business, not the picture's).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

# AIS ship and cargo type (ITU-R M.1371, message 5 / 24B) -> category shown to operators.
_SPECIAL = {
    30: "fishing",
    31: "towing",
    32: "towing",
    33: "dredging",
    34: "diving",
    35: "military",
    36: "sailing",
    37: "pleasure",
    50: "pilot",
    51: "sar",
    52: "tug",
    53: "port_tender",
    54: "anti_pollution",
    55: "law_enforcement",
    58: "medical",
}
_DECADES = {2: "wing_in_ground", 4: "high_speed_craft", 6: "passenger", 7: "cargo", 8: "tanker"}


def ship_type_category(ship_type: int | None) -> str:
    """Operator-facing category of an AIS ship type code; 'unknown' when not reported."""
    if ship_type is None:
        return "unknown"
    if ship_type in _SPECIAL:
        return _SPECIAL[ship_type]
    if 20 <= ship_type <= 89:
        return _DECADES.get(ship_type // 10, "other")
    return "other" if 90 <= ship_type <= 99 else "unknown"


class CellPicture:
    """Vessels per committed cell; the web reads `snapshot()` or `vessels(cell)`."""

    def __init__(self, ttl: float = 1800.0) -> None:
        self.ttl = ttl
        self._cell_of: dict[int, str] = {}
        self._members: dict[str, set[int]] = {}
        self._last_seen: dict[int, float] = {}
        self._ship_type: dict[int, int] = {}

    def place(self, mmsi: int, cell: str | None, ts: float) -> None:
        """Record that `mmsi` reported at `ts` and is committed to `cell` (None: outside)."""
        self._last_seen[mmsi] = max(ts, self._last_seen.get(mmsi, ts))
        old = self._cell_of.get(mmsi)
        if old == cell:
            return
        self._remove(mmsi)
        if cell is not None:
            self._cell_of[mmsi] = cell
            self._members.setdefault(cell, set()).add(mmsi)

    def set_ship_type(self, mmsi: int, ship_type: int | None) -> None:
        if ship_type is not None:
            self._ship_type[mmsi] = ship_type

    def expire(self, now: float) -> list[int]:
        """Drop vessels silent for longer than `ttl` at event time `now`; return their MMSIs."""
        stale = [m for m, seen in self._last_seen.items() if now - seen > self.ttl]
        for mmsi in stale:
            self._remove(mmsi)
            del self._last_seen[mmsi]
        return stale

    def _remove(self, mmsi: int) -> None:
        old = self._cell_of.pop(mmsi, None)
        if old is not None:
            members = self._members[old]
            members.discard(mmsi)
            if not members:
                del self._members[old]

    def cell_of(self, mmsi: int) -> str | None:
        return self._cell_of.get(mmsi)

    def vessels(self, cell: str) -> frozenset[int]:
        return frozenset(self._members.get(cell, ()))

    def counts(self, cell: str) -> dict[str, int]:
        """Number of vessels in `cell` by ship type category."""
        return dict(
            Counter(ship_type_category(self._ship_type.get(m)) for m in self._members.get(cell, ()))
        )

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """{cell: {"vessels": [mmsi, ...], "count": n, "by_type": {category: n}}} for cells in use."""
        return {
            cell: {"vessels": sorted(members), "count": len(members), "by_type": self.counts(cell)}
            for cell, members in sorted(self._members.items())
        }
