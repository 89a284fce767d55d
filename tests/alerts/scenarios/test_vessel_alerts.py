"""Vessel rules end to end (ais_gap, close_quarters, position_jump, watchlist, distress).

The test configuration is described in test_zone_alerts.py.
"""

from __future__ import annotations

from pathlib import Path

from services.alerts.model import unix_seconds
from tests.alerts.scenarios.nmea import (
    T0,
    Leg,
    of_rule,
    replay,
    report,
    safety,
    static,
    write,
)

A, B, C, D = 412000001, 412000002, 412000003, 412000004
G, H = 412000007, 412000008
WATCHED = 412000099


def ts(alert: dict, key: str = "raised_at") -> float:
    value = unix_seconds(alert[key])
    assert value is not None
    return value - T0


def test_ais_gap(tmp_path: Path) -> None:
    def silent(mmsi: int, lat: float, lon: float, reports: int, gap: float, course: float = 0.0):
        """`reports` reports at 3 kn every 10 s, silence for `gap` s, then reporting again
        until the same end time for all (so nobody falls silent at the end)."""
        before = Leg(mmsi, lat, lon, course, 3.0, (reports - 1) * 10.0)
        resume = (reports - 1) * 10.0 + gap
        after = Leg(mmsi, *before.end, course, 3.0, 2000.0 - resume, start=resume)
        return before.lines() + after.lines()

    rec = write(
        tmp_path / "gap.nmea",
        silent(A, 24.045, 118.050, 60, 1200.0),  # well covered, silent 20 min: raise
        silent(B, 24.045, 118.150, 10, 1200.0),  # too few reports there: coverage unknown
        silent(C, 24.005, 118.030, 60, 1200.0, course=90.0),  # 550 m from the edge
        silent(D, 24.045, 118.075, 60, 480.0),  # silent 8 min only
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "ais_gap")
    assert sorted(found) == [A]
    (a,) = found[A]
    last_report = 590.0
    assert 600.0 <= ts(a) - last_report <= 610.0  # threshold 10 min, 10 s clock ticks
    assert (a["cell"], a["office"]) == ("W-1", "west")
    assert ts(a, "cleared_at") == last_report + 1200.0  # it reported again
    assert abs(a["lat"] - 24.0532) < 0.0005  # where it was last heard


def test_close_quarters(tmp_path: Path) -> None:
    rec = write(
        tmp_path / "cq.nmea",
        # head-on, 200 m apart laterally, 6 km apart at 10 kn each: raise
        Leg(A, 24.050, 118.070, 90.0, 10.0, 900.0).lines(),
        Leg(B, 24.0518, 118.130, 270.0, 10.0, 900.0).lines(),
        # same course and speed 1.5 km apart: never closer
        Leg(C, 24.020, 118.140, 90.0, 10.0, 900.0).lines(),
        Leg(D, 24.0335, 118.140, 90.0, 10.0, 900.0).lines(),
        # moored 100 m apart
        Leg(G, 24.090, 118.050, status=5, duration=900.0, every=60.0).lines(),
        Leg(H, 24.0909, 118.050, status=5, duration=900.0, every=60.0).lines(),
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "close_quarters")
    assert sorted(found) == [A]
    (a,) = found[A]
    assert a["other_mmsi"] == B and (a["cell"], a["office"]) == ("W-1", "west")
    assert a["details"]["cpa_nm"] < 0.2
    assert ts(a) <= 120.0  # TCPA under 10 min from the start: first passes after 30 s
    assert a["cleared_at"] is not None  # they passed and opened out


def test_position_jump_rejected_and_triggers_nothing_else(tmp_path: Path) -> None:
    track = Leg(A, 24.050, 118.025, 0.0, 8.0, 300.0).lines()
    # one report 10 s later but 2.8 km away, inside the restricted zone
    jump = report(A, T0 + 305.0, 24.075, 118.025, 8.0, 0.0)
    rec = write(
        tmp_path / "jump.nmea",
        track,
        jump,
        Leg(B, 24.030, 118.100, 90.0, 40.0, 300.0, every=2.0).lines(),  # 40 kn craft
        # GPS scatter: 30 m apart in one second
        report(C, T0, 24.060, 118.150, 0.1) + report(C, T0 + 1.0, 24.06027, 118.150, 0.1),
    )
    alerts, positions = replay(rec, tmp_path, positions=True)
    found = of_rule(alerts, "position_jump")
    assert sorted(found) == [A]
    (a,) = found[A]
    assert a["lat"] < 24.062 and a["details"]["implied_speed_kn"] > 500  # last accepted
    assert of_rule(alerts, "zone_entry") == {}  # the impossible position moved nothing
    assert not [p for p in positions if p["mmsi"] == A and p["lat"] > 24.07]
    assert len([p for p in positions if p["mmsi"] == A]) == 31


def test_watchlist(tmp_path: Path) -> None:
    north = {"course": 0.0, "speed": 10.0, "duration": 600.0}
    rec = write(
        tmp_path / "watch.nmea",
        Leg(WATCHED, 23.980, 118.050, **north).lines(),  # enters the jurisdiction
        Leg(A, 23.980, 118.080, **north).lines(),  # same, not watched
        Leg(WATCHED + 1, 23.900, 118.050, **north).lines(),  # not watched, stays out
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "watchlist")
    assert sorted(found) == [WATCHED]
    (a,) = found[WATCHED]
    assert (a["cell"], a["office"], a["severity"]) == ("W-1", "west", "info")
    assert a["details"]["reason"] == "test: watched vessel"
    entry = 0.020 * 60 * 1852.0 / (10.0 * 1852.0 / 3600.0)
    assert entry <= ts(a) <= entry + 10.0


def test_watchlist_outside_only_never_raises(tmp_path: Path) -> None:
    rec = write(tmp_path / "watch_out.nmea", Leg(WATCHED, 23.90, 118.05, 90.0, 10.0).lines())
    alerts, _ = replay(rec, tmp_path)
    assert of_rule(alerts, "watchlist") == {}


def test_distress(tmp_path: Path) -> None:
    sart, sart_test = 970012345, 970012346
    rec = write(
        tmp_path / "distress.nmea",
        Leg(sart, 24.050, 118.150, status=14, duration=300.0, every=60.0).lines(),
        Leg(sart_test, 24.030, 118.050, status=15, duration=300.0, every=60.0).lines(),
        Leg(B, 24.080, 118.050, 90.0, 5.0, 300.0).lines() + static(B, T0 + 5.0),
        safety(B, T0 + 200.0, "MAYDAY ENGINE FIRE"),
        Leg(C, 24.060, 118.080, 90.0, 5.0, 300.0).lines(),
        safety(C, T0 + 200.0, "MOB TEST"),
        safety(C, T0 + 210.0, "FOG IN THE BAY"),
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "distress")
    assert sorted(found) == [B, sart]
    (beacon,) = found[sart]
    assert (beacon["cell"], beacon["office"], beacon["severity"]) == ("E-1", "east", "critical")
    assert ts(beacon) == 0.0
    (mayday,) = found[B]
    assert mayday["severity"] == "critical" and mayday["office"] == "west"
    assert mayday["details"]["text"] == "MAYDAY ENGINE FIRE" and ts(mayday) == 200.0
    assert abs(mayday["lon"] - 118.0551) < 0.0005  # where B was at 200 s
