"""A registry object and the checks every way in (API, CSV, Excel) goes through."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("company", "vessel", "berth", "terminal", "anchorage", "facility")
LINK_TYPES = ("zone", "waterworks", "case", "vessel")
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class RegistryObject:
    id: str
    kind: str
    name: str
    office: str | None = None
    mmsi: int | None = None
    imo: int | None = None
    contact: str = ""
    phone: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    notes: str = ""
    links: tuple[str, ...] = field(default_factory=tuple)  # "zone:ID", "case:ID"...

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["links"] = list(self.links)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegistryObject:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["links"] = tuple(values.get("links", ()))
        return cls(**values)

    def matches(self, text: str) -> bool:
        """Case-insensitive substring over the fields people search by."""
        needle = text.casefold()
        hay = (self.name, self.contact, self.phone, self.address, self.notes, self.id)
        numbers = (str(self.mmsi or ""), str(self.imo or ""))
        return any(needle in h.casefold() for h in hay) or any(needle in n for n in numbers)


def derived_id(kind: str, name: str, mmsi: int | None) -> str:
    """A stable id when none is given, so importing the same export twice updates rather
    than duplicates: a vessel by its MMSI, anything else by kind and name."""
    if kind == "vessel" and mmsi is not None:
        return f"vessel-{mmsi}"
    digest = hashlib.sha1(f"{kind}|{name.strip().casefold()}".encode()).hexdigest()[:10]
    return f"{kind}-{digest}"


def imo_valid(imo: int) -> bool:
    """IMO ship numbers: 7 digits, the last a check digit (weights 7..2 of the first six)."""
    digits = str(imo)
    if len(digits) != 7:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


def object_problems(obj: RegistryObject, offices: frozenset[str]) -> list[str]:
    problems = []
    if obj.kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)} (got {obj.kind!r})")
    if not obj.name.strip():
        problems.append("name must not be empty")
    if obj.office is not None and obj.office not in offices:
        problems.append(f"unknown office {obj.office!r}")
    if obj.mmsi is not None and not 100_000_000 <= obj.mmsi <= 999_999_999:
        problems.append(f"MMSI must have 9 digits (got {obj.mmsi})")
    if obj.imo is not None and not imo_valid(obj.imo):
        problems.append(f"IMO number {obj.imo} is not valid (7 digits with check digit)")
    problems += _position_problems(obj)
    for link in obj.links:
        if link.partition(":")[0] not in LINK_TYPES or not link.partition(":")[2]:
            problems.append(f"link {link!r} must be TYPE:ID with TYPE one of {LINK_TYPES}")
    for name in ("name", "contact", "phone", "address", "notes"):
        if len(getattr(obj, name)) > MAX_TEXT:
            problems.append(f"{name} longer than {MAX_TEXT} characters")
    return problems


def _position_problems(obj: RegistryObject) -> list[str]:
    if (obj.lat is None) != (obj.lon is None):
        return ["give both latitude and longitude, or neither"]
    problems = []
    if obj.lat is not None and not -90 <= obj.lat <= 90:
        problems.append(f"latitude out of range: {obj.lat}")
    if obj.lon is not None and not -180 <= obj.lon <= 180:
        problems.append(f"longitude out of range: {obj.lon}")
    return problems
