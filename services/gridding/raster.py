"""A raster of cell indices over the grid: O(1) assignment away from cell boundaries.

Testing a point against polygons costs a few hundred nanoseconds at best (prepared
geometry, vectorised), and a vessel moving a few hundred metres between reports leaves its
cell often enough that an STRtree query is needed for a third of the reports. A raster
lookup is a subtraction, a division and an array read per point.

Exactness: a pixel is *pure* when its closed square meets no cell boundary; the whole pixel
then lies inside one cell (or outside all of them), so every point in it has that answer.
Every pixel a boundary touches is *mixed* (MIXED), and points in it go to the exact path.
Boundaries are marked by cutting them into pieces shorter than half a pixel: each piece's
bounding box spans at most 2 x 2 pixels, all of which are marked. Pure pixels are then
classified cheaply: a run of pure pixels along a row is connected and crosses no boundary,
so one exact query of its first pixel's centre classifies the whole run.

Floating point: pixel coordinates are widened by EDGE_EPS when marking, and points within
EDGE_EPS of a pixel edge are reported MIXED, so rounding never puts a point into a pure
pixel it is not in.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import shapely

MIXED = -2
EDGE_EPS = 1e-6  # in pixels
MAX_PIXELS = 4_000_000  # 16 MB of int32
PIXELS_PER_CELL = 1024  # about 32 x 32 pixels across a typical cell

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Classify = Callable[[FloatArray, FloatArray], IntArray]


class CellRaster:
    """Cell index (or OUTSIDE) per pure pixel, MIXED near boundaries."""

    def __init__(self, geoms: npt.NDArray[np.object_], classify: Classify, outside: int) -> None:
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        pixels = min(MAX_PIXELS, PIXELS_PER_CELL * len(geoms))
        self.size = math.sqrt((maxx - minx) * (maxy - miny) / pixels)
        # one pixel of margin, so the outer boundary never lies on the raster's edge
        self.x0, self.y0 = minx - self.size, miny - self.size
        self.cols = math.ceil((maxx - minx) / self.size) + 2
        self.rows = math.ceil((maxy - miny) / self.size) + 2
        self.outside = outside
        mixed = self._mark_boundaries(shapely.boundary(geoms))
        self.values = self._classify_runs(mixed, classify)

    def _mark_boundaries(self, boundaries: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
        pieces = shapely.segmentize(boundaries, self.size / 2)
        coords = shapely.get_coordinates(pieces)
        fx = (coords[:, 0] - self.x0) / self.size
        fy = (coords[:, 1] - self.y0) / self.size
        # consecutive coordinates are a piece of a ring (or a jump between rings, which only
        # marks a few extra pixels: harmless, they take the exact path)
        lo_x = np.floor(np.minimum(fx[:-1], fx[1:]) - EDGE_EPS).astype(np.int64)
        hi_x = np.floor(np.maximum(fx[:-1], fx[1:]) + EDGE_EPS).astype(np.int64)
        lo_y = np.floor(np.minimum(fy[:-1], fy[1:]) - EDGE_EPS).astype(np.int64)
        hi_y = np.floor(np.maximum(fy[:-1], fy[1:]) + EDGE_EPS).astype(np.int64)
        mixed = np.zeros((self.rows, self.cols), dtype=bool)
        for dx in (0, 1):
            for dy in (0, 1):
                use = (lo_x + dx <= hi_x) & (lo_y + dy <= hi_y)
                ix = np.clip(lo_x[use] + dx, 0, self.cols - 1)
                iy = np.clip(lo_y[use] + dy, 0, self.rows - 1)
                mixed[iy, ix] = True
        return mixed

    def _classify_runs(
        self, mixed: npt.NDArray[np.bool_], classify: Classify
    ) -> npt.NDArray[np.int32]:
        pure = ~mixed
        starts = pure.copy()
        starts[:, 1:] &= mixed[:, :-1]  # a run starts after a mixed pixel or at column 0
        run_of = np.cumsum(starts.ravel()) - 1
        rows, cols = np.nonzero(starts)
        centres_x = self.x0 + (cols + 0.5) * self.size
        centres_y = self.y0 + (rows + 0.5) * self.size
        run_class = classify(centres_x, centres_y)
        values = np.full(mixed.size, MIXED, dtype=np.int32)
        flat_pure = pure.ravel()
        values[flat_pure] = run_class[run_of[flat_pure]]
        return values.reshape(mixed.shape)

    @property
    def mixed_fraction(self) -> float:
        return float(np.mean(self.values == MIXED))

    def lookup_one(self, x: float, y: float) -> int:
        """`lookup` of one point, without arrays: the same arithmetic, so the same answer
        (for the few radar tracks of a scan, numpy's per-call cost is most of the work)."""
        fx = (x - self.x0) / self.size
        fy = (y - self.y0) / self.size
        if not (math.isfinite(fx) and math.isfinite(fy)):
            return self.outside
        ix, iy = math.floor(fx), math.floor(fy)
        if not (0 <= ix < self.cols and 0 <= iy < self.rows):
            return self.outside
        near_x = fx - ix < EDGE_EPS or ix + 1 - fx < EDGE_EPS
        if near_x or fy - iy < EDGE_EPS or iy + 1 - fy < EDGE_EPS:
            return MIXED
        return int(self.values[iy, ix])

    def lookup(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Cell index, `outside`, or MIXED (exact test needed) for each point."""
        fx = (x - self.x0) / self.size
        fy = (y - self.y0) / self.size
        with np.errstate(invalid="ignore"):
            ix = np.floor(fx)
            iy = np.floor(fy)
            inside = (ix >= 0) & (ix < self.cols) & (iy >= 0) & (iy < self.rows)
            near_edge = (
                (fx - ix < EDGE_EPS)
                | (ix + 1 - fx < EDGE_EPS)
                | (fy - iy < EDGE_EPS)
                | (iy + 1 - fy < EDGE_EPS)
            )
        out = np.full(x.shape, self.outside, dtype=np.int64)
        sel = np.flatnonzero(inside)
        out[sel] = self.values[iy[sel].astype(np.int64), ix[sel].astype(np.int64)]
        out[inside & near_edge] = MIXED
        return out
