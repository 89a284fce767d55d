"""Grid generation: steps, ids, offices by largest share, clipping to water."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely import box

from services.gridding.make import MakeError, Step, make_grid, parse_bbox, parse_step, read_polygons

BBOX = (118.5, 24.5, 119.0, 25.0)


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("2nm", Step(2.0, "nm")),
        ("0.5NM", Step(0.5, "nm")),
        ("5'", Step(5.0, "arcmin")),
        ("5min", Step(5.0, "arcmin")),
    ],
)
def test_parse_step(text: str, step: Step) -> None:
    assert parse_step(text) == step


@pytest.mark.parametrize("text", ["2", "2km", "0nm", "-1nm", "5m", "", "nm"])
def test_bad_step(text: str) -> None:
    with pytest.raises(MakeError, match="bad step"):
        parse_step(text)


@pytest.mark.parametrize("text", ["1,2,3", "119,24.5,118.5,25", "24.5,118.5,25,119", "a,b,c,d"])
def test_bad_bbox(text: str) -> None:
    with pytest.raises(MakeError, match="bad bbox"):
        parse_bbox(text)


def test_nautical_mile_step_is_cos_lat_aware() -> None:
    dlon, dlat = Step(2.0, "nm").degrees(60.0)
    assert dlat == pytest.approx(2 / 60)
    assert dlon == pytest.approx(4 / 60)  # cos(60 deg) = 0.5
    assert Step(5.0, "arcmin").degrees(60.0) == (5 / 60, 5 / 60)


def test_regular_grid_covers_the_box_exactly() -> None:
    made = make_grid(BBOX, parse_step("5'"), office_default="shishi")
    assert (made.rows, made.cols) == (6, 6)
    assert [c.id for c in made.cells[:2]] == ["G-r000-c000", "G-r000-c001"]
    assert made.cells[-1].id == "G-r005-c005"
    assert made.cells[0].geometry.bounds == pytest.approx(
        (118.5, 24.5, 118.5 + 5 / 60, 24.5 + 5 / 60)
    )
    union = shapely.union_all([c.geometry for c in made.cells])
    assert union.equals(box(*BBOX))


def test_last_row_and_column_are_cut_at_the_box() -> None:
    made = make_grid((118.5, 24.5, 118.6, 24.55), parse_step("2nm"), office_default="x")
    dlon = 2 / 60 / math.cos(math.radians(24.525))
    assert made.cols == math.ceil(0.1 / dlon) and made.rows == 2
    assert max(c.geometry.bounds[2] for c in made.cells) == 118.6


def test_office_with_largest_share_wins() -> None:
    west = ("shishi", box(118.0, 24.0, 118.54, 26.0))  # 40 % of the first column
    east = ("jinjiang", box(118.54, 24.0, 120.0, 26.0))
    made = make_grid(BBOX, parse_step("6'"), [west, east])
    offices = {c.id: c.office for c in made.cells}
    assert offices["G-r000-c000"] == "jinjiang"
    west = ("shishi", box(118.0, 24.0, 118.56, 26.0))  # 60 %
    made = make_grid(BBOX, parse_step("6'"), [west, east])
    assert {c.id: c.office for c in made.cells}["G-r000-c000"] == "shishi"


def test_cells_no_office_area_touches() -> None:
    area = [("shishi", box(118.0, 24.0, 118.7, 26.0))]
    left_out = make_grid(BBOX, parse_step("6'"), area)
    assert left_out.unowned == 15 and len(left_out.cells) == 10
    defaulted = make_grid(BBOX, parse_step("6'"), area, office_default="qz")
    assert len(defaulted.cells) == 25 and defaulted.unowned == 0
    assert {c.office for c in defaulted.cells} == {"shishi", "qz"}
    with pytest.raises(MakeError, match="office"):
        make_grid(BBOX, parse_step("6'"))


def test_land_clipping() -> None:
    land = box(118.5, 24.5, 118.65, 25.0)  # the west 1.5 columns of 6'
    made = make_grid(BBOX, parse_step("6'"), land=land, office_default="x")
    assert made.on_land == 5 and len(made.cells) == 20
    half = next(c for c in made.cells if c.id == "G-r000-c001")
    assert half.geometry.area == pytest.approx(0.05 * 0.1)
    assert not any(c.geometry.intersection(land).area > 1e-12 for c in made.cells)


def test_too_many_cells() -> None:
    with pytest.raises(MakeError, match="larger step"):
        make_grid((100.0, 0.0, 140.0, 40.0), parse_step("0.1nm"), office_default="x")


def test_read_polygons_needs_office() -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    with pytest.raises(MakeError, match="properties.office"):
        read_polygons(data, "offices.geojson", "office")
    assert read_polygons(data, "land.geojson")[0][1].area == 0.5
