"""Search by the names people use: the configuration's Chinese and English names.

AIS carries names in 6-bit ASCII, so "海巡08608" or "小坠岛周边禁航区" never reach the live
picture; they exist only in the configuration (zones' `name`/`name_en`, cells' `name`, the
centre's and offices' `name`/`name_en`, `[[patrol_vessels]]` `name`/`name_en`). An operator
types them, in part ("小坠", "巡086", "Xiaozhui"), and expects the place or the boat.

`NameIndex` is built once per configuration: every searchable name squashed (case folded,
spaces removed, as people type "海巡 08608" or "haixun08608" for "HAIXUN 08608"), matched
as a substring. The configuration holds hundreds of names, not millions, so a scan per
query costs microseconds and needs no index structure. The web's `GET /api/search` answers
from it (places and configured vessels), and `GET /api/vessels?q=` adds the configured
vessels it matches to the live picture's AIS matches.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.core.config import SeagridConfig

PLACE_KINDS = ("centre", "office", "zone", "cell")


def squash(text: str) -> str:
    """The form names are compared in: case folded, without white space."""
    return "".join(text.casefold().split())


@dataclass(frozen=True, slots=True)
class Place:
    """A named area of the configuration; `bbox` (minlon, minlat, maxlon, maxlat) is where
    the map goes when it is picked (None for an office without cells)."""

    kind: str  # centre, office, zone or cell
    id: str
    name: str
    name_en: str | None
    office: str | None
    bbox: tuple[float, float, float, float] | None
    zone_kind: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "office": self.office,
            "bbox": list(self.bbox) if self.bbox is not None else None,
            "zone_kind": self.zone_kind,
        }


@dataclass(frozen=True, slots=True)
class NamedVessel:
    """A vessel the configuration names (a patrol boat), whatever AIS calls it."""

    mmsi: int
    name: str
    name_en: str | None
    office: str | None


@dataclass(frozen=True, slots=True)
class _Entry:
    keys: tuple[str, ...]  # squashed id and names
    item: Place | NamedVessel


class NameIndex:
    """The configuration's names, searchable by any part of any of them."""

    def __init__(self, places: list[Place], vessels: list[NamedVessel]) -> None:
        self.places = places
        self.vessels = vessels
        self._places = [_Entry(_keys(p.id, p.name, p.name_en), p) for p in places]
        self._vessels = [_Entry(_keys(str(v.mmsi), v.name, v.name_en), v) for v in vessels]

    @classmethod
    def of(cls, config: SeagridConfig) -> NameIndex:
        english = english_names(Path(config.directory) / "seagrid.toml")
        cells_of: dict[str, list[tuple[float, float, float, float]]] = {}
        for cell in config.cells:
            cells_of.setdefault(cell.office, []).append(cell.geometry.bounds)
        everything = [b for bounds in cells_of.values() for b in bounds]
        centre = config.centre
        places = [
            Place(
                "centre", centre.id, centre.name, english.get(centre.id), None, _union(everything)
            )
        ]
        places += [
            Place("office", o.id, o.name, english.get(o.id), o.id, _union(cells_of.get(o.id, [])))
            for o in config.offices
        ]
        for zone in config.zones:
            name_en = zone.params.get("name_en")
            places.append(
                Place(
                    "zone",
                    zone.id,
                    zone.name,
                    name_en if isinstance(name_en, str) else None,
                    None,
                    zone.geometry.bounds,
                    zone.kind,
                )
            )
        places += [
            Place("cell", c.id, c.name or c.id, None, c.office, c.geometry.bounds)
            for c in config.cells
        ]
        vessels = []
        for entry in config.sections.get("patrol_vessels") or []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                try:
                    mmsi = int(entry["mmsi"])
                except (KeyError, TypeError, ValueError):
                    continue
                name_en = entry.get("name_en")
                office = entry.get("office")
                vessels.append(
                    NamedVessel(
                        mmsi,
                        entry["name"],
                        name_en if isinstance(name_en, str) else None,
                        office if isinstance(office, str) else None,
                    )
                )
        return cls(places, vessels)

    def find_places(
        self, text: str, limit: int = 20, kinds: tuple[str, ...] = PLACE_KINDS
    ) -> list[Place]:
        """Places whose id or a name contains `text`; a name that starts with it first, then
        by kind (centre and offices before zones before cells), in configuration order."""
        hits = _matching(self._places, text)
        places = [p for p in hits if isinstance(p, Place) and p.kind in kinds]
        needle = squash(text)
        places.sort(
            key=lambda p: (
                not any(k.startswith(needle) for k in _keys(p.id, p.name, p.name_en)),
                PLACE_KINDS.index(p.kind),
            )
        )
        return places[:limit]

    def find_vessels(self, text: str, limit: int = 20) -> list[NamedVessel]:
        """Configured vessels whose MMSI or a name contains `text`."""
        return [v for v in _matching(self._vessels, text) if isinstance(v, NamedVessel)][:limit]


def _keys(*values: str | None) -> tuple[str, ...]:
    return tuple(squash(v) for v in values if v)


def _matching(entries: list[_Entry], text: str) -> list[Place | NamedVessel]:
    needle = squash(text)
    if not needle:
        return []
    return [e.item for e in entries if any(needle in key for key in e.keys)]


def _union(
    bounds: list[tuple[float, float, float, float]],
) -> tuple[float, float, float, float] | None:
    if not bounds:
        return None
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )


def english_names(path: Path) -> dict[str, str]:
    """`name_en` of the centre and offices: optional keys of seagrid.toml that the config
    loader does not keep (the English UI shows them)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    tables = [raw.get("centre", {}), *raw.get("offices", [])]
    return {
        t["id"]: t["name_en"]
        for t in tables
        if isinstance(t, dict)
        and isinstance(t.get("id"), str)
        and isinstance(t.get("name_en"), str)
    }
