"""Zone rules end to end: NMEA recordings -> `seagrid replay` -> --alerts-out.

Map of the test configuration (config/): jurisdiction lon 118.00-118.20, lat 24.00-24.10,
cells W-1 (west office, lon < 118.10) and E-1 (east office); zones:
rs-1 restricted 118.020-118.030 x 24.070-24.080; ww-active waterworks (2026) and ww-done
(2024) at 118.040-050 and 118.060-070, same latitudes; sl-1 speed limit 10 kn 118.12-118.18 x
24.06-24.09; na-1 no anchoring 118.12-118.14 x 24.01-24.03; an-1 anchorage 118.15-118.18 x
24.01-24.04; smb-1 sand-mining ban 118.02-118.06 x 24.01-24.04.
"""

from __future__ import annotations

from pathlib import Path

from services.alerts.model import unix_seconds
from tests.alerts.scenarios.nmea import KN, M_PER_DEG, T0, Leg, of_rule, replay, report, write

A, B, C, D = 412000001, 412000002, 412000003, 412000004


def raised_after(alert: dict, seconds: float, tolerance: float) -> None:
    raised = unix_seconds(alert["raised_at"])
    assert raised is not None
    assert abs(raised - (T0 + seconds)) <= tolerance, (alert["raised_at"], seconds)


def test_zone_entry(tmp_path: Path) -> None:
    north = {"course": 0.0, "speed": 8.0, "duration": 1200.0}
    rec = write(
        tmp_path / "zone_entry.nmea",
        Leg(A, 24.050, 118.025, **north).lines(),  # through rs-1: raise
        Leg(B, 24.050, 118.038, **north).lines(),  # 800 m east of rs-1: no
        Leg(C, 24.050, 118.045, **north).lines(),  # through the active works: raise
        Leg(D, 24.050, 118.065, **north).lines(),  # through the finished works: no
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "zone_entry")
    assert sorted(found) == [A, C]
    (a,) = found[A]
    assert (a["zone"], a["cell"], a["office"], a["severity"]) == ("rs-1", "W-1", "west", "warning")
    entry_s = 0.020 * M_PER_DEG / (8.0 * KN)  # 2.2 km to the zone's south edge
    raised_after(a, entry_s, 10.0)
    assert 24.070 <= a["lat"] <= 24.081  # in the zone (at its last update)
    # it left (north edge 24.080, + 50 m margin) and stayed out: cleared
    assert a["cleared_at"] is not None
    assert found[C][0]["zone"] == "ww-active"


def test_zone_entry_flicker_on_the_boundary_is_one_alert(tmp_path: Path) -> None:
    lines = []
    for k in range(90):  # 15 minutes yawing 20 m in / 20 m out of the south edge
        dlat = (20.0 if k % 2 else -20.0) / M_PER_DEG
        lines += report(A, T0 + 10.0 * k, 24.070 + dlat, 118.025, 0.8, 0.0)
    alerts, _ = replay(write(tmp_path / "flicker.nmea", lines), tmp_path)
    (alert,) = of_rule(alerts, "zone_entry")[A]
    assert alert["cleared_at"] is None and alert["status"] == "open"


def test_predicted_entry(tmp_path: Path) -> None:
    rec = write(
        tmp_path / "predicted.nmea",
        # 3.3 km south of rs-1 heading for it at 10 kn: in after ~11 min
        Leg(A, 24.040, 118.025, course=0.0, speed=10.0, duration=800.0).lines(),
        # same distance, heading away from it
        Leg(B, 24.040, 118.035, course=180.0, speed=10.0, duration=420.0).lines(),
        # heading for it but 1.5 kn: below the speed a COG means anything
        Leg(C, 24.065, 118.028, course=0.0, speed=1.5, duration=420.0).lines(),
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "predicted_entry")
    assert sorted(found) == [A]
    (a,) = found[A]
    assert (a["zone"], a["office"], a["severity"]) == ("rs-1", "west", "info")
    raised = unix_seconds(a["raised_at"])
    entered = of_rule(alerts, "zone_entry")[A][0]
    assert raised is not None and raised < unix_seconds(entered["raised_at"]) - 60  # ahead


