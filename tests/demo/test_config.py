"""The bundled demo configuration: valid for the service's loader, honest, and on water."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import shapely
from shapely.geometry import LineString, box, shape

from services.core.config import check_config, load_config
from services.demo import CONFIG_DIR, RECORDING
from services.demo.build import RouteOnLand, build, route_features
from services.demo.waters import BOX, in_kinmen_corner, load_land

REPO = Path(__file__).resolve().parents[2]
RECORDING_START = 1772409600.0  # 2026-03-02T00:00:00Z, the bundled recording's start


def features(name: str) -> list[dict]:
    return json.loads((CONFIG_DIR / name).read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def land():
    return load_land(CONFIG_DIR)


def test_loader_accepts_the_demo_config_without_issues():
    assert check_config(CONFIG_DIR) == []
    config = load_config(CONFIG_DIR)
    assert config.centre.id == "qz-centre"
    assert {o.id for o in config.offices} == {
        "quangang",
        "huian",
        "fengze",
        "shishi",
        "jinjiang",
        "nanan",
    }
    assert {c.office for c in config.cells} == config.office_ids()


def test_seagrid_config_check_passes():
    proc = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "config", "check", str(CONFIG_DIR)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cells_are_many_small_disjoint_and_clear_of_kinmen(land):
    cells = features("grid.geojson")
    ids = [c["properties"]["id"] for c in cells]
    assert len(ids) == len(set(ids)) and len(ids) > 30
    assert all(re.fullmatch(r"(QG|HA|FZ|SS|JJ|NA)-\d\d", i) for i in ids)
    geoms = [shape(c["geometry"]) for c in cells]
    tree = shapely.STRtree(geoms)
    for i, g in enumerate(geoms):
        for j in tree.query(g):
            assert j == i or g.intersection(geoms[j]).area < 1e-12, (ids[i], ids[int(j)])
    for cid, g in zip(ids, geoms, strict=True):
        assert box(*BOX).contains(g), cid
        assert not in_kinmen_corner(g), cid
        # snapping to 1e-5° leaves slivers of a few m² along the shore, nothing more
        assert g.intersection(land).area < 1e-4 * g.area, f"{cid} covers land"
        assert g.area < 0.05**2 * 1.8, f"{cid} is not a cell of a few nm"


def test_kinmen_corner_check_catches_a_cell_that_reaches_kinmen():
    assert in_kinmen_corner(box(118.45, 24.50, 118.52, 24.60))
    assert not in_kinmen_corner(box(118.45, 24.56, 118.52, 24.60))


def test_zones_cover_every_rule_kind_and_the_works_span_the_demo():
    zones = {z["properties"]["id"]: z["properties"] for z in features("zones.geojson")}
    kinds = {p["kind"] for p in zones.values()}
    assert kinds >= {
        "anchorage",
        "speed_limit",
        "no_anchoring",
        "restricted",
        "waterworks",
        "sand_mining_ban",
    }
    assert all(p["max_speed_kn"] > 0 for p in zones.values() if p["kind"] == "speed_limit")
    config = load_config(CONFIG_DIR)
    works = [z for z in config.zones if z.kind == "waterworks"]
    active = [
        z.id for z in works if z.is_active(RECORDING_START) and z.is_active(RECORDING_START + 7200)
    ]
    assert active == ["ww-quanzhou-bay"]
    assert [z.id for z in works if not z.is_active(RECORDING_START)] == ["ww-meizhou-finished"]


@pytest.mark.parametrize("name", ["grid.geojson", "zones.geojson", "routes.geojson"])
def test_every_feature_says_it_is_illustrative(name):
    for f in features(name):
        assert "not an official" in f["properties"]["note"], f["properties"]["id"]


def test_land_is_small_attributed_and_valid():
    assert (CONFIG_DIR / "land.geojson").stat().st_size < 60_000
    (feature,) = features("land.geojson")
    assert feature["properties"]["attribution"] == "© OpenStreetMap contributors"
    assert "ODbL" in feature["properties"]["license"]
    assert shape(feature["geometry"]).is_valid
    assert "ODbL" in (CONFIG_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")


def test_routes_stay_on_water_and_out_of_closed_zones(land):
    closed = [
        shape(z["geometry"])
        for z in features("zones.geojson")
        if z["properties"]["kind"] == "restricted" or z["properties"]["id"] == "ww-quanzhou-bay"
    ]
    for f in features("routes.geojson"):
        g = shape(f["geometry"])
        assert not g.intersects(land), f["properties"]["id"]
        assert not any(g.intersects(z) for z in closed), f["properties"]["id"]


def test_route_building_refuses_a_route_over_land():
    quanzhou_bay_as_land = box(118.70, 24.80, 118.80, 24.86)
    with pytest.raises(RouteOnLand, match="routes.py: qz-houzhu: crosses land"):
        route_features(quanzhou_bay_as_land)
    assert not LineString([(119.28, 24.96), (119.15, 24.985)]).intersects(quanzhou_bay_as_land)


def test_rebuild_reproduces_the_bundled_files(tmp_path):
    shutil.copy(CONFIG_DIR / "land.geojson", tmp_path / "land.geojson")
    build(tmp_path)
    for name in ("grid.geojson", "zones.geojson", "routes.geojson"):
        assert (tmp_path / name).read_bytes() == (CONFIG_DIR / name).read_bytes(), name


def test_toml_lists_patrol_vessels_per_office_and_a_simulated_watchlist():
    raw = tomllib.loads((CONFIG_DIR / "seagrid.toml").read_text(encoding="utf-8"))
    offices = {o["id"] for o in raw["offices"]}
    assert all(o["name"].endswith("海事处") and o["name_en"] for o in raw["offices"])
    assert {p["office"] for p in raw["patrol_vessels"]} == offices
    assert all(p["name"].startswith("海巡") for p in raw["patrol_vessels"])
    recording = RECORDING.read_text(encoding="ascii")
    for w in raw["watchlist"]:
        assert "simulated" in w["reason"]
        assert str(w["mmsi"])[:3] in ("412", "413", "414")
    assert recording.startswith("# SIMULATED AIS TRAFFIC")
