"""Kinematic tracks: interpolation, holds, silences and speed rules."""

from __future__ import annotations

import pytest

from services.sim.behaviour import speed_rule
from services.sim.geo import distance_nm
from services.sim.track import AT_ANCHOR, Track, TrackBuilder, fold, tail


def test_position_is_interpolated_along_a_leg():
    a, b = (118.80, 24.80), (118.80, 24.90)  # 6 nm due north
    track = TrackBuilder(0.0, a).sail([b], lambda *_: 12.0).build()
    assert track.end == pytest.approx(1800.0)
    mid = track.state_at(900.0)
    assert mid.lat == pytest.approx(24.85) and mid.lon == pytest.approx(118.80)
    assert mid.sog == 12.0 and mid.cog == 0.0
    assert track.state_at(-1.0) is None and track.state_at(1800.0) is None


def test_hold_and_silence():
    track = TrackBuilder(0.0, (118.8, 24.8)).hold(600, AT_ANCHOR, heading=45.0).silence(300).build()
    held = track.state_at(599.0)
    assert (held.sog, held.status, held.cog) == (0.0, AT_ANCHOR, 45.0)
    assert track.state_at(700.0) is None  # silent, but the track goes on
    assert track.leg_at(700.0) is not None


def test_an_empty_track_is_refused():
    with pytest.raises(ValueError, match="at least one leg"):
        Track([])


def test_speed_rule_obeys_limits_and_slows_near_the_berth(world):
    rule = speed_rule(world, 13.0, slow_start=False, slow_end=True)
    open_sea = (119.20, 24.90)
    in_quanzhou_channel = (118.74, 24.842)  # sl-quanzhou-bay, 10 kn
    assert rule(open_sea, 5.0, 10.0) == 13.0
    assert rule(in_quanzhou_channel, 5.0, 10.0) == 9.0
    assert rule(open_sea, 5.0, 0.05) < 5.0
    leaving = speed_rule(world, 13.0, slow_start=True, slow_end=False)
    assert leaving(open_sea, 0.05, 10.0) < 5.0 and leaving(open_sea, 0.05, 0.05) < 5.0


def test_legs_follow_the_waypoints_without_gaps():
    coords = [(118.9, 24.8), (119.0, 24.85), (119.1, 24.85)]
    track = TrackBuilder(100.0, (118.8, 24.8)).sail(coords, lambda *_: 10.0).build()
    for prev, nxt in zip(track.legs, track.legs[1:], strict=False):
        assert prev.t1 == pytest.approx(nxt.t0) and prev.end == nxt.start
    total = sum(distance_nm(leg.start, leg.end) for leg in track.legs)
    assert track.end - track.start == pytest.approx(total / 10.0 * 3600)


def test_fold_wraps_a_transit_past_the_end_onto_the_beginning():
    """A loopable recording: what runs past the window's end is written at its beginning."""
    a, b = (118.80, 24.80), (118.80, 24.90)  # 6 nm north at 12 kn: 1800 s
    track = TrackBuilder(3000.0, a).sail([b], lambda *_: 12.0).build()
    folded = fold(track, 0.0, 3600.0)
    assert (folded.start, folded.end) == (0.0, 3600.0)
    tail_state, head_state = folded.state_at(1199.0), folded.state_at(3000.0)
    assert tail_state.lat == pytest.approx(track.state_at(4799.0).lat)  # the wrapped tail
    assert head_state.lat == pytest.approx(24.80)
    gap = folded.leg_at(2000.0)  # not there at all: absent, which radar does not see either
    assert gap.absent and gap.silent and folded.state_at(2000.0) is None


def test_fold_keeps_the_last_period_of_a_longer_track_and_tail_trims_the_start():
    track = TrackBuilder(-600.0, (118.8, 24.8)).hold(4200.0, AT_ANCHOR).build()
    folded = fold(track, 0.0, 3600.0)
    assert [(leg.t0, leg.t1) for leg in folded.legs] == [(0.0, 3600.0)]
    transit = TrackBuilder(0.0, (118.80, 24.80)).sail([(118.80, 24.90)], lambda *_: 12.0).build()
    seen = tail(transit, 600.0)
    assert seen.start == pytest.approx(1200.0) and seen.legs[0].start[1] == pytest.approx(
        24.80 + 0.1 * 2 / 3
    )
