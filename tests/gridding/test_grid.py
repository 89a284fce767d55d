"""Cell assignment: table of cases on the small configuration, and agreement with brute force."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.config import Cell, load_config
from services.gridding.grid import OUTSIDE, Grid
from services.gridding.make import make_grid, parse_step

SMALL = Path(__file__).resolve().parent / "data" / "quanzhou-small"
GRID = Grid(load_config(SMALL).cells)
C01, C02, C03, C04 = (GRID.index_of(i) for i in ("C-01", "C-02", "C-03", "C-04"))

CASES = [
    # (what, lon, lat, previous cell, expected)
    ("inside C-01", 118.61, 24.71, None, C01),
    ("inside C-02", 118.75, 24.71, None, C02),
    ("inside C-02, previous C-01", 118.75, 24.71, C01, C02),
    ("shared edge C-01|C-02 -> lowest index", 118.7, 24.75, None, C01),
    ("shared edge, previous C-02 -> still lowest", 118.7, 24.75, C02, C01),
    ("corner of C-01, C-02, C-03", 118.7, 24.8, C03, C01),
    ("edge C-02|C-03 part 2", 118.8, 24.8, C03, C02),
    ("hole of C-01 is outside", 118.641, 24.741, C01, OUTSIDE),
    ("hole rim belongs to C-01", 118.64, 24.75, None, C01),
    ("island C-04 in the hole", 118.65, 24.75, C01, C04),
    ("island rim belongs to C-04", 118.645, 24.75, None, C04),
    ("MultiPolygon part 1", 118.65, 24.85, None, C03),
    ("MultiPolygon part 2", 118.85, 24.85, None, C03),
    ("between the parts is outside", 118.75, 24.85, C03, OUTSIDE),
    ("outer edge belongs to C-01", 118.6, 24.75, None, C01),
    ("just outside", 118.59999, 24.75, C01, OUTSIDE),
    ("far away", 12.0, 55.0, None, OUTSIDE),
    ("swapped lat/lon is not a cell", 24.75, 118.65, None, OUTSIDE),
    ("stale previous index", 118.61, 24.71, 99, C01),
]


@pytest.mark.parametrize(("what", "lon", "lat", "previous", "expected"), CASES)
def test_assign_table(
    what: str, lon: float, lat: float, previous: int | None, expected: int
) -> None:
    prev = None if previous is None else [previous]
    assert GRID.assign([lon], [lat], prev).tolist() == [expected], what


def test_assign_batch_equals_single() -> None:
    lon = [c[1] for c in CASES]
    lat = [c[2] for c in CASES]
    prev = [OUTSIDE if c[3] is None else c[3] for c in CASES]
    assert GRID.assign(lon, lat, prev).tolist() == [c[4] for c in CASES]


def test_non_finite_and_empty() -> None:
    assert GRID.assign([np.nan, 118.61], [24.71, np.inf]).tolist() == [OUTSIDE, OUTSIDE]
    assert GRID.assign([], []).tolist() == []
    assert Grid([]).assign([118.61], [24.71], [0]).tolist() == [OUTSIDE]


def test_ids_and_offices() -> None:
    assert GRID.cell_id(C02) == "C-02" and GRID.office(C02) == "jinjiang"
    assert GRID.cell_id(OUTSIDE) is None and GRID.office(OUTSIDE) is None
    assert GRID.index_of("C-99") == OUTSIDE and GRID.index_of(None) == OUTSIDE


def test_depth_in_metres() -> None:
    # 0.001 deg of latitude from C-02's south edge; the lon edges are further away
    depth = GRID.depth_m(C02, 118.75, 24.701)
    assert 100 < depth <= 111.2
    assert GRID.depth_m(C02, 118.7, 24.75) == 0.0
    outside = GRID.depth_m(OUTSIDE, 118.59, 24.75)  # 0.01 deg of lon west of C-01
    assert 0.9 * 1010 < outside < 1012
    assert Grid([]).depth_m(OUTSIDE, 0.0, 0.0) == float("inf")


def brute_force(lon: float, lat: float) -> int:
    point = shapely.Point(lon, lat)
    hits = [i for i, c in enumerate(GRID.cells) if c.geometry.intersects(point)]
    return min(hits, default=OUTSIDE)


# Coordinates on a 0.005-degree lattice hit edges, corners and the hole rim often.
lattice = st.integers(min_value=-2, max_value=62).map(lambda n: round(118.59 + n * 0.005, 6))
lattice_lat = st.integers(min_value=-2, max_value=42).map(lambda n: round(24.69 + n * 0.005, 6))


@settings(max_examples=300, deadline=None)
@given(
    points=st.lists(st.tuples(lattice, lattice_lat), min_size=1, max_size=20),
    previous=st.lists(st.integers(min_value=-1, max_value=5), min_size=20, max_size=20),
)
def test_history_never_changes_the_answer(
    points: list[tuple[float, float]], previous: list[int]
) -> None:
    lon = [p[0] for p in points]
    lat = [p[1] for p in points]
    prev = previous[: len(points)]
    expected = [brute_force(x, y) for x, y in points]
    assert GRID.assign(lon, lat).tolist() == expected
    assert GRID.assign(lon, lat, prev).tolist() == expected


def voronoi_cells(count: int, seed: int) -> list[Cell]:
    rng = np.random.default_rng(seed)
    frame = shapely.box(118.4, 24.4, 118.8, 24.8)
    seeds = shapely.multipoints(rng.uniform([118.4, 24.4], [118.8, 24.8], (count, 2)))
    parts = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame
    )
    return [Cell(f"V-{i}", "shishi", g) for i, g in enumerate(parts)]


def points_on_boundaries(
    cells: list[Cell], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices, points along edges, and points a hair either side of them."""
    boundaries = shapely.boundary(np.array([c.geometry for c in cells], dtype=object))
    coords = shapely.get_coordinates(shapely.segmentize(boundaries, 0.0007))
    jitter = rng.choice([0.0, 1e-12, -1e-12, 1e-9, -1e-9], size=coords.shape)
    return coords[:, 0] + jitter[:, 0], coords[:, 1] + jitter[:, 1]


