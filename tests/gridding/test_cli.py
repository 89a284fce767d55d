"""`seagrid config check` and `seagrid grid make` as an operator runs them (subprocess)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

SMALL = Path(__file__).resolve().parent / "data" / "quanzhou-small"
REPO = Path(__file__).resolve().parents[2]


def seagrid(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_config_check_valid() -> None:
    done = seagrid("config", "check", SMALL)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "valid (0 errors, 0 warnings)" in done.stderr


def test_config_check_lists_every_error(tmp_path: Path) -> None:
    shutil.copytree(SMALL, tmp_path / "cfg")
    grid = tmp_path / "cfg" / "grid.geojson"
    data = json.loads(grid.read_text())
    data["features"][0]["properties"]["office"] = "xiamen"
    data["features"][3]["properties"]["id"] = "C-02"
    grid.write_text(json.dumps(data))
    done = seagrid("config", "check", tmp_path / "cfg")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert f"{grid}: feature C-01: unknown office 'xiamen' (not in seagrid.toml)" in lines
    assert f"{grid}: feature C-02: duplicate id" in lines
    assert "2 errors" in done.stderr


def test_config_check_warning_only_exits_0(tmp_path: Path) -> None:
    shutil.copytree(SMALL, tmp_path / "cfg")
    toml = tmp_path / "cfg" / "seagrid.toml"
    toml.write_text(toml.read_text() + '\n[[offices]]\nid = "chongwu"\nname = "崇武"\n')
    done = seagrid("config", "check", tmp_path / "cfg")
    assert done.returncode == 0
    assert done.stdout == f"{toml}: feature chongwu: warning: office owns no cell\n"


def test_config_check_missing_directory(tmp_path: Path) -> None:
    done = seagrid("config", "check", tmp_path / "nope")
    assert done.returncode == 1 and "not a directory" in done.stdout


def test_grid_make_output_passes_check(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    shutil.copy(SMALL / "seagrid.toml", cfg)
    offices = tmp_path / "offices.geojson"
    land = tmp_path / "land.geojson"
    offices.write_text(json.dumps(collection(("shishi", 118.4, 118.7), ("jinjiang", 118.7, 119.2))))
    land.write_text(json.dumps(collection(("", 118.5, 118.56))))
    done = seagrid(
        "grid", "make", "--bbox", "118.5,24.5,119.0,25.0", "--step", "3'",
        "--offices", offices, "--land", land, "--office-default", "huian",
        "--out", cfg / "grid.geojson",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote 90 cells (10 rows x 10 columns; 10 on land" in done.stderr
    features = json.loads((cfg / "grid.geojson").read_text())["features"]
    assert features[0]["properties"] == {"id": "G-r000-c001", "office": "shishi"}
    check = seagrid("config", "check", cfg)
    assert check.returncode == 0, check.stdout
    # huian owns no cell: every cell is covered by an office area
    assert (
        check.stdout.strip()
        == f"{cfg / 'seagrid.toml'}: feature huian: warning: office owns no cell"
    )


def test_grid_make_bad_arguments(tmp_path: Path) -> None:
    out = tmp_path / "grid.geojson"
    bad_step = seagrid(
        "grid",
        "make",
        "--bbox",
        "118,24,119,25",
        "--step",
        "2km",
        "--office-default",
        "x",
        "--out",
        out,
    )
    assert bad_step.returncode == 1 and "bad step '2km'" in bad_step.stderr
    no_file = seagrid(
        "grid",
        "make",
        "--bbox",
        "118,24,119,25",
        "--step",
        "2nm",
        "--offices",
        tmp_path / "none.geojson",
        "--out",
        out,
    )
    assert no_file.returncode == 1 and "cannot read" in no_file.stderr
    assert not out.exists()


def collection(*areas: tuple[str, float, float]) -> dict[str, object]:
    """Strips of longitude from lat 24 to 26, with property office."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"office": office} if office else {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[w, 24], [e, 24], [e, 26], [w, 26], [w, 24]]],
                },
            }
            for office, w, e in areas
        ],
    }
