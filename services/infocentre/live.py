"""`LiveData`: what the rules need of the information centre, as one snapshot.

The web writes a change to the store first, then publishes the *whole* snapshot (watchlist,
waterworks, mode activations: hundreds of records, a few kilobytes) on topic INFOCENTRE.
The alerts stage swaps it in between two batches. A full snapshot rather than a delta makes
redelivery harmless (at-least-once bus) and needs no ordering between changes beyond the
`version` (newest wins), which is the store's change counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.core.config_zones import Zone
from services.infocentre.model import ModeActivation, Notice, WatchEntry, Waterworks


@dataclass(frozen=True)
class LiveData:
    version: int = 0
    watchlist: tuple[WatchEntry, ...] = ()
    waterworks: tuple[Waterworks, ...] = ()
    modes: tuple[ModeActivation, ...] = field(default_factory=tuple)
    notices: tuple[Notice, ...] = ()

    def zones(self) -> list[Zone]:
        """The rule zones this snapshot adds: register sites, temporary restricted areas."""
        zones = [w.zone() for w in self.waterworks]
        return zones + [z for z in (n.zone() for n in self.notices) if z is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "watchlist": [e.to_json() for e in self.watchlist],
            "waterworks": [w.to_json() for w in self.waterworks],
            "modes": [m.to_json() for m in self.modes],
            "notices": [n.to_json() for n in self.notices],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LiveData:
        return cls(
            version=int(data["version"]),
            watchlist=tuple(WatchEntry.from_json(e) for e in data.get("watchlist", [])),
            waterworks=tuple(Waterworks.from_json(w) for w in data.get("waterworks", [])),
            modes=tuple(ModeActivation.from_json(m) for m in data.get("modes", [])),
            notices=tuple(Notice.from_json(n) for n in data.get("notices", [])),
        )
