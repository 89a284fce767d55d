"""Which cell a position falls in, for whole batches at once.

Assignment is vectorised with Shapely 2 and numpy: a Python loop over cells (or over points
calling Shapely one at a time) costs microseconds per call, while here each step handles the
whole batch in one call:

1. A raster lookup (raster.py) answers exactly for points away from every cell boundary.
2. Near a boundary, a vessel usually reports again from the cell it was last in, so the
   point is tested against its previous cell with `contains_xy` (prepared geometries).
3. The rest go through one STRtree query (`intersects`).

Points on a boundary shared by several cells go to the lowest cell index among them,
whatever the vessel's history: a boundary point is never in a pure raster pixel, and
`contains_xy` is false on the boundary, so boundary points always reach step 3, which is
deterministic. A point in no cell is outside the jurisdiction (index -1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely

from services.core.config import Cell
from services.gridding.raster import MIXED, CellRaster

OUTSIDE = -1
METRES_PER_DEGREE_LAT = 60 * 1852.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Grid:
    """An immutable index over the cells of one grid.geojson (a reload builds a new one)."""

    def __init__(self, cells: Sequence[Cell], *, raster: bool = True) -> None:
        self.cells = tuple(cells)
        self.ids = tuple(c.id for c in self.cells)
        self.offices = tuple(c.office for c in self.cells)
        self._index = {cell_id: i for i, cell_id in enumerate(self.ids)}
        self._geoms = np.array([c.geometry for c in self.cells], dtype=object)
        self._boundaries = shapely.boundary(self._geoms)
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        self.raster: CellRaster | None = None
        if raster and len(self.cells):
            minx, miny, maxx, maxy = shapely.total_bounds(self._geoms)
            if maxx > minx and maxy > miny:
                self.raster = CellRaster(self._geoms, self._query, OUTSIDE)

    def __len__(self) -> int:
        return len(self.cells)

    def index_of(self, cell_id: str | None) -> int:
        """The index of a cell id, or OUTSIDE when the grid has no such cell (or None)."""
        return OUTSIDE if cell_id is None else self._index.get(cell_id, OUTSIDE)

    def cell_id(self, index: int) -> str | None:
        return None if index < 0 else self.ids[index]

    def office(self, index: int) -> str | None:
        return None if index < 0 else self.offices[index]

    def assign(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, previous: npt.ArrayLike | None = None
    ) -> IntArray:
        """Cell index of each (lon, lat), OUTSIDE for none; `previous`: last index per point.

        `previous` may hold OUTSIDE or stale indices; it only speeds things up, the result
        is the same without it. Non-finite coordinates are outside.
        """
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        if self.raster is not None:
            out = self.raster.lookup(x, y)
            todo = out == MIXED
        else:
            out = np.full(x.shape, OUTSIDE, dtype=np.int64)
            todo = np.ones(x.shape, dtype=bool)
        self._exact(x, y, previous, out, todo)
        return out

    def _exact(
        self,
        x: FloatArray,
        y: FloatArray,
        previous: npt.ArrayLike | None,
        out: IntArray,
        todo: npt.NDArray[np.bool_],
    ) -> None:
        """Steps 2 and 3 for the points flagged in `todo`, into `out`."""
        if previous is not None and len(self.cells):
            prev = np.asarray(previous, dtype=np.int64)
            known = np.flatnonzero(todo & (prev >= 0) & (prev < len(self.cells)))
            inside = shapely.contains_xy(self._geoms[prev[known]], x[known], y[known])
            kept = known[inside]
            out[kept] = prev[kept]
            todo[kept] = False
        rest = np.flatnonzero(todo)
        if rest.size and len(self.cells):
            out[rest] = self._query(x[rest], y[rest])
        elif rest.size:
            out[rest] = OUTSIDE

    def assign_few(
        self, lon: Sequence[float], lat: Sequence[float], previous: Sequence[int]
    ) -> list[int]:
        """`assign` of a few points given as floats: pure raster pixels one by one, only
        the rest through the exact steps. Same answers."""
        raster = self.raster
        if raster is None:
            return self.assign(lon, lat, previous).tolist()  # type: ignore[no-any-return]
        out = [raster.lookup_one(x, y) for x, y in zip(lon, lat, strict=True)]
        exact = [i for i, index in enumerate(out) if index == MIXED]
        if exact:
            found = np.full(len(exact), OUTSIDE, dtype=np.int64)
            x = np.array([lon[i] for i in exact], dtype=np.float64)
            y = np.array([lat[i] for i in exact], dtype=np.float64)
            prev = [previous[i] for i in exact]
            self._exact(x, y, prev, found, np.ones(len(exact), dtype=bool))
            for i, index in zip(exact, found.tolist(), strict=True):
                out[i] = index
        return out

    def _query(self, x: FloatArray, y: FloatArray) -> IntArray:
        points, cells = self._tree.query(shapely.points(x, y), predicate="intersects")
        found = np.full(x.shape, len(self.cells), dtype=np.int64)
        np.minimum.at(found, points, cells)
        found[found == len(self.cells)] = OUTSIDE
        return found

    def depth_m(self, index: int, lon: float, lat: float) -> float:
        """How far (metres) the point is inside cell `index`, or outside every cell if OUTSIDE.

        Distances are computed in degrees and converted with the smaller of the two scales
        (a degree of longitude, cos(lat) times a degree of latitude), so the result is never
        more than the true depth: hysteresis built on it errs on the side of waiting.
        """
        point = shapely.Point(lon, lat)
        if index >= 0:
            degrees = float(shapely.distance(self._boundaries[index], point))
        elif len(self.cells):
            _, dist = self._tree.query_nearest(point, return_distance=True)
            degrees = float(dist[0])
        else:
            return float("inf")
        return degrees * METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6)
