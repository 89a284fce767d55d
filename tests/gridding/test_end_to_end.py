"""A real recording (Øresund, DMA) through the ingest decoder and the gridding stage, over a
grid made by `seagrid grid make` for the recording's area."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import shapely

from services.core import topics
from services.core.config import load_config
from services.core.settings import IngestSettings
from services.core.types import Position, Transition, VesselStatic
from services.gridding.stage import GriddingStage
from services.ingest.decoder import Decoder
from services.ingest.records import to_records
from tests.gridding.test_stage import run_stage

REPO = Path(__file__).resolve().parents[2]
T0 = 1309257871.0  # 2011-06-28T10:44:31Z, the recording's first base-station time
BORDER_LON = 12.8  # office areas: "dk" west of it, "se" east
SALTHOLM = (12.74, 55.62, 12.80, 55.68)  # a stand-in island, clipped away as land

TOML = """
[centre]
id = "oresund-centre"
name = "Øresund VTS"

[[offices]]
id = "dk"
name = "Danish side"

[[offices]]
id = "se"
name = "Swedish side"
"""


def area(
    props: dict[str, str], minx: float, miny: float, maxx: float, maxy: float
) -> dict[str, object]:
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def make_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "oresund"
    cfg.mkdir()
    (cfg / "seagrid.toml").write_text(TOML)
    offices = tmp_path / "offices.geojson"
    offices.write_text(json.dumps({"type": "FeatureCollection", "features": [
        area({"office": "dk"}, 11.0, 54.0, BORDER_LON, 57.0),
        area({"office": "se"}, BORDER_LON, 54.0, 14.0, 57.0),
    ]}))  # fmt: skip
    land = tmp_path / "land.geojson"
    land.write_text(json.dumps({"type": "FeatureCollection", "features": [area({}, *SALTHOLM)]}))
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "grid", "make", "--bbox", "12.4,54.9,13.3,56.0",
         "--step", "2nm", "--offices", str(offices), "--land", str(land), "--out", str(cfg / "grid.geojson")],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return cfg


def decode_recording(shared_ais: Path) -> list[Position | VesselStatic]:
    decoder = Decoder(IngestSettings())
    records: list[Position | VesselStatic] = []
    path = shared_ais / "dma-aislib" / "decode_encode_messages.txt"
    for n, line in enumerate(path.read_bytes().splitlines()):
        for message in decoder.push(line, feed="dma", received_at=T0 + n):
            records += to_records(message, "dma")
    return records


async def test_recording_through_gridding(tmp_path: Path, shared_ais: Path) -> None:
    config = load_config(make_config(tmp_path))
    assert config.warnings == ()
    records = decode_recording(shared_ais)
    positions = [r for r in records if isinstance(r, Position)]
    statics = [r for r in records if isinstance(r, VesselStatic)]
    assert len(positions) > 400 and len(statics) > 20

    stage = GriddingStage(config)
    out = await run_stage(stage, {topics.POSITIONS: positions, topics.STATIC: statics})
    gridded = out[topics.CELL_POSITIONS]

    # every accepted position comes out once, in order, with the cell geometry says
    assert [(p.mmsi, p.ts) for p in gridded] == [(p.mmsi, p.ts) for p in positions]
    for p in gridded:
        point = shapely.Point(p.lon, p.lat)
        covering = [c for c in config.cells if c.geometry.intersects(point)]
        assert p.cell == (covering[0].id if covering else None)
        if p.lon < BORDER_LON - 0.06:
            assert p.office in ("dk", None)
        if p.lon > BORDER_LON + 0.06:
            assert p.office == "se"
    assert {p.office for p in gridded} == {"dk", "se"}
    inside_land = [
        p
        for p in gridded
        if SALTHOLM[0] < p.lon < SALTHOLM[2] and SALTHOLM[1] < p.lat < SALTHOLM[3]
    ]
    assert all(p.cell is None for p in inside_land)

    # per vessel, transitions form a chain: each change starts where the previous one ended
    chains: dict[int, list[Transition]] = defaultdict(list)
    for t in out[topics.TRANSITIONS]:
        chains[t.mmsi].append(t)
    assert len(chains) >= 30
    for mmsi, events in chains.items():
        assert events[0].event == "jurisdiction_enter" and events[0].initial, mmsi
        committed = None
        for t in events:
            assert t.old_cell == committed, (mmsi, t)
            if t.event in ("cell_enter", "jurisdiction_exit"):
                committed = t.new_cell
        state = stage.tracker.state(mmsi)
        assert state is not None and state.cell == committed
    moved = [m for m, events in chains.items() if any(not t.initial for t in events)]
    assert moved, "five minutes of Øresund traffic should cross at least one 2 nm cell edge"

    # the live picture holds every vessel committed to a cell, with ship types from type 5/24
    snapshot = stage.picture.snapshot()
    in_cells = {m for m in chains if stage.tracker.state(m).cell is not None}  # type: ignore[union-attr]
    assert {m for cell in snapshot.values() for m in cell["vessels"]} == in_cells
    categories = {c for cell in snapshot.values() for c in cell["by_type"]}
    assert categories - {"unknown"}, categories
