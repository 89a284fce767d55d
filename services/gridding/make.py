"""Generate a regular grid.geojson over a bounding box (`seagrid grid make`).

Rows and columns are numbered from the south-west corner (`G-r000-c000`), like x and y.
A step in nautical miles is converted to degrees at the box's middle latitude, so cells are
square there and the grid stays regular (rows and columns aligned, one step for all): over
the one or two degrees of latitude of a coastal jurisdiction cos(lat) changes by 1-2 %. A
step in minutes of arc (`5'`) is the same angle in lon and lat, like a chart's graticule.
The last row and column are cut at the box, so the grid covers exactly the box.

Offices: each cell goes to the office whose area covers the largest part of it (of its
water, when clipped to land). Cells no office area touches get `office_default`, or are
left out when there is none (they are outside the jurisdiction).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from services.core.config_geometry import check_overlaps, geometry_problem

MAX_CELLS = 250_000  # beyond this the web map and the validation become sluggish
_STEP = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(nm|NM|'|min|arcmin)\s*$")


class MakeError(ValueError):
    """The grid cannot be made from these arguments (the message says why)."""


@dataclass(frozen=True, slots=True)
class Step:
    value: float
    unit: str  # "nm" or "arcmin"

    def degrees(self, mid_lat: float) -> tuple[float, float]:
        """(dlon, dlat) of one step at latitude `mid_lat`."""
        dlat = self.value / 60.0
        if self.unit == "arcmin":
            return dlat, dlat
        return dlat / math.cos(math.radians(mid_lat)), dlat


@dataclass(frozen=True, slots=True)
class GridCell:
    id: str
    office: str
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class MadeGrid:
    cells: list[GridCell]
    rows: int
    cols: int
    on_land: int  # cells dropped because they lay entirely on land
    unowned: int  # cells dropped because no office area touched them


def parse_step(text: str) -> Step:
    """'2nm', '0.5NM', "5'", '5min' -> Step."""
    match = _STEP.match(text)
    if not match or float(match.group(1)) <= 0:
        raise MakeError(f"bad step {text!r}: use nautical miles (2nm) or minutes of arc (5')")
    unit = "nm" if match.group(2).lower() == "nm" else "arcmin"
    return Step(float(match.group(1)), unit)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """'minlon,minlat,maxlon,maxlat' -> floats, checked for order and range."""
    try:
        minx, miny, maxx, maxy = (float(v) for v in text.split(","))
    except ValueError:
        raise MakeError(f"bad bbox {text!r}: use minlon,minlat,maxlon,maxlat") from None
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise MakeError(
            f"bad bbox {text!r}: need -180 <= minlon < maxlon <= 180 and "
            "-90 <= minlat < maxlat <= 90 (lon first)"
        )
    return minx, miny, maxx, maxy


def read_polygons(data: Any, what: str, prop: str | None = None) -> list[tuple[str, BaseGeometry]]:
    """(property `prop` or '', geometry) of each polygonal feature of a FeatureCollection."""
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise MakeError(f"{what}: expected a GeoJSON FeatureCollection")
    found = []
    for n, feature in enumerate(data["features"]):
        props = feature.get("properties") or {}
        label = props.get(prop, "") if prop else ""
        if prop and not (isinstance(label, str) and label):
            raise MakeError(f"{what}: feature #{n} has no properties.{prop}")
        label = str(label)
        try:
            geom = shapely.make_valid(shape(feature["geometry"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MakeError(f"{what}: feature #{n}: bad geometry: {exc}") from None
        found.append((label, _polygonal(geom)))
    return found


def make_grid(
    bbox: tuple[float, float, float, float],
    step: Step,
    offices: list[tuple[str, BaseGeometry]] | None = None,
    land: BaseGeometry | None = None,
    office_default: str | None = None,
) -> MadeGrid:
    """The cells of a regular grid over `bbox`, clipped to water and given offices."""
    if not offices and office_default is None:
        raise MakeError("give office areas (--offices) or a default office (--office-default)")
    minx, miny, maxx, maxy = bbox
    dx, dy = step.degrees((miny + maxy) / 2)
    xs, ys = _edges(minx, maxx, dx), _edges(miny, maxy, dy)
    rows, cols = len(ys) - 1, len(xs) - 1
    if rows * cols > MAX_CELLS:
        raise MakeError(f"{rows * cols} cells (over {MAX_CELLS}): use a larger step")
    col_grid, row_grid = np.meshgrid(np.arange(cols), np.arange(rows))
    row, col = row_grid.ravel(), col_grid.ravel()
    geoms = shapely.box(xs[col], ys[row], xs[col + 1], ys[row + 1])
    keep = np.ones(len(geoms), dtype=bool)
    if land is not None:
        geoms, keep = _clip_to_water(geoms, land)
    owners = _owners(geoms, offices or [], office_default)
    unowned = int(np.count_nonzero(keep & (owners == "")))
    keep &= owners != ""
    width = max(3, len(str(max(rows, cols) - 1)))
    cells = [
        GridCell(f"G-r{r:0{width}d}-c{c:0{width}d}", owner, g)
        for r, c, owner, g, k in zip(row, col, owners, geoms, keep, strict=True)
        if k
    ]
    _self_check(cells)
    return MadeGrid(cells, rows, cols, int(np.count_nonzero(~keep)) - unowned, unowned)


def _edges(low: float, high: float, step: float) -> np.ndarray:
    """Cell edges from `low` to exactly `high`, shared by neighbours bit for bit."""
    count = max(1, math.ceil((high - low) / step - 1e-9))
    edges = low + np.arange(count + 1) * step
    edges[-1] = high
    return edges


def _clip_to_water(geoms: np.ndarray, land: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Cells minus land; cells entirely on land are marked not kept."""
    shapely.prepare(land)
    keep = np.ones(len(geoms), dtype=bool)
    touched = np.flatnonzero(shapely.intersects(land, geoms))
    if touched.size:
        clipped = shapely.difference(geoms[touched], land)
        geoms = geoms.copy()
        for i, geom in zip(touched, clipped, strict=True):
            water = _polygonal(shapely.make_valid(geom))
            keep[i] = not water.is_empty and water.area > 0
            geoms[i] = water
    return geoms, keep


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (differences can leave lines and points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _owners(
    geoms: np.ndarray, offices: list[tuple[str, BaseGeometry]], default: str | None
) -> np.ndarray:
    """Office of each cell by largest covered area ('' when none); ties go to the earlier area."""
    best = np.zeros(len(geoms))
    owners = np.full(len(geoms), default or "", dtype=object)
    tree = shapely.STRtree(geoms)
    for office, area in offices:
        hit = tree.query(area, predicate="intersects")
        covered = shapely.area(shapely.intersection(geoms[hit], area))
        better = covered > best[hit]
        best[hit[better]] = covered[better]
        owners[hit[better]] = office
    return owners


def _self_check(cells: list[GridCell]) -> None:
    """The output must pass `seagrid config check`; fail here rather than write a bad file."""
    for cell in cells:
        problem = geometry_problem(cell.geometry)
        if problem:
            raise MakeError(f"generated cell {cell.id} is invalid: {problem}")
    overlaps = check_overlaps([c.id for c in cells], [c.geometry for c in cells])
    if overlaps:
        raise MakeError(f"generated cells overlap: {overlaps[0][0]}: {overlaps[0][1]}")


def to_geojson(cells: list[GridCell]) -> dict[str, Any]:
    """A grid.geojson FeatureCollection (CONTRACTS §5)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": c.id, "office": c.office},
                "geometry": mapping(c.geometry),
            }
            for c in cells
        ],
    }
