"""Tables of cases for position_jump, watchlist and distress."""

from __future__ import annotations

import pytest

from tests.alerts.rules.world import T0, WATCHED, engine, of, pos, run, steer

SHIP = 413000003


# --- position_jump ----------------------------------------------------------------------


def test_jump_is_rejected_does_not_move_the_track_nor_trigger_other_rules() -> None:
    eng = engine()
    before = steer(SHIP, T0, 24.60, 118.66, 0.0, 10.0, 3)
    run(eng, before)
    # 20 s later "inside the restricted zone", 12 km away: 1,200 kn
    bogus = pos(SHIP, T0 + 40, 24.71, 118.71, 10.0, 0.0)
    accepted, obs = eng.observe([bogus])
    assert accepted == []
    (jump,) = obs
    assert (jump.rule, jump.mmsi, jump.lat, jump.lon) == (
        "position_jump",
        SHIP,
        before[-1].lat,
        before[-1].lon,
    )
    assert jump.cell == "SW" and jump.details["implied_speed_kn"] > 1000
    assert eng.tracks[SHIP].lat == before[-1].lat
    assert not of(obs, "zone_entry")


def test_two_transmitters_sharing_an_mmsi() -> None:
    """Reports alternate between two places 30 km apart: the second is always rejected."""
    eng = engine()
    here = steer(SHIP, T0, 24.60, 118.60, 0.0, 10.0, 10, dt=20.0)
    there = steer(SHIP, T0 + 10, 24.85, 118.80, 90.0, 10.0, 10, dt=20.0)
    accepted = []
    for p in sorted(here + there, key=lambda q: q.ts):
        accepted += eng.observe([p])[0]
    assert accepted == here


def test_track_reanchors_when_the_first_fix_was_the_bad_one() -> None:
    eng = engine()
    bad = pos(SHIP, T0, 24.85, 118.85, 10.0, 0.0)
    good = steer(SHIP, T0 + 10, 24.60, 118.60, 0.0, 10.0, 6)
    accepted = []
    for p in [bad, *good]:
        accepted += eng.observe([p])[0]
    # two rejected, the third consistent one re-anchors, the rest follow
    assert accepted == [bad, *good[2:]]
    assert eng.tracks[SHIP].lat == good[-1].lat


@pytest.mark.parametrize(
    ("dt", "metres"),
    [
        (60.0, 1300.0),  # a 40 kn fast ferry
        (1.0, 300.0),  # GPS scatter over one second
        (-20.0, 100.0),  # a late (older) report close by: accepted, changes nothing
    ],
)
def test_plausible_moves_are_accepted(dt: float, metres: float) -> None:
    eng = engine()
    run(eng, [pos(SHIP, T0, 24.60, 118.60)])
    nxt = pos(SHIP, T0 + dt, 24.60 + metres / 111120, 118.60)
    accepted, obs = eng.observe([nxt])
    assert accepted == [nxt] and not of(obs, "position_jump")


def test_jump_ends_after_quiet_period() -> None:
    eng = engine()
    run(eng, [pos(SHIP, T0, 24.60, 118.60, 0.0)])
    run(eng, [pos(SHIP, T0 + 10, 24.80, 118.80, 0.0)])  # rejected
    later = [pos(SHIP, T0 + 60 * k, 24.60, 118.60, 0.0) for k in range(1, 13)]
    ended = of(run(eng, later), "position_jump", active=False)
    assert [o.ts for o in ended] == [T0 + 660]  # first report 10 min after the jump


# --- watchlist ------------------------------------------------------------------------------


def test_watchlist_vessel_entering_the_jurisdiction() -> None:
    obs = run(engine(), steer(WATCHED, T0, 24.49, 118.60, 0.0, 12.0, 30))
    raised = of(obs, "watchlist")
    assert raised and raised[0].details["reason"] == "test"
    assert raised[0].lat >= 24.5 and raised[0].cell == "SW"


@pytest.mark.parametrize(
    ("mmsi", "lat"),
    [(SHIP, 24.49), (WATCHED, 24.30)],  # not listed / listed but staying outside
)
def test_watchlist_negative(mmsi: int, lat: float) -> None:
    assert not of(run(engine(), steer(mmsi, T0, lat, 118.60, 0.0, 12.0, 10)), "watchlist")


# --- distress -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mmsi", "status", "raised"),
    [
        (970012345, 14, True),  # AIS-SART active
        (972012345, 0, True),  # MOB device
        (974012345, 14, True),  # EPIRB-AIS
        (SHIP, 14, True),  # status "AIS-SART active" from a ship's transponder
        (970012345, 15, False),  # SART in test mode
        (SHIP, 0, False),  # an ordinary report
    ],
)
def test_distress_from_positions(mmsi: int, status: int, raised: bool) -> None:
    obs = run(engine(), [pos(mmsi, T0, 24.62, 118.62, 0.0, 0.0, status)])
    found = of(obs, "distress")
    assert bool(found) is raised
    if raised:
        assert found[0].severity == "critical" and found[0].cell == "SW"


@pytest.mark.parametrize(
    ("text", "raised"),
    [
        ("SART ACTIVE", True),
        ("MOB ACTIVE", True),
        ("MAYDAY ENGINE FIRE", True),
        ("SART TEST", False),
        ("MOB TEST", False),
        ("GOOD MORNING", False),
    ],
)
def test_distress_from_safety_messages(text: str, raised: bool) -> None:
    eng = engine()
    run(eng, [pos(SHIP, T0, 24.62, 118.62, 0.0)])
    obs = eng.observe_message({"msg_type": 14, "text": text}, T0 + 5, SHIP)
    assert bool(obs) is raised
    if raised:
        assert (obs[0].lat, obs[0].cell, obs[0].severity) == (24.62, "SW", "critical")


def test_distress_message_from_unknown_sender_goes_to_centre() -> None:
    (obs,) = engine().observe_message({"msg_type": 12, "text": "MAYDAY"}, T0, SHIP)
    assert obs.cell is None and obs.details["position_known"] is False
