"""Small-distance geometry on WGS84 lon/lat, good to well under 1 % over a jurisdiction.

An equirectangular projection around the points themselves: at the tens of kilometres the
rules work with, the error against a geodesic is far below GPS and AIS noise, and it costs a
few floating-point operations instead of a trigonometric series.
"""

from __future__ import annotations

import math

METRES_PER_DEGREE = 60 * 1852.0
KNOT_MS = 1852.0 / 3600.0
NM = 1852.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two nearby points."""
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    dx = (lon2 - lon1) * METRES_PER_DEGREE * math.cos(math.radians((lat1 + lat2) * 0.5))
    return math.hypot(dx, dy)


def offset(lat: float, lon: float, course_deg: float, metres: float) -> tuple[float, float]:
    """(lat, lon) reached from (lat, lon) after `metres` on true course `course_deg`."""
    rad = math.radians(course_deg)
    dlat = metres * math.cos(rad) / METRES_PER_DEGREE
    scale = METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6)
    return lat + dlat, lon + metres * math.sin(rad) / scale


def metres_per_degree_lon(lat: float) -> float:
    return METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6)
