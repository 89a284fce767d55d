"""Loading and validating a configuration directory: one test per kind of problem."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.core.config import (
    ConfigError,
    ConfigIssue,
    check_config,
    load_config,
)
from services.core.config_zones import parse_iso8601

SMALL = Path(__file__).resolve().parent.parent / "gridding" / "data" / "quanzhou-small"

Features = list[dict[str, Any]]


def square(x0: float, y0: float, size: float = 0.1) -> dict[str, Any]:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


@pytest.fixture
def make_dir(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the small configuration, with `grid` / `zones` features edited in place."""

    def make(
        grid: Callable[[Features], None] | None = None,
        zones: Callable[[Features], None] | None = None,
        toml: str | None = None,
    ) -> Path:
        target = tmp_path / "cfg"
        shutil.copytree(SMALL, target)
        for name, edit in (("grid.geojson", grid), ("zones.geojson", zones)):
            if edit is not None:
                data = json.loads((target / name).read_text())
                edit(data["features"])
                (target / name).write_text(json.dumps(data))
        if toml is not None:
            (target / "seagrid.toml").write_text(toml)
        return target

    return make


def only_error(directory: Path) -> ConfigIssue:
    with pytest.raises(ConfigError) as caught:
        load_config(directory)
    errors = caught.value.errors
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_small_config_loads_with_unknown_sections_kept() -> None:
    config = load_config(SMALL)
    assert config.centre.id == "qz-centre"
    assert [o.id for o in config.offices] == ["shishi", "jinjiang", "huian"]
    assert [c.id for c in config.cells] == ["C-01", "C-02", "C-03", "C-04"]
    assert config.cells[2].geometry.geom_type == "MultiPolygon"
    assert config.sections["watchlist"] == [{"mmsi": 412000001, "reason": "repeat offender"}]
    assert config.sections["rules"]["speeding"]["tolerance_kn"] == 1.0
    speed = next(z for z in config.zones if z.kind == "speed_limit")
    assert speed.max_speed_kn == 10.0
    assert config.warnings == ()
    assert check_config(SMALL) == []


def test_waterworks_period_is_half_open() -> None:
    works = next(z for z in load_config(SMALL).zones if z.kind == "waterworks")
    start = parse_iso8601("2026-01-01T00:00:00+08:00")
    end = parse_iso8601("2026-06-30T00:00:00Z")
    assert start is not None and end is not None
    assert not works.is_active(start - 1)
    assert works.is_active(start)
    assert works.is_active(end - 1)
    assert not works.is_active(end)


def test_issue_format_is_file_feature_reason() -> None:
    issue = ConfigIssue("cfg/grid.geojson", "C-09", "overlaps cell C-10")
    assert str(issue) == "cfg/grid.geojson: feature C-09: overlaps cell C-10"
    assert str(ConfigIssue("cfg/seagrid.toml", "x", "office owns no cell", warning=True)) == (
        "cfg/seagrid.toml: feature x: warning: office owns no cell"
    )


def test_self_intersecting_polygon(make_dir: Callable[..., Path]) -> None:
    def bow_tie(features: Features) -> None:
        ring = [[118.7, 24.7], [118.8, 24.8], [118.8, 24.7], [118.7, 24.8], [118.7, 24.7]]
        features[1]["geometry"] = {"type": "Polygon", "coordinates": [ring]}

    issue = only_error(make_dir(grid=bow_tie))
    assert issue.file.endswith("grid.geojson") and issue.feature == "C-02"
    assert "self-intersecting" in issue.reason


def test_malformed_polygon(make_dir: Callable[..., Path]) -> None:
    def two_points(features: Features) -> None:
        features[1]["geometry"] = {"type": "Polygon", "coordinates": [[[118.7, 24.7], [1, 2]]]}

    issue = only_error(make_dir(grid=two_points))
    assert issue.feature == "C-02" and "malformed Polygon" in issue.reason


