"""The gridding stage over the in-process bus: outputs, picture, bad records and reloads."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pytest

from services.core import topics
from services.core.bus import BusOptions
from services.core.bus_memory import MemoryBus
from services.core.codec import decode_as, encode, payloads_of
from services.core.config import load_config
from services.core.types import CellPosition, Position, Transition, VesselStatic
from services.gridding.stage import GriddingStage, with_cell

SMALL = Path(__file__).resolve().parent / "data" / "quanzhou-small"
REPO = Path(__file__).resolve().parents[2]


def make_position(**overrides: Any) -> Position:
    values: dict[str, Any] = {"mmsi": 412000001, "ts": 1000.0, "lat": 24.71, "lon": 118.61}
    values.update(overrides)
    return Position(**values)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "cfg"
    shutil.copytree(SMALL, target)
    return target


async def run_stage(stage: GriddingStage, records: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Publish records, run the stage until both inputs are drained, return its outputs."""
    bus = MemoryBus(BusOptions())
    for topic, items in records.items():
        await bus.publish(topic, [r if isinstance(r, bytes) else encode(r) for r in items])
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(bus, stop))
    for _ in range(200):
        await asyncio.sleep(0.01)
        lags = [await bus.lag(t, stage.group) + await bus.pending(t, stage.group) for t in records]
        if not any(lags):
            break
    stop.set()
    await asyncio.wait_for(task, 5)
    out = {}
    for topic, cls in ((topics.CELL_POSITIONS, CellPosition), (topics.TRANSITIONS, Transition)):
        got = await bus.read(topic, "test", "t", count=10_000, block=0)
        out[topic] = [decode_as(payload, cls) for payload in payloads_of(got)]
    return out


async def test_positions_get_cells_and_transitions() -> None:
    stage = GriddingStage(load_config(SMALL))
    track = [
        make_position(ts=1000.0, lon=118.61, lat=24.71),  # C-01, shishi
        make_position(ts=1010.0, lon=118.7, lat=24.71),  # on the C-01|C-02 edge
        make_position(ts=1020.0, lon=118.71, lat=24.71),  # C-02, 1 km inside
        make_position(ts=1030.0, lon=118.5, lat=24.71),  # outside
        make_position(mmsi=412000002, ts=1000.0, lon=118.85, lat=24.85),  # C-03 part 2
    ]
    static = [VesselStatic(mmsi=412000002, ts=990.0, msg_type=5, ship_type=30)]
    out = await run_stage(stage, {topics.POSITIONS: track, topics.STATIC: static})
    cells = [(p.mmsi, p.cell, p.office) for p in out[topics.CELL_POSITIONS]]
    assert cells == [
        (412000001, "C-01", "shishi"),
        (412000001, "C-01", "shishi"),
        (412000001, "C-02", "jinjiang"),
        (412000001, None, None),
        (412000002, "C-03", "huian"),
    ]
    assert out[topics.CELL_POSITIONS][2].lon == 118.71
    events = [(t.mmsi, t.event, t.old_cell, t.new_cell) for t in out[topics.TRANSITIONS]]
    assert events == [
        (412000001, "jurisdiction_enter", None, "C-01"),
        (412000001, "cell_enter", None, "C-01"),
        (412000001, "cell_exit", "C-01", "C-02"),
        (412000001, "cell_enter", "C-01", "C-02"),
        (412000001, "cell_exit", "C-02", None),
        (412000001, "jurisdiction_exit", "C-02", None),
        (412000002, "jurisdiction_enter", None, "C-03"),
        (412000002, "cell_enter", None, "C-03"),
    ]
    assert stage.picture.snapshot() == {
        "C-03": {"vessels": [412000002], "count": 1, "by_type": {"fishing": 1}}
    }
    assert stage.status()["positions"] == 5 and stage.status()["outside"] == 1


