"""Tables of cases for ais_gap (with coverage learning) and close_quarters."""

from __future__ import annotations

import pytest

from services.alerts.cpa import candidate_pairs, cpa_tcpa, naive_pairs_python, project, velocity
from services.alerts.rules.ais_gap import expected_interval_s
from tests.alerts.rules.world import T0, engine, of, pos, run, steer

A, B, C = 413000010, 413000020, 413000030


# --- ais_gap --------------------------------------------------------------------------------


def busy(lat: float, lon: float, n: int = 30, dt: float = 10.0, first: int = 413100000) -> list:
    """Traffic that teaches the coverage map: n vessels, 10 reports each, in time."""
    return [pos(first + v, T0 + dt * k, lat, lon + 0.0001 * v, 0.2, 0.0) for v in range(n) for k in range(10)]  # fmt: skip


def test_ais_gap_raised_once_silent_past_threshold_and_cleared_on_report() -> None:
    eng = engine()
    run(eng, busy(24.751, 118.801), tick=False)
    target = steer(A, T0, 24.751, 118.8012, 0.0, 0.0, 10)  # 0 kn class A: 10 s interval
    run(eng, target)
    last = target[-1].ts
    assert not of(eng.tick(last + 590), "ais_gap")
    (gap,) = [o for o in of(eng.tick(last + 601), "ais_gap") if o.mmsi == A]
    assert (gap.mmsi, gap.cell, gap.ts) == (A, "NE", last + 601)
    assert gap.lat == target[-1].lat  # at the last accepted position
    # with its last known course, speed and time, so the operator knows where to look
    last_known = {k: gap.details[k] for k in ("last_report", "last_speed", "last_course")}
    assert last_known == {"last_report": last, "last_speed": 0.0, "last_course": 0.0}
    assert not of(eng.tick(last + 1200), "ais_gap")  # raised once
    back = run(eng, [pos(A, last + 1300, target[-1].lat, target[-1].lon, 0.0, 0.0)])
    assert [o.mmsi for o in of(back, "ais_gap", active=False)] == [A]


def test_ais_gap_not_where_coverage_is_poor() -> None:
    """Here reports arrive 5 min apart though 10 s is expected: reception is patchy."""
    eng = engine()
    patchy = [pos(413100000 + v, T0 + 300 * k, 24.751, 118.801, 5.0, 0.0) for v in range(30) for k in range(10)]  # fmt: skip
    run(eng, patchy, tick=False)
    run(eng, [pos(A, T0 + 3000, 24.751, 118.8012, 0.1, 0.0)])
    assert not of(eng.tick(T0 + 6000), "ais_gap")


@pytest.mark.parametrize(
    ("lat", "lon", "course", "speed"),
    [
        (24.51, 118.801, 0.0, 0.0),  # 1.1 km from the jurisdiction's southern edge
        (24.40, 118.801, 0.0, 0.0),  # outside the jurisdiction
        (24.60, 118.801, 180.0, 12.0),  # heading out: 12 kn x 10 min = 3.7 km, 11 km out
    ],
)
def test_ais_gap_negative_at_the_edge(lat: float, lon: float, course: float, speed: float) -> None:
    eng = engine(rules={"ais_gap": {"edge_m": 1500.0}})
    run(eng, busy(lat, lon), tick=False)
    run(eng, [pos(A, T0 + 100, lat, lon + 0.0002, speed, course)])
    if course == 180.0:  # the case only makes sense where coverage is learned
        assert eng.coverage.covered(lat, lon)
    assert A not in {o.mmsi for o in of(eng.tick(T0 + 100 + 5000), "ais_gap")}


@pytest.mark.parametrize(
    ("msg_type", "speed", "status", "expected"),
    [
        (1, 0.0, 1, 180.0),  # class A at anchor
        (1, 10.0, 0, 10.0),
        (1, 18.0, 0, 6.0),
        (1, 30.0, 0, 2.0),
        (18, 1.0, 0, 180.0),  # class B slow
        (18, 10.0, 0, 30.0),
        (27, 10.0, 0, 180.0),  # long range
    ],
)
def test_expected_interval_itu_r_m1371(
    msg_type: int, speed: float, status: int, expected: float
) -> None:
    assert expected_interval_s(msg_type, speed, status) == expected


