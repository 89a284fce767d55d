"""Where a radar target is: range and bearing from the antenna to a position, and a local
plane in metres for association.

The same equirectangular approximation as services/alerts/geo.py: within a radar's 20-30 nm
its error is metres, far below a radar plot's 1 % of range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from services.alerts.geo import KNOT_MS, METRES_PER_DEGREE, NM, offset
from services.radar.config import RadarSite
from services.radar.nmea import TTM, RadarReport


class OutOfRange(ValueError):
    """A TTM target further than the radar's configured range: a bad report, not a ship."""


def report_position(report: RadarReport, site: RadarSite) -> tuple[float, float]:
    """(lat, lon) of a report: TLL gives it, TTM is range and bearing from `site`."""
    if report.kind != TTM:
        assert report.lat is not None and report.lon is not None
        return report.lat, report.lon
    assert report.range_nm is not None and report.bearing is not None
    if report.range_nm > site.range_nm * 1.05:
        raise OutOfRange(f"target at {report.range_nm:.2f} nm, radar range {site.range_nm} nm")
    bearing = report.bearing if report.bearing_true else (report.bearing + site.heading) % 360.0
    return offset(site.lat, site.lon, bearing, report.range_nm * NM)


def locate_all(
    reports: Sequence[RadarReport], site: RadarSite
) -> list[tuple[float, float] | tuple[None, None]]:
    """`report_position` of a whole scan at once (vectorised: a scan has thousands);
    (None, None) for a TTM beyond the radar's range."""
    n = len(reports)
    ttm = np.fromiter((r.kind == TTM for r in reports), bool, n)
    rng = np.fromiter((r.range_nm if r.range_nm is not None else np.nan for r in reports), float, n)
    brg = np.fromiter(
        (
            (r.bearing if r.bearing_true else r.bearing + site.heading)
            if r.bearing is not None
            else np.nan
            for r in reports
        ),
        float,
        n,
    )
    metres = rng * NM
    rad = np.radians(brg)
    lat = site.lat + metres * np.cos(rad) / METRES_PER_DEGREE
    kx = METRES_PER_DEGREE * max(math.cos(math.radians(site.lat)), 1e-6)
    lon = site.lon + metres * np.sin(rad) / kx
    far = ttm & ~(rng <= site.range_nm * 1.05)
    out: list[tuple[float, float] | tuple[None, None]] = []
    # as lists: reading numpy arrays element by element costs more than the trigonometry
    for r, is_ttm, too_far, y, x in zip(
        reports, ttm.tolist(), far.tolist(), lat.tolist(), lon.tolist(), strict=True
    ):
        if not is_ttm:
            out.append((r.lat, r.lon) if r.lat is not None and r.lon is not None else (None, None))
        elif too_far:
            out.append((None, None))
        else:
            out.append((y, x))
    return out


def true_course(report: RadarReport, site: RadarSite) -> float | None:
    if report.course is None:
        return None
    return report.course if report.course_true else (report.course + site.heading) % 360.0


class Plane:
    """Local east/north metres around (lat0, lon0)."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.kx = METRES_PER_DEGREE * max(math.cos(math.radians(lat0)), 1e-6)

    def xy(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return _columns((lon - self.lon0) * self.kx, (lat - self.lat0) * METRES_PER_DEGREE)


def velocity(speed_kn: np.ndarray, course: np.ndarray) -> np.ndarray:
    """East/north m/s from speed (kn) and true course (deg); NaN rows where unknown."""
    rad = np.radians(course)
    v = speed_kn * KNOT_MS
    return _columns(v * np.sin(rad), v * np.cos(rad))


def _columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`np.column_stack((a, b))` for two 1-d arrays, at half its cost (called a few times
    per radar scan on arrays of tens)."""
    out = np.empty((len(a), 2))
    out[:, 0] = a
    out[:, 1] = b
    return out
