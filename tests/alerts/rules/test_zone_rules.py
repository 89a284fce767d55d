"""Tables of cases for zone_entry, predicted_entry and speeding."""

from __future__ import annotations

import pytest

from services.alerts.geo import KNOT_MS
from tests.alerts.rules.world import T0, engine, of, pos, run, steer

SHIP = 413000001


# --- zone_entry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone_lon", "zone_lat", "zone", "expected"),
    [
        (118.71, 24.69, "R", True),  # restricted: always
        (118.61, 24.59, "WW", True),  # waterworks inside its active period
        (118.61, 24.79, "WO", False),  # waterworks whose period ended in 2025
    ],
)
def test_zone_entry_by_kind(zone_lon: float, zone_lat: float, zone: str, expected: bool) -> None:
    # from 1.1 km south of the zone, northbound at 10 kn through it
    obs = run(engine(), steer(SHIP, T0, zone_lat - 0.0, zone_lon, 0.0, 10.0, 60))
    raised = of(obs, "zone_entry")
    assert bool(raised) is expected
    if expected:
        first = raised[0]
        assert (first.mmsi, first.zone) == (SHIP, zone)
        assert first.lat >= zone_lat + 0.01  # first report inside, not before
        assert first.lat < zone_lat + 0.01 + 0.001


def test_zone_entry_just_outside_is_silent() -> None:
    # along the restricted zone's west edge, 100 m outside it
    lon = 118.70 - 100 / (111120 * 0.9085)
    obs = run(engine(), steer(SHIP, T0, 24.69, lon, 0.0, 10.0, 60))
    assert not of(obs, "zone_entry")


def test_zone_entry_yawing_on_the_boundary_ends_once() -> None:
    """In, then 20 m out and back (hysteresis holds), then 200 m out: one 'ended'."""
    eng = engine()
    inside = pos(SHIP, T0, 24.701, 118.7005, 3.0, 270.0)
    out20 = pos(SHIP, T0 + 10, 24.701, 118.70 - 20 / 101000, 3.0, 270.0)
    back = pos(SHIP, T0 + 20, 24.701, 118.7003, 3.0, 90.0)
    out200 = pos(SHIP, T0 + 30, 24.701, 118.70 - 200 / 101000, 3.0, 270.0)
    out300 = pos(SHIP, T0 + 40, 24.701, 118.70 - 300 / 101000, 3.0, 270.0)
    obs = run(eng, [inside, out20, back, out200, out300])
    assert [o.ts for o in of(obs, "zone_entry")] == [T0, T0 + 20]
    assert [o.ts for o in of(obs, "zone_entry", active=False)] == [T0 + 30]


def test_zone_entry_routes_by_cell() -> None:
    obs = run(engine(), [pos(SHIP, T0, 24.705, 118.705)])
    (alert,) = of(obs, "zone_entry")
    assert alert.cell == "NE"


# --- predicted_entry -------------------------------------------------------------------


def test_predicted_entry_before_the_vessel_gets_there() -> None:
    # 2 km south of R, northbound at 12 kn: 2000 m / 6.17 m/s = 324 s to the boundary
    start_lat = 24.70 - 2000 / 111120
    obs = run(engine(), steer(SHIP, T0, start_lat, 118.71, 0.0, 12.0, 50))
    predicted = of(obs, "predicted_entry")
    assert predicted and predicted[0].ts == T0 and predicted[0].zone == "R"
    assert predicted[0].details["eta_s"] == pytest.approx(2000 / (12 * KNOT_MS), rel=0.02)
    entered = of(obs, "zone_entry")[0].ts
    assert all(p.ts < entered for p in predicted)
    # once inside, the prediction has done its job and ends
    assert [o.ts for o in of(obs, "predicted_entry", active=False)] == [entered]


@pytest.mark.parametrize(
    ("course", "speed", "distance_m"),
    [
        (180.0, 12.0, 2000.0),  # heading away
        (0.0, 1.5, 500.0),  # too slow for its course to mean anything
        (0.0, 12.0, 4500.0),  # 12 kn x 10 min = 3.7 km: beyond the horizon
        (90.0, 12.0, 2000.0),  # passing east, parallel to the zone
    ],
)
def test_predicted_entry_negative(course: float, speed: float, distance_m: float) -> None:
    start_lat = 24.70 - distance_m / 111120
    obs = run(engine(), [pos(SHIP, T0, start_lat, 118.71, speed, course)])
    assert not of(obs, "predicted_entry")


def test_predicted_entry_ignores_a_waterworks_zone_closed_at_arrival() -> None:
    obs = run(engine(), [pos(SHIP, T0, 24.80 - 1000 / 111120, 118.61, 12.0, 0.0)])
    assert not of(obs, "predicted_entry")


# --- speeding ---------------------------------------------------------------------------


def test_speeding_after_the_minimum_time() -> None:
    # inside S (limit 10 kn) at 12 kn, eastbound, from its west side
    obs = run(engine(), steer(SHIP, T0, 24.625, 118.751, 90.0, 12.0, 20))
    raised = of(obs, "speeding")
    assert raised and raised[0].ts == T0 + 60 and raised[0].zone == "S"
    assert raised[0].details["limit_kn"] == 10.0


@pytest.mark.parametrize(
    ("speed", "n", "lat", "lon"),
    [
        (10.9, 20, 24.625, 118.751),  # within the 1 kn tolerance
        (12.0, 5, 24.625, 118.751),  # 40 s above the limit: a spike, not an offence
        (12.0, 20, 24.680, 118.751),  # 12 kn outside the zone
    ],
)
def test_speeding_negative(speed: float, n: int, lat: float, lon: float) -> None:
    assert not of(run(engine(), steer(SHIP, T0, lat, lon, 90.0, speed, n)), "speeding")


def test_speeding_zone_override_of_tolerance() -> None:
    """Zone S6 (6 kn) sets speeding_tolerance_kn = 0.5: 6.7 kn is speeding there."""
    obs = run(engine(), steer(SHIP, T0, 24.545, 118.751, 90.0, 6.7, 12))
    assert [o.zone for o in of(obs, "speeding")][:1] == ["S6"]


def test_speeding_hysteresis_ends_only_at_the_limit() -> None:
    eng = engine()
    fast = steer(SHIP, T0, 24.625, 118.751, 90.0, 12.0, 8)
    hover = [pos(SHIP, T0 + 80 + 10 * k, 24.625, 118.765, 10.5, 90.0) for k in range(5)]
    slow = [pos(SHIP, T0 + 130, 24.625, 118.766, 9.5, 90.0)]
    obs = run(eng, fast + hover + slow)
    assert of(obs, "speeding")  # raised during the fast run
    assert [o.ts for o in of(obs, "speeding", active=False)] == [T0 + 130]


def test_one_batch_gives_the_same_observations_as_one_by_one() -> None:
    """The stage hands over batches: the result must not depend on how they are cut."""
    positions = sorted(
        steer(SHIP, T0, 24.70 - 2000 / 111120, 118.71, 0.0, 12.0, 50)
        + steer(SHIP + 1, T0 + 5, 24.625, 118.751, 90.0, 12.0, 20)
        + [pos(SHIP + 2, T0 + 7, 24.62, 118.62, 0.0)],
        key=lambda p: p.ts,
    )
    single = run(engine(), positions, tick=False)
    accepted, batched = engine().observe(positions)
    assert batched == single and accepted == positions
