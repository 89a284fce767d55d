"""What a WebSocket client asked to see: a bounding box and filters (pure).

Two clients with equal views get the very same frames, so a view is a frozen, hashable
value: the hub groups clients by it and encodes each tick once per group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from services.gridding.picture import ship_type_category

BBox = tuple[float, float, float, float]
WORLD: BBox = (-180.0, -90.0, 180.0, 90.0)
SHIP_TYPES = frozenset(
    {
        "fishing", "towing", "dredging", "diving", "military", "sailing", "pleasure", "pilot",
        "sar", "tug", "port_tender", "anti_pollution", "law_enforcement", "medical",
        "wing_in_ground", "high_speed_craft", "passenger", "cargo", "tanker", "other", "unknown",
    }
)  # fmt: skip


class ViewError(ValueError):
    """A subscribe message or bbox parameter that makes no sense; the message says why."""


@dataclass(frozen=True, slots=True)
class View:
    bbox: BBox = WORLD
    ship_types: frozenset[str] | None = None  # categories (gridding.picture); None: all
    alerts_only: bool = False  # alerts but no positions (a wall display of alerts)
    # A patrol crew's own vessel, always in its frames whatever the box (set by the server
    # from the signed-in user, never by the client): the tablet must never lose its boat.
    own: int | None = None

    def wants_type(self, ship_type: int | None) -> bool:
        return self.ship_types is None or ship_type_category(ship_type) in self.ship_types


def parse_bbox(value: Any) -> BBox:
    """A bbox from `[minlon, minlat, maxlon, maxlat]` or `"minlon,minlat,maxlon,maxlat"`.

    min_lon > max_lon is allowed (the box crosses the antimeridian); min_lat > max_lat is not.
    """
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise ViewError("bbox must be 4 numbers: minlon,minlat,maxlon,maxlat")
    try:
        numbers = [float(v) for v in value if not isinstance(v, bool)]
    except (TypeError, ValueError):
        raise ViewError("bbox must be 4 numbers: minlon,minlat,maxlon,maxlat") from None
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ViewError("bbox must be 4 finite numbers")
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ViewError("bbox longitudes must be within -180..180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ViewError("bbox latitudes must be within -90..90")
    if min_lat > max_lat:
        raise ViewError("bbox: minlat is above maxlat")
    return (min_lon, min_lat, max_lon, max_lat)


def parse_subscribe(message: dict[str, Any], own: int | None = None) -> View:
    """The view of a `{"type": "subscribe", ...}` message (`own`: the user's own vessel,
    kept in view whatever the box); raises ViewError."""
    bbox = parse_bbox(message["bbox"]) if message.get("bbox") is not None else WORLD
    types = message.get("ship_types")
    if types is not None:
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ViewError("ship_types must be a list of category names")
        unknown = set(types) - SHIP_TYPES
        if unknown:
            raise ViewError(f"unknown ship_types {sorted(unknown)}; known: {sorted(SHIP_TYPES)}")
        types = frozenset(types)
    alerts_only = message.get("alerts_only", False)
    if not isinstance(alerts_only, bool):
        raise ViewError("alerts_only must be true or false")
    return View(bbox, types, alerts_only, None if alerts_only else own)
