"""Watchlist entries, waterworks sites and mode activations: plain values, checked here.

These are the records the centre edits while the pipeline runs. Each is a frozen dataclass
with a JSON form (API, bus, database `data` columns) and a `check` that raises `InfoError`
with every problem found, so the web answers 422 with one readable list and nothing is
stored half-valid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from services.core.config_zones import Zone

MAX_TEXT = 2000


class InfoError(ValueError):
    """Input that cannot be stored; `problems` lists each reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class NotFound(LookupError):
    """No such record (or not one the user may see)."""


class Category(StrEnum):
    """Why a vessel is watched (重点跟踪船舶的类别)."""

    KEY_VESSEL = "key_vessel"  # 重点船舶
    SAND_CARRIER = "sand_carrier"  # 砂船
    REPEAT_OFFENDER = "repeat_offender"  # 多次违法
    SUSPENDED = "suspended"  # 禁止离港/停航: must not sail
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """A vessel on the watchlist; `expires_at` None means until removed."""

    mmsi: int
    category: str = Category.OTHER.value
    reason: str = ""
    office: str | None = None
    expires_at: float | None = None
    added_by: str = "config"
    added_at: float = 0.0

    def in_force(self, ts: float) -> bool:
        """Whether the entry applies at (event) time `ts`: expiry needs no one to act."""
        return self.expires_at is None or ts < self.expires_at

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WatchEntry:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def check_entry(entry: WatchEntry, offices: frozenset[str]) -> None:
    problems = []
    if not 0 < entry.mmsi <= 999_999_999:
        problems.append(f"mmsi must be a 9-digit number, got {entry.mmsi}")
    if entry.category not in {c.value for c in Category}:
        problems.append(f"unknown category {entry.category!r}")
    if entry.office is not None and entry.office not in offices:
        problems.append(f"unknown office {entry.office!r}")
    if entry.expires_at is not None and entry.expires_at <= entry.added_at:
        problems.append("expires_at must be in the future")
    if problems:
        raise InfoError(problems)


@dataclass(frozen=True)
class Waterworks:
    """A construction site at sea (水上水下施工作业): a `waterworks` zone while active."""

    id: str
    name: str
    area: BaseGeometry
    active_from: float
    active_to: float
    operator: str = ""
    permit: str = ""
    contact: str = ""
    safety_measures: str = ""
    office: str | None = None
    created_by: str = ""
    created_at: float = 0.0

    def zone(self) -> Zone:
        """The rule zone: `zone_entry` and `predicted_entry` in its period (zone_entry.py)."""
        params = {"operator": self.operator, "permit": self.permit, "source": "register"}
        return Zone(
            id=self.id,
            kind="waterworks",
            name=self.name,
            geometry=self.area,
            active_from=self.active_from,
            active_to=self.active_to,
            params=params,
        )

    def state(self, now: float) -> str:
        """`upcoming`, `active` or `ended` at `now`."""
        if now < self.active_from:
            return "upcoming"
        return "active" if now < self.active_to else "ended"

    def to_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "area"}
        data["area"] = mapping(self.area)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Waterworks:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "area"}
        return cls(area=shape(data["area"]), **fields)


def check_waterworks(site: Waterworks, offices: frozenset[str]) -> None:
    problems = []
    if not site.name.strip():
        problems.append("name must not be empty")
    problems += area_problems(site.area)
    if not site.active_from < site.active_to:
        problems.append("active_to must be after active_from")
    if site.office is not None and site.office not in offices:
        problems.append(f"unknown office {site.office!r}")
    if problems:
        raise InfoError(problems)


def parse_area(geojson: Any) -> BaseGeometry:
    """A GeoJSON Polygon/MultiPolygon (WGS84) as a valid geometry; raises InfoError."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise InfoError(["area must be a GeoJSON Polygon or MultiPolygon"])
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise InfoError([f"area is not valid GeoJSON: {exc}"]) from None
    problems = area_problems(geometry)
    if problems:
        raise InfoError(problems)
    return geometry


def area_problems(geometry: BaseGeometry) -> list[str]:
    if geometry.is_empty:
        return ["area is empty"]
    if not shapely.is_valid(geometry):
        return [f"area is not a valid polygon: {shapely.is_valid_reason(geometry)}"]
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return ["area coordinates must be WGS84 longitude, latitude"]
    return []


@dataclass(frozen=True)
class ModeActivation:
    """A mode switched on for a period, everywhere (`area` None) or in an area."""

    id: str
    mode: str
    active_from: float
    active_to: float
    area: BaseGeometry | None = None
    reason: str = ""
    source: str = "manual"  # or "weather"
    created_by: str = ""
    created_at: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def in_force(self, ts: float) -> bool:
        return self.active_from <= ts < self.active_to

    def to_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "area"}
        data["area"] = mapping(self.area) if self.area is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModeActivation:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "area"}
        area = shape(data["area"]) if data.get("area") else None
        return cls(area=area, **fields)


NOTICE_KINDS = ("navigation_warning", "restricted_area")


@dataclass(frozen=True)
class Notice:
    """A navigation-environment notice (通航环境信息通告) published to mariners.

    `restricted_area` notices with an area are also `restricted` zones for zone_entry and
    predicted_entry in their period (a temporary restricted area is exactly that).
    """

    id: str
    kind: str
    title: str
    active_from: float
    active_to: float
    text: str = ""
    title_en: str = ""
    text_en: str = ""
    area: BaseGeometry | None = None
    office: str | None = None
    created_by: str = ""
    created_at: float = 0.0

    def state(self, now: float) -> str:
        if now < self.active_from:
            return "upcoming"
        return "active" if now < self.active_to else "ended"

    def zone(self) -> Zone | None:
        if self.kind != "restricted_area" or self.area is None:
            return None
        return Zone(
            id=self.id, kind="restricted", name=self.title, geometry=self.area,
            active_from=self.active_from, active_to=self.active_to,
            params={"source": "notice"},
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "area"}
        data["area"] = mapping(self.area) if self.area is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "area"}
        return cls(area=shape(data["area"]) if data.get("area") else None, **fields)


def check_notice(notice: Notice, offices: frozenset[str]) -> None:
    problems = []
    if notice.kind not in NOTICE_KINDS:
        problems.append(f"kind must be one of {list(NOTICE_KINDS)}")
    if not notice.title.strip():
        problems.append("title must not be empty")
    if notice.kind == "restricted_area" and notice.area is None:
        problems.append("a restricted_area notice needs an area")
    if notice.area is not None:
        problems += area_problems(notice.area)
    if not notice.active_from < notice.active_to:
        problems.append("active_to must be after active_from")
    if notice.office is not None and notice.office not in offices:
        problems.append(f"unknown office {notice.office!r}")
    if problems:
        raise InfoError(problems)