def test_geometry_must_be_polygonal(make_dir: Callable[..., Path]) -> None:
    def point(features: Features) -> None:
        features[1]["geometry"] = {"type": "Point", "coordinates": [118.7, 24.7]}

    issue = only_error(make_dir(grid=point))
    assert issue.feature == "C-02" and "Polygon or MultiPolygon" in issue.reason


def test_overlapping_cells_name_both(make_dir: Callable[..., Path]) -> None:
    def overlap(features: Features) -> None:
        features[1]["geometry"] = square(118.69, 24.7)  # 0.01 deg into C-01

    issue = only_error(make_dir(grid=overlap))
    assert issue.file.endswith("grid.geojson")
    assert issue.feature == "C-01" and "C-02" in issue.reason


def test_touching_cells_and_rounding_slivers_are_fine(make_dir: Callable[..., Path]) -> None:
    def sliver(features: Features) -> None:
        features[1]["geometry"] = square(118.7 - 1e-12, 24.7)

    assert check_config(make_dir(grid=sliver)) == []


def test_unknown_office(make_dir: Callable[..., Path]) -> None:
    def unknown(features: Features) -> None:
        features[1]["properties"]["office"] = "xiamen"

    issue = only_error(make_dir(grid=unknown))
    assert issue.feature == "C-02" and "unknown office 'xiamen'" in issue.reason


def test_duplicate_cell_id(make_dir: Callable[..., Path]) -> None:
    def duplicate(features: Features) -> None:
        features[1]["properties"]["id"] = "C-01"

    issue = only_error(make_dir(grid=duplicate))
    assert issue.file.endswith("grid.geojson")
    assert issue.feature == "C-01" and "duplicate id" in issue.reason


def test_missing_id_names_feature_number(make_dir: Callable[..., Path]) -> None:
    def no_id(features: Features) -> None:
        del features[2]["properties"]["id"]

    issue = only_error(make_dir(grid=no_id))
    assert issue.feature == "#2" and "missing properties.id" in issue.reason


def test_coordinates_out_of_range(make_dir: Callable[..., Path]) -> None:
    def far(features: Features) -> None:
        features[1]["geometry"] = square(200.0, 24.7)

    issue = only_error(make_dir(grid=far))
    assert issue.feature == "C-02" and "outside valid lon/lat" in issue.reason
    assert "swapped" not in issue.reason


def test_swapped_coordinates_out_of_range(make_dir: Callable[..., Path]) -> None:
    def swapped(features: Features) -> None:
        ring = features[1]["geometry"]["coordinates"][0]
        features[1]["geometry"]["coordinates"][0] = [[lat, lon] for lon, lat in ring]

    issue = only_error(make_dir(grid=swapped))
    assert issue.feature == "C-02" and "look swapped" in issue.reason


def test_swapped_coordinates_still_in_range(make_dir: Callable[..., Path]) -> None:
    """Øresund (lon 12, lat 55) written as lat, lon is a valid point in the Arctic."""

    def oresund(features: Features) -> None:
        for n, item in enumerate(features):
            item["geometry"] = square(12.0 + 0.1 * n, 55.0)
        features[1]["geometry"] = square(55.0, 12.1)

    issue = only_error(make_dir(grid=oresund, zones=lambda f: f.clear()))
    assert issue.feature == "C-02" and "lat, lon" in issue.reason


def test_unknown_zone_kind(make_dir: Callable[..., Path]) -> None:
    def unknown(features: Features) -> None:
        features[0]["properties"]["kind"] = "fishing_ground"

    issue = only_error(make_dir(zones=unknown))
    assert issue.file.endswith("zones.geojson")
    assert issue.feature == "restricted-1" and "unknown zone kind 'fishing_ground'" in issue.reason