@pytest.mark.parametrize("source", ["voronoi", "regular"])
def test_raster_gives_the_exact_answer(source: str) -> None:
    """Against boundaries at arbitrary angles and boundaries lying exactly on pixel edges."""
    if source == "voronoi":
        cells = voronoi_cells(300, seed=7)
    else:
        made = make_grid((118.4, 24.4, 118.8, 24.8), parse_step("1'"), office_default="shishi")
        cells = [Cell(c.id, c.office, c.geometry) for c in made.cells]
    rng = np.random.default_rng(3)
    exact, fast = Grid(cells, raster=False), Grid(cells)
    assert fast.raster is not None and 0.0 < fast.raster.mixed_fraction < 0.35
    bx, by = points_on_boundaries(cells, rng)
    x = np.concatenate([rng.uniform(118.39, 118.81, 20_000), bx])
    y = np.concatenate([rng.uniform(24.39, 24.81, 20_000), by])
    prev = rng.integers(-1, len(cells), len(x))
    expected = exact.assign(x, y)
    assert np.array_equal(fast.assign(x, y), expected)
    assert np.array_equal(fast.assign(x, y, prev), expected)
    assert np.count_nonzero(expected == OUTSIDE) > 0
    # the point-by-point path (radar tracks) gives the same answers, edges and all
    assert fast.assign_few(x.tolist(), y.tolist(), prev.tolist()) == expected.tolist()
    assert fast.assign_few(x.tolist(), y.tolist(), [OUTSIDE] * len(x)) == expected.tolist()
    odd = fast.assign_few([math.nan, math.inf, 118.6], [24.6, 24.6, math.nan], [0, 0, 0])
    assert odd == [OUTSIDE] * 3