async def test_bad_records_are_dropped_and_counted() -> None:
    stage = GriddingStage(load_config(SMALL))
    records = [
        b"not json",
        encode({"mmsi": 1}),
        encode(make_position(lat=float("nan"))),
        encode(make_position(lat=95.0)),
        encode(make_position()),
    ]
    out = await run_stage(stage, {topics.POSITIONS: records})
    assert [p.cell for p in out[topics.CELL_POSITIONS]] == ["C-01"]
    status = stage.status()
    assert status["rejected_bad_payload"] == 2 and status["rejected_bad_coordinates"] == 2


def move_cell_c02(directory: Path, office: str) -> None:
    path = directory / "grid.geojson"
    data = json.loads(path.read_text())
    data["features"][1]["properties"]["office"] = office
    path.write_text(json.dumps(data))


def test_reload_applies_new_grid_and_keeps_vessels(config_dir: Path) -> None:
    stage = GriddingStage(load_config(config_dir))
    stage.process([make_position(ts=1.0, lon=118.75, lat=24.75)])
    move_cell_c02(config_dir, "huian")
    assert stage.reload() is True
    assert stage.reloads == 1 and stage.reload_failures == 0
    [after], transitions = stage.process([make_position(ts=2.0, lon=118.75, lat=24.75)])
    assert (after.cell, after.office) == ("C-02", "huian")
    assert transitions == []  # same cell, the vessel was not forgotten
    assert stage.picture.vessels("C-02") == {412000001}


def test_broken_reload_keeps_old_grid(config_dir: Path) -> None:
    stage = GriddingStage(load_config(config_dir))
    (config_dir / "grid.geojson").write_text('{"type": "FeatureCollection", "features": [')
    assert stage.reload() is False
    assert stage.reload_failures == 1 and "grid.geojson" in (stage.last_reload_error or "")
    [pos], _ = stage.process([make_position(ts=1.0, lon=118.75, lat=24.75)])
    assert pos.cell == "C-02" and stage.status()["cells"] == 4
    shutil.copy(SMALL / "grid.geojson", config_dir / "grid.geojson")
    move_cell_c02(config_dir, "nowhere")  # valid JSON, unknown office
    assert stage.reload() is False and "nowhere" in (stage.last_reload_error or "")
    assert stage.grid.office(stage.grid.index_of("C-02")) == "jinjiang"


def test_sighup_reloads_a_running_process(config_dir: Path) -> None:
    script = REPO / "tests" / "gridding" / "sighup_child.py"
    child = subprocess.Popen(
        [sys.executable, str(script), str(config_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout is not None
        assert "ready" in child.stdout.readline()
        move_cell_c02(config_dir, "huian")
        child.send_signal(signal.SIGHUP)
        line = child.stdout.readline()
        assert "reloaded" in line and "4 cells" in line
        child.send_signal(signal.SIGTERM)
        assert child.wait(10) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


def test_silent_vessels_are_forgotten() -> None:
    stage = GriddingStage(load_config(SMALL), picture_ttl=600)
    stage.process([make_position(mmsi=1, ts=0.0), make_position(mmsi=2, ts=0.0)])
    stage.process([make_position(mmsi=2, ts=601.0)])
    assert stage.tracker.state(1) is None and stage.picture.cell_of(1) is None
    assert stage.picture.vessels("C-01") == {2}
    _, again = stage.process([make_position(mmsi=1, ts=700.0)])
    assert [(t.event, t.initial) for t in again] == [
        ("jurisdiction_enter", True),
        ("cell_enter", True),
    ]


def test_cell_position_keeps_every_position_field() -> None:
    p = make_position(speed=12.5, course=90.1, heading=91, status=0, turn=2.0, msg_type=18,
                      source="vts-north", mmsi_class="ship")  # fmt: skip
    cp = with_cell(p, "C-01", "shishi")
    assert {f.name: getattr(cp, f.name) for f in fields(Position)} == asdict(p)
    assert (cp.cell, cp.office) == ("C-01", "shishi")