def test_ais_gap_threshold_scales_with_interval_at_anchor() -> None:
    """At anchor (3 min interval) the threshold is 5 x 180 s, not 600 s."""
    eng = engine()
    run(eng, busy(24.751, 118.801), tick=False)
    run(eng, [pos(A, T0 + 100, 24.751, 118.8012, 0.0, 0.0, status=1)])
    assert A not in {o.mmsi for o in of(eng.tick(T0 + 100 + 800), "ais_gap")}
    assert A in {o.mmsi for o in of(eng.tick(T0 + 100 + 901), "ais_gap")}


# --- close_quarters ---------------------------------------------------------------------


def crossing(b_offset_s: float = 0.0, b_status: int = 0, b_speed: float = 10.0) -> list:
    """A northbound and B westbound, meeting at (24.80, 118.75) at T0 + 300 s (+ offset)."""
    metres = 10.0 * 0.514444 * 300
    a = steer(A, T0, 24.80 - metres / 111120, 118.75, 0.0, 10.0, 40)
    b_start = 118.75 + (b_speed * 0.514444 * (300 + b_offset_s)) / 101000
    b = steer(B, T0, 24.80, b_start, 270.0, b_speed, 40, status=b_status)
    return a + b


def test_close_quarters_one_alert_per_pair() -> None:
    obs = run(engine(), crossing())
    raised = of(obs, "close_quarters")
    assert raised
    assert {(o.mmsi, o.other_mmsi) for o in raised} == {(A, B)}
    assert raised[0].details["cpa_nm"] < 0.1
    # warning while 5 min away, critical once under 200 s (a third of TCPA) and 0.125 nm
    assert raised[0].severity == "warning" and raised[0].details["tcpa_s"] > 200
    assert any(o.severity == "critical" for o in raised)
    assert of(obs, "close_quarters", active=False)  # ended once they have passed


@pytest.mark.parametrize(
    "positions",
    [
        crossing(b_offset_s=300.0),  # B crosses 5 min after A: CPA 1543 m / sqrt 2 = 0.59 nm
        crossing(b_status=1, b_speed=0.0),  # B at anchor
        # side by side, same course and speed (pair trawlers): not closing
        steer(A, T0, 24.80, 118.75, 0.0, 8.0, 30) + steer(B, T0, 24.80, 118.752, 0.0, 8.0, 30),
        # outside the jurisdiction
        [p for p in crossing() if False]
        + steer(A, T0, 24.3, 118.75, 0.0, 10.0, 40)
        + steer(B, T0, 24.3 + 0.0277, 118.75, 180.0, 10.0, 40),
    ],
)
def test_close_quarters_negative(positions: list) -> None:
    assert not of(run(engine(), positions), "close_quarters")


def test_cpa_matches_naive_loop() -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    n = 300
    lat = rng.uniform(24.6, 24.7, n)
    lon = rng.uniform(118.6, 118.7, n)
    x, y = project(lat, lon)
    vx, vy = velocity(rng.uniform(1, 20, n), rng.uniform(0, 360, n))
    i, j = candidate_pairs(x, y, vx, vy, 600.0, 926.0)
    cpa, tcpa = cpa_tcpa(x, y, vx, vy, i, j)
    hit = (cpa <= 926.0) & (tcpa >= 0) & (tcpa <= 600.0)
    fast = sorted(zip(i[hit].tolist(), j[hit].tolist(), strict=True))
    slow = naive_pairs_python(x.tolist(), y.tolist(), vx.tolist(), vy.tolist(), 600.0, 926.0)
    assert fast == sorted((a, b) for a, b, _, _ in slow)
    assert len(fast) > 10


def test_tracks_of_vessels_long_gone_are_forgotten() -> None:
    eng = engine()
    run(eng, [pos(A, T0, 24.55, 118.55, 10.0), pos(B, T0, 24.56, 118.55, 0.0, status=1)])
    eng.tick(T0 + 1)
    run(eng, [pos(B, T0 + 3 * 3600, 24.56, 118.55, 0.0, status=1)])
    eng.tick(T0 + 7 * 3600)
    assert A not in eng.tracks and B in eng.tracks  # B: silent 4 h only
