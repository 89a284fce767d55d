"""`radar_only` and `position_mismatch` through `seagrid replay` of simulated recordings:
AIS and radar lines in one file, the demo configuration's Weitou radar, every stage."""

from __future__ import annotations

import io
import random
from pathlib import Path

import orjson
import pytest

from services.alerts.model import Rule
from services.cli.main import main
from services.sim.fleet import Registry
from services.sim.geo import Coord
from services.sim.radar import GpsFault, RadarNoise, SimRadar
from services.sim.reception import Noise
from services.sim.scenario import Scenario, VesselPlan
from services.sim.track import UNDER_WAY, Track, TrackBuilder
from services.sim.writer import write_recording

T0 = 1772409600.0
SPAN = 600.0
WEITOU = SimRadar("vts-weitou", 24.53, 118.575, 8.0)
OK, FAULTY, SMALL_FAULT = 413500001, 413500002, 413500003
RADAR_RULES = {Rule.RADAR_ONLY.value, Rule.POSITION_MISMATCH.value}


def run(at: Coord, course: float, knots: float) -> Track:
    b = TrackBuilder(T0 - 60.0, at)
    miles = knots * (SPAN + 120.0) / 3600.0
    return b.sail([_ahead(at, course, miles)], lambda *_: knots, UNDER_WAY).build()


def _ahead(at: Coord, course: float, miles: float) -> Coord:
    from services.sim.geo import offset

    return offset(at, course, miles)


def recording(tmp: Path, *, clutter: float = 0.15) -> Path:
    registry = Registry(random.Random(1), set())
    plans = [
        VesselPlan(registry.identity("cargo", mmsi=mmsi, name=f"TEST {mmsi}"), track)
        for mmsi, track in (
            (OK, run((118.53, 24.56), 90.0, 6.0)),
            (FAULTY, run((118.55, 24.58), 0.0, 4.0)),
            (SMALL_FAULT, run((118.515, 24.545), 270.0, 3.0)),
        )
    ]
    dark = [
        run((118.565, 24.565), 200.0, 2.0),  # inside the jurisdiction: radar_only
        run((118.60, 24.44), 90.0, 5.0),  # in radar range, outside the jurisdiction
        run((118.5285, 24.5585), 90.0, 6.0),  # towed 200 m behind OK: accounted for
    ]
    faults = [
        GpsFault(FAULTY, T0 + 60.0, 300.0, SPAN, 800.0, 90.0),  # drifts at 5 kn
        GpsFault(SMALL_FAULT, T0 + 60.0, 120.0, SPAN, 250.0, 0.0),
    ]
    scenario = Scenario(
        T0,
        T0 + SPAN,
        plans,
        radars=[WEITOU],
        dark=dark,
        faults=faults,
        radar_noise=RadarNoise(clutter_per_scan=clutter),
    )
    out = io.StringIO()
    write_recording(scenario, 1, out, "radar rules test", Noise(0.0, 0.0, 0.0))
    path = tmp / "radar.nmea"
    path.write_text(out.getvalue(), encoding="ascii")
    return path


def replay(path: Path) -> list[dict]:
    out = path.with_suffix(".jsonl")
    assert main(["replay", str(path), "--alerts-out", str(out)]) == 0
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


@pytest.fixture(scope="module")
def alerts(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return replay(recording(tmp_path_factory.mktemp("radar")))


def test_a_vessel_without_ais_inside_the_jurisdiction_is_radar_only(alerts: list[dict]) -> None:
    found = [a for a in alerts if a["rule"] == Rule.RADAR_ONLY]
    assert len(found) == 1, found  # not the one outside, not the tow, not clutter
    a = found[0]
    assert a["mmsi"] is None and a["track"]["radar"] == "vts-weitou"
    assert isinstance(a["track"]["target"], int)
    assert a["cell"] is not None and a["office"] == "jinjiang"
    # 3 min unaccounted (from its first plot at T0), confirmed after 1 min of tracking
    assert 180.0 <= unix(a["raised_at"]) - T0 <= 240.0
    assert abs(a["lat"] - 24.565) < 0.01 and abs(a["lon"] - 118.565) < 0.01


def test_a_gps_fault_beyond_500_m_is_a_position_mismatch(alerts: list[dict]) -> None:
    found = [a for a in alerts if a["rule"] == Rule.POSITION_MISMATCH]
    assert [a["mmsi"] for a in found] == [FAULTY]  # not OK, not the 250 m fault
    a = found[0]
    assert a["track"]["radar"] == "vts-weitou" and a["details"]["distance_m"] > 500
    # the offset passes 500 m at T0+248 s; held for 60 s
    assert 300.0 <= unix(a["raised_at"]) - T0 <= 360.0
    assert a["office"] == "jinjiang" and a["cell"] is not None


def test_clutter_does_not_flood(tmp_path: Path) -> None:
    """A clutter track every scan (ten times the default): still only the real ones."""
    heavy = replay(recording(tmp_path, clutter=1.0))
    radar = [a["rule"] for a in heavy if a["rule"] in RADAR_RULES]
    assert sorted(radar) == [Rule.POSITION_MISMATCH.value, Rule.RADAR_ONLY.value]


def test_without_radar_lines_nothing_changes(tmp_path: Path) -> None:
    path = recording(tmp_path)
    ais_only = tmp_path / "ais.nmea"
    ais_only.write_text(
        "".join(line for line in path.read_text().splitlines(True) if "$RAT" not in line)
    )
    assert [a for a in replay(ais_only) if a["rule"] in RADAR_RULES] == []


def unix(iso: str) -> float:
    from services.alerts.model import unix_seconds

    value = unix_seconds(iso)
    assert value is not None
    return value
