"""Who can help at an incident: patrol boats and other vessels ranked by time to reach.

Pure. Patrol boats are ranked at their configured service speed (a boat on a mooring
shows 0 kn, but casts off in minutes); other vessels at their current speed over ground,
since a merchant ship keeps roughly its speed when diverted. A vessel making less than
`MIN_SPEED_KN` has no time to reach (`eta_min` null) and is listed after those that have,
nearest first. Other vessels are offered only within the radius; patrol boats at any
distance, because they are the ones the centre will send anyway.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

EARTH_RADIUS_NM = 3440.065
MIN_SPEED_KN = 0.5


@dataclass(frozen=True, slots=True)
class Fix:
    """A vessel's latest known position (from the live picture)."""

    mmsi: int
    lat: float
    lon: float
    speed: float | None = None
    name: str | None = None
    seen_at: float | None = None


def distance_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), nautical miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_NM * math.asin(min(1.0, math.sqrt(a)))


def eta_minutes(distance: float, speed_kn: float | None) -> float | None:
    if speed_kn is None or speed_kn < MIN_SPEED_KN:
        return None
    return distance / speed_kn * 60.0


def rank(
    lat: float,
    lon: float,
    radius_nm: float,
    fixes: Iterable[Fix],
    patrol_speeds: dict[int, float],
    patrol_names: dict[int, str] | None = None,
    exclude: int | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(assist, within_radius). `assist`: `{"mmsi", "name", "patrol", "distance_nm",
    "eta_min"}` nearest time to reach first; `within_radius`: every vessel inside the
    radius (patrol or not, the one in distress excluded), nearest first."""
    names = patrol_names or {}
    assist: list[dict[str, Any]] = []
    inside: list[dict[str, Any]] = []
    for fix in fixes:
        if fix.mmsi == exclude:
            continue
        d = distance_nm(lat, lon, fix.lat, fix.lon)
        patrol = fix.mmsi in patrol_speeds
        speed = patrol_speeds[fix.mmsi] if patrol else fix.speed
        eta = eta_minutes(d, speed)
        item = {
            "mmsi": fix.mmsi,
            "name": names.get(fix.mmsi) or fix.name,
            "patrol": patrol,
            "distance_nm": round(d, 2),
            "eta_min": None if eta is None else round(eta, 1),
            "speed": fix.speed,
        }
        if d <= radius_nm:
            inside.append(item)
        if patrol or d <= radius_nm:
            assist.append(item)
    assist.sort(key=_by_eta)
    inside.sort(key=lambda i: (i["distance_nm"], i["mmsi"]))
    return assist, inside


def _by_eta(item: dict[str, Any]) -> tuple[int, float, float, int]:
    eta = item["eta_min"]
    return (eta is None, eta if eta is not None else 0.0, item["distance_nm"], item["mmsi"])
