"""Separation of background traffic and the starboard side of a fairway, on real tracks."""

from __future__ import annotations

from services.sim.behaviour import keep_starboard
from services.sim.geo import bearing_deg, distance_nm, offset
from services.sim.separation import Separation
from services.sim.track import AT_ANCHOR, TrackBuilder

T0 = 1772409600.0
HERE = (118.775, 24.525)  # open water south of Shenhu, inside the demo jurisdiction


def straight(start, course: float, knots: float, t0: float = T0, status: int = 0):
    end = offset(start, course, knots * 2)  # two hours' run
    return TrackBuilder(t0, start).sail([end], lambda *_: knots, status).build()


def test_head_on_on_one_line_conflicts_and_a_wide_pass_does_not(world):
    sep = Separation(T0, T0 + 3600, world.jurisdiction)
    north = straight(offset(HERE, 180, 1.5), 0.0, 10.0)
    sep.place(sep.motion(north))
    head_on = straight(offset(HERE, 0, 1.5), 180.0, 10.0)
    assert sep.conflicts(sep.motion(head_on)) > 0
    wide = straight(offset(offset(HERE, 0, 1.5), 90, 0.8), 180.0, 10.0)
    assert sep.conflicts(sep.motion(wide)) == 0


def test_company_at_the_same_speed_and_ships_at_anchor_are_no_encounter(world):
    sep = Separation(T0, T0 + 3600, world.jurisdiction)
    sep.place(sep.motion(straight(HERE, 45.0, 3.0)))
    partner = straight(offset(HERE, 135, 0.15), 45.0, 3.0)  # pair trawlers: relative 0 kn
    assert sep.conflicts(sep.motion(partner)) == 0
    anchored = TrackBuilder(T0, offset(HERE, 45, 0.5)).hold(3600, AT_ANCHOR).build()
    assert sep.conflicts(sep.motion(anchored)) == 0


def test_outside_the_jurisdiction_nothing_counts(world):
    sep = Separation(T0, T0 + 3600, world.jurisdiction)
    far = (119.5, 24.3)  # east of the demo cells
    sep.place(sep.motion(straight(offset(far, 180, 1.5), 0.0, 10.0)))
    assert sep.conflicts(sep.motion(straight(offset(far, 0, 1.5), 180.0, 10.0))) == 0


def test_keep_starboard_shifts_right_at_sea_and_meets_the_berth(world):
    route = world.routes["qz-outer-anchorage"].coords
    shifted = keep_starboard(world, route, 0.3)
    course = bearing_deg(route[0], route[1])
    side = bearing_deg(route[0], shifted[0])
    assert abs((side - course) % 360 - 90) < 5  # to the right of the way in
    assert 0.2 <= distance_nm(route[0], shifted[0]) <= 0.31
    assert shifted[-1] == route[-1]  # no offset where the path ends
    back = keep_starboard(world, route, -0.3)
    assert distance_nm(shifted[0], back[0]) > 0.4  # the two directions pass well apart
