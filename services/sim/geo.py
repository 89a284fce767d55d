"""Small-area geodesy on lon/lat pairs.

A local equirectangular projection is accurate to well under 0.1 % over the ~100 km of one
jurisdiction, and it keeps the simulator free of a projection library.
"""

from __future__ import annotations

import math

Coord = tuple[float, float]  # lon, lat in degrees

NM_PER_DEG_LAT = 60.0


def _scale(lat: float) -> float:
    return math.cos(math.radians(lat))


def distance_nm(a: Coord, b: Coord) -> float:
    """Distance in nautical miles."""
    k = _scale((a[1] + b[1]) / 2)
    dx = (b[0] - a[0]) * k * NM_PER_DEG_LAT
    dy = (b[1] - a[1]) * NM_PER_DEG_LAT
    return math.hypot(dx, dy)


def bearing_deg(a: Coord, b: Coord) -> float:
    """True course from a to b, 0 <= course < 360."""
    k = _scale((a[1] + b[1]) / 2)
    dx = (b[0] - a[0]) * k
    dy = b[1] - a[1]
    return math.degrees(math.atan2(dx, dy)) % 360.0


def lerp(a: Coord, b: Coord, f: float) -> Coord:
    """The point a fraction f of the way from a to b."""
    return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)


def offset(p: Coord, course: float, dist_nm: float) -> Coord:
    """The point dist_nm from p on the given true course."""
    rad = math.radians(course)
    dlat = dist_nm * math.cos(rad) / NM_PER_DEG_LAT
    dlon = dist_nm * math.sin(rad) / (NM_PER_DEG_LAT * _scale(p[1]))
    return (p[0] + dlon, p[1] + dlat)
