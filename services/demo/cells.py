"""Grid cells of the demo: each office's waters cut into squares of a few nautical miles.

The office areas follow the research note's suggested layout (shared/data/geo/README.md §4),
which is invented. Each area is cut by a 0.05° lattice (about 3 nm), clipped to water, and
slivers smaller than a quarter of a square are merged into their longest-bordering
neighbour of the same office, so no office owns a cell too small to click on the map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

STEP = 0.05  # degrees; 3 nm north-south, 2.7 nm east-west at 24.8°N
MIN_SHARE = 0.25  # of a full square's area
MIN_ISOLATED = 0.1  # an isolated creek smaller than this is left to the centre


@dataclass(frozen=True)
class OfficeArea:
    """The waters one office is responsible for, before clipping to water."""

    office: str
    prefix: str
    polygon: Polygon


def _rect(lon0: float, lat0: float, lon1: float, lat1: float) -> Polygon:
    return box(lon0, lat0, lon1, lat1)


OFFICE_AREAS: tuple[OfficeArea, ...] = (
    OfficeArea("quangang", "QG", _rect(118.82, 25.00, 119.20, 25.13)),
    OfficeArea("huian", "HA", _rect(118.85, 24.83, 119.20, 25.00)),
    OfficeArea("fengze", "FZ", _rect(118.60, 24.83, 118.85, 24.93)),
    OfficeArea("shishi", "SS", _rect(118.62, 24.70, 119.00, 24.83)),
    OfficeArea(
        "jinjiang",
        "JJ",
        Polygon(
            [
                (118.445, 24.55),
                (118.50, 24.55),
                (118.50, 24.45),
                (118.85, 24.45),
                (118.85, 24.70),
                (118.445, 24.70),
            ]
        ),
    ),
    OfficeArea("nanan", "NA", _rect(118.38, 24.55, 118.445, 24.72)),
)


def _squares(area: BaseGeometry) -> list[Polygon]:
    lon0, lat0, lon1, lat1 = area.bounds
    i0, j0 = math.floor(lon0 / STEP + 1e-9), math.floor(lat0 / STEP + 1e-9)
    i1, j1 = math.ceil(lon1 / STEP - 1e-9), math.ceil(lat1 / STEP - 1e-9)
    return [
        box(i * STEP, j * STEP, (i + 1) * STEP, (j + 1) * STEP)
        for j in range(j1 - 1, j0 - 1, -1)  # north first, so ids read like a page
        for i in range(i0, i1)
    ]


def _pieces(area: OfficeArea, sea: BaseGeometry) -> list[BaseGeometry]:
    wet = area.polygon.intersection(sea)
    pieces = []
    for square in _squares(area.polygon):
        piece = square.intersection(wet)
        if piece.area > 0:
            pieces.append(_polygonal(piece))
    return pieces


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def _merge_slivers(pieces: list[BaseGeometry]) -> list[BaseGeometry]:
    full = STEP * STEP
    big = [p for p in pieces if p.area >= MIN_SHARE * full]
    for small in (p for p in pieces if p.area < MIN_SHARE * full):
        shared = [small.boundary.intersection(b.boundary).length for b in big]
        if not shared or max(shared) == 0:
            if small.area >= MIN_ISOLATED * full:
                big.append(small)  # an isolated patch of water stays a cell of its own
            continue
        k = shared.index(max(shared))
        big[k] = _polygonal(shapely.union_all([big[k], small]))
    return big


def build_cells(sea: BaseGeometry) -> list[tuple[str, str, BaseGeometry]]:
    """(id, office, geometry) of every cell, ids like QG-01 numbered north to south."""
    cells = []
    for area in OFFICE_AREAS:
        pieces = _merge_slivers(_pieces(area, sea))
        pieces.sort(key=lambda g: (-round(g.centroid.y, 3), round(g.centroid.x, 3)))
        for n, geom in enumerate(pieces, start=1):
            cells.append((f"{area.prefix}-{n:02d}", area.office, shapely.set_precision(geom, 1e-5)))
    return cells
