"""Geometry checks for configuration polygons (cells and zones).

Hand-drawn and exported polygons go wrong in a few typical ways: rings that cross
themselves, coordinates written as lat, lon instead of GeoJSON's lon, lon, and neighbouring
cells drawn on top of each other. Each check returns reasons as text; the caller attaches
file and feature id.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

POLYGONAL = ("Polygon", "MultiPolygon")

# Overlap area, as a fraction of the smaller cell, below which two cells are taken to merely
# touch: edges computed separately for each neighbour (clipping, reprojection) leave slivers
# of floating-point noise far below this, while a real drawing mistake is far above it.
OVERLAP_TOLERANCE = 1e-6

# A feature is "far" from the rest when its centre is further than this many times the
# spread of the other features' centres (and at least 1 degree) from their median.
SWAP_FAR_FACTOR = 3.0


def parse_geometry(raw: Any) -> tuple[BaseGeometry | None, str | None]:
    """A polygonal Shapely geometry from a GeoJSON geometry object, or a reason it is not."""
    if not isinstance(raw, dict):
        return None, "missing geometry"
    kind = raw.get("type")
    if kind not in POLYGONAL:
        return None, f"geometry must be Polygon or MultiPolygon, not {kind!r}"
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        return None, f"malformed {kind} coordinates: {exc}"
    return geom, None


def geometry_problem(geom: BaseGeometry) -> str | None:
    """Why `geom` cannot be a cell or zone, or None when it can."""
    coords = shapely.get_coordinates(geom)
    if len(coords) == 0 or geom.is_empty:
        return "empty geometry"
    if not np.isfinite(coords).all():
        return "coordinates must be finite numbers"
    range_problem = _range_problem(coords)
    if range_problem:
        return range_problem
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        if "Self-intersection" in reason:
            return f"self-intersecting polygon ({reason})"
        return f"invalid polygon ({reason})"
    if geom.area <= 0.0:
        return "polygon has no area"
    return None


def _range_problem(coords: np.ndarray) -> str | None:
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all():
        return None
    if (np.abs(lon) <= 90).all() and (np.abs(lat) <= 180).all():
        return (
            "coordinates outside valid lon/lat; they look swapped "
            "(written as lat, lon; GeoJSON wants lon, lat)"
        )
    return "coordinates outside valid lon/lat (lon -180..180, lat -90..90)"


def check_swapped(
    ids: list[str], geoms: list[BaseGeometry], reference: list[BaseGeometry]
) -> list[tuple[str, str]]:
    """Features far from the `reference` features that would sit among them if swapped.

    Catches a lat/lon order mistake the range check cannot, e.g. Øresund (lon 12, lat 55)
    written as (55, 12), which is a valid position in the Arctic. Needs at least three
    reference features to know where the jurisdiction is.
    """
    if len(reference) < 3 or not geoms:
        return []
    ref = _centres(reference)
    median = np.median(ref, axis=0)
    spread = max(1.0, SWAP_FAR_FACTOR * float(np.median(np.hypot(*(ref - median).T))))
    found = []
    for ident, (x, y) in zip(ids, _centres(geoms), strict=True):
        far = math.hypot(x - median[0], y - median[1]) > spread
        swapped_near = math.hypot(y - median[0], x - median[1]) <= spread
        if far and swapped_near:
            found.append(
                (
                    ident,
                    "far from the other cells but among them if lon and lat were swapped: "
                    "coordinates look written as lat, lon (GeoJSON wants lon, lat)",
                )
            )
    return found


def _centres(geoms: list[BaseGeometry]) -> np.ndarray:
    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    return np.column_stack(((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2))


def check_overlaps(ids: list[str], geoms: list[BaseGeometry]) -> list[tuple[str, str]]:
    """Pairs of cells sharing more than edges; each pair reported once, naming both ids."""
    if len(geoms) < 2:
        return []
    arr = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    overlap = shapely.area(shapely.intersection(arr[left], arr[right]))
    smaller = np.minimum(shapely.area(arr[left]), shapely.area(arr[right]))
    bad = overlap > OVERLAP_TOLERANCE * smaller
    return [
        (ids[a], f"overlaps cell {ids[b]} ({share:.1%} of the smaller cell)")
        for a, b, share in zip(left[bad], right[bad], (overlap / smaller)[bad], strict=True)
    ]