def test_speeding(tmp_path: Path) -> None:
    east = {"course": 90.0, "duration": 600.0}
    rec = write(
        tmp_path / "speeding.nmea",
        Leg(A, 24.075, 118.125, speed=14.0, **east).lines(),  # 14 kn in a 10 kn zone
        Leg(B, 24.068, 118.125, speed=10.8, **east).lines(),  # within the 1 kn tolerance
        Leg(C, 24.050, 118.125, speed=14.0, **east).lines(),  # fast, but south of the zone
        # a 40 s burst above the limit only (under the 60 s minimum)
        Leg(D, 24.083, 118.125, speed=14.0, course=90.0, duration=40.0).lines()
        + Leg(D, 24.083, 118.1355, speed=8.0, course=90.0, duration=500.0, start=50.0).lines(),
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "speeding")
    assert sorted(found) == [A]
    (a,) = found[A]
    assert (a["zone"], a["cell"], a["office"]) == ("sl-1", "E-1", "east")
    raised_after(a, 60.0, 15.0)


def test_anchoring_prohibited(tmp_path: Path) -> None:
    rec = write(
        tmp_path / "anchoring.nmea",
        # at anchor inside the no-anchoring zone for 20 minutes (reports every 3 min)
        Leg(A, 24.020, 118.130, status=1, duration=1200.0, every=180.0).lines(),
        # at anchor 20 minutes, outside the zone
        Leg(B, 24.020, 118.110, status=1, duration=1200.0, every=180.0).lines(),
        # stopped inside it for 5 minutes only, then away
        Leg(C, 24.015, 118.125, speed=0.2, duration=300.0).lines()
        + Leg(C, 24.015, 118.125, course=180.0, speed=8.0, duration=300, start=310.0).lines(),
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "anchoring_prohibited")
    assert sorted(found) == [A]
    (a,) = found[A]
    assert (a["zone"], a["office"]) == ("na-1", "east")
    raised_after(a, 600.0, 180.0)


def test_anchor_drag(tmp_path: Path) -> None:
    def drag(mmsi: int, lat: float, lon: float, metres: float) -> list:
        """At anchor 15 min, then drifting north `metres` over 15 min, still 'at anchor'."""
        still = Leg(mmsi, lat, lon, status=1, duration=900.0, every=60.0).lines()
        speed = metres / 900.0 / KN
        moving = Leg(mmsi, lat, lon, 0.0, speed, 900.0, 60.0, start=960.0, status=1)
        return still + moving.lines()

    rec = write(
        tmp_path / "drag.nmea",
        drag(A, 24.015, 118.160, 800.0),  # drags 800 m: raise
        drag(B, 24.015, 118.170, 150.0),  # swings 150 m: within the radius
        drag(C, 24.050, 118.160, 800.0),  # same drift, not in an anchorage
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "anchor_drag")
    assert sorted(found) == [A]
    (a,) = found[A]
    assert (a["zone"], a["office"]) == ("an-1", "east")


def test_loitering(tmp_path: Path) -> None:
    def wander(mmsi: int, lat: float, lon: float, speed: float, minutes: int) -> list:
        """Slow zig-zag: two minutes each way, for `minutes`."""
        lines: list = []
        for leg in range(minutes // 2):
            course = 45.0 if leg % 2 == 0 else 135.0
            start = Leg(mmsi, lat, lon, course, speed, 110.0, 10.0, start=leg * 120.0)
            lines += start.lines()
            lat, lon = start.end
        return lines

    rec = write(
        tmp_path / "loiter.nmea",
        wander(A, 24.020, 118.025, 1.5, 40),  # 40 min slow inside the ban: raise
        wander(B, 24.020, 118.070, 1.5, 40),  # the same outside it (and outside smb-1)
        wander(C, 24.030, 118.040, 1.5, 20),  # 20 min only
    )
    alerts, _ = replay(rec, tmp_path)
    found = of_rule(alerts, "loitering")
    assert sorted(found) == [A]
    (a,) = found[A]
    assert (a["zone"], a["office"]) == ("smb-1", "west")
    raised_after(a, 1800.0, 120.0)