@pytest.mark.parametrize("limit", [None, "10", 0, -3, True, 500])
def test_speed_limit_needs_max_speed(make_dir: Callable[..., Path], limit: Any) -> None:
    def edit(features: Features) -> None:
        features[1]["properties"]["max_speed_kn"] = limit

    issue = only_error(make_dir(zones=edit))
    assert issue.feature == "speed-1" and "max_speed_kn" in issue.reason


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("active_from", "next monday"),
        ("active_to", None),
        ("active_from", "2026-01-01T00:00:00"),  # no UTC offset: refused, not guessed
        ("active_from", "2026-07-01T00:00:00Z"),  # after active_to
    ],
)
def test_waterworks_needs_period(make_dir: Callable[..., Path], key: str, value: Any) -> None:
    def edit(features: Features) -> None:
        features[2]["properties"][key] = value

    issue = only_error(make_dir(zones=edit))
    assert issue.file.endswith("zones.geojson") and issue.feature == "works-1"
    assert "active_" in issue.reason


def test_duplicate_zone_id(make_dir: Callable[..., Path]) -> None:
    def duplicate(features: Features) -> None:
        features[3]["properties"]["id"] = "speed-1"

    issue = only_error(make_dir(zones=duplicate))
    assert issue.file.endswith("zones.geojson") and issue.feature == "speed-1"


def test_zones_file_is_optional(make_dir: Callable[..., Path]) -> None:
    directory = make_dir()
    (directory / "zones.geojson").unlink()
    assert load_config(directory).zones == ()


def test_office_without_cell_is_a_warning(make_dir: Callable[..., Path]) -> None:
    toml = (SMALL / "seagrid.toml").read_text() + '\n[[offices]]\nid = "chongwu"\nname = "崇武"\n'
    config = load_config(make_dir(toml=toml))
    [warning] = config.warnings
    assert warning.warning and warning.feature == "chongwu"
    assert warning.file.endswith("seagrid.toml") and "owns no cell" in warning.reason


@pytest.mark.parametrize(
    ("toml", "feature", "reason"),
    [
        ('[[offices]]\nid = "shishi"\nname = "a"\n', "centre", "missing [centre]"),
        ('[centre]\nid = "c"\nname = "c"\n[[offices]]\nid = "shishi"\n', "shishi", "id and name"),
        ("[centre\n", "-", "cannot read"),
    ],
)
def test_toml_errors(make_dir: Callable[..., Path], toml: str, feature: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(make_dir(toml=toml))
    toml_errors = [e for e in caught.value.errors if e.file.endswith("seagrid.toml")]
    assert any(e.feature == feature and reason in e.reason for e in toml_errors), toml_errors


def test_duplicate_office_and_unknown_parent(make_dir: Callable[..., Path]) -> None:
    toml = (SMALL / "seagrid.toml").read_text() + (
        '\n[[offices]]\nid = "huian"\nname = "again"\n'
        '\n[[offices]]\nid = "chongwu"\nname = "崇武"\nparent = "fuzhou"\n'
    )
    issues = check_config(make_dir(toml=toml))
    errors = {(i.feature, i.reason) for i in issues if not i.warning}
    assert ("huian", "duplicate office id") in errors
    assert any(f == "chongwu" and "parent 'fuzhou'" in r for f, r in errors)


def test_all_problems_reported_at_once(make_dir: Callable[..., Path]) -> None:
    def two(features: Features) -> None:
        features[0]["properties"]["office"] = "nowhere"
        features[1]["geometry"] = square(200.0, 24.7)

    with pytest.raises(ConfigError) as caught:
        load_config(make_dir(grid=two))
    assert {e.feature for e in caught.value.errors} == {"C-01", "C-02"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "file missing"),
        ("{not json", "not valid JSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
    ],
)
def test_unusable_grid_file(
    make_dir: Callable[..., Path], content: str | None, reason: str
) -> None:
    directory = make_dir()
    grid = directory / "grid.geojson"
    grid.unlink()
    if content is not None:
        grid.write_text(content)
    errors = [e for e in check_config(directory) if not e.warning]
    assert errors and errors[0].file == str(grid) and reason in errors[0].reason


def test_missing_directory(tmp_path: Path) -> None:
    [issue] = check_config(tmp_path / "nope")
    assert "not a directory" in issue.reason
