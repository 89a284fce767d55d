"""Scripted situations: fixed identities, one per rule, only in the demo waters."""

from __future__ import annotations

import dataclasses

from services.alerts.model import Rule
from services.sim import scenarios
from services.sim.geo import distance_nm
from services.sim.scenario import demo_scenario
from services.sim.scenarios import scripted
from tests.sim.conftest import START


def test_one_situation_per_rule_each_with_its_own_story(world):
    script = scripted(world, 1, START, START + 3600)
    # the information centre's rules need live data (a suspended vessel, typhoon mode, a
    # neighbour's notice) that a recording cannot carry: tests/infocentre covers them
    live_data = {Rule.SUSPENDED_MOVING, Rule.TYPHOON_SHELTER, Rule.NEIGHBOUR_NOTICE}
    assert sorted(s.rule for s in script.situations) == sorted(
        [r.value for r in Rule if r not in live_data]
        + [Rule.ZONE_ENTRY.value]  # restricted ring and active works
    )
    stories = {p.story for p in script.plans}
    radar = (Rule.RADAR_ONLY, Rule.POSITION_MISMATCH)  # a vessel without AIS, a GPS fault
    assert all(s.story in stories for s in script.situations if s.rule not in radar)
    assert script.dark and [f.mmsi for f in script.faults] == [scenarios.DREDGER]
    # the same vessels whatever the seed, so the documentation can name them
    other = scripted(world, 2, START, START + 3600)
    assert [p.identity.mmsi for p in other.plans] == [p.identity.mmsi for p in script.plans]


def test_the_clone_shares_its_identity_and_the_sart_is_a_sart(world):
    plans = scripted(world, 1, START, START + 3600).plans
    clones = [p for p in plans if p.identity.mmsi == scenarios.CLONED]
    assert len(clones) == 2 and clones[0].identity == clones[1].identity
    assert clones[0].track.state_at(START) is not None
    assert clones[1].track.state_at(START) is None  # switches on a minute later
    sart = next(p for p in plans if p.identity.mmsi == scenarios.SART)
    assert str(sart.identity.mmsi).startswith("970") and sart.identity.kind == "sart"


def test_no_situations_outside_the_demo_waters(world):
    bare = dataclasses.replace(world, zones={})
    script = scripted(bare, 1, START, START + 3600)
    assert script.plans == [] and script.situations == []


def test_a_loop_scenario_ends_where_it_starts(world):
    """`--loop`: every vessel there in the first and in the last second is in one place
    (no jump at the demo's seam), and none is in two places at once."""
    start, span = 1772409600.0, 7200.0
    scenario = demo_scenario(world, 1, start, span, loop=True)
    both = 0
    for plan in scenario.plans:
        assert (plan.track.start, plan.track.end) == (start, start + span)
        first, last = plan.track.state_at(start + 1.0), plan.track.state_at(start + span - 1.0)
        if first is not None and last is not None:
            both += 1
            assert distance_nm((first.lon, first.lat), (last.lon, last.lat)) < 0.05, plan.story
    assert both > 100  # the anchored, moored, patrolling and fishing: most of the traffic
    for track in scenario.dark:
        a, b = track.state_at(start + 1.0), track.state_at(start + span - 1.0)
        assert a and b and distance_nm((a.lon, a.lat), (b.lon, b.lat)) < 0.05
