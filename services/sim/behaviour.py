"""How each kind of vessel moves: track recipes built from the world's routes and areas.

Every recipe returns a Track between the horizon's bounds. Seagoing ships follow fairways at
their cruise speed, slowed by posted limits and when leaving or approaching a berth; ferries
shuttle towards Kinmen and go silent beyond coverage; fishing boats wander inside their
grounds; patrol craft loop their office's beat.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import Point

from services.sim.geo import Coord, offset
from services.sim.track import AT_ANCHOR, FISHING, MOORED, SpeedRule, Track, TrackBuilder
from services.sim.world import Route, World

HARBOUR_NM = 1.5  # slow-down distance from a berth or anchorage
HARBOUR_KN = 4.0  # speed at the berth end of that distance


@dataclass(frozen=True)
class Horizon:
    """The simulated time window (Unix seconds); tracks may start before it."""

    start: float
    end: float


def speed_rule(world: World, cruise: float, slow_start: bool, slow_end: bool) -> SpeedRule:
    """Cruise speed, capped by speed-limit zones and near the harbour ends of a route."""

    def rule(p: Coord, done: float, left: float) -> float:
        v = min(cruise, world.speed_cap(p))
        for near, apply in ((done, slow_start), (left, slow_end)):
            if apply and near < HARBOUR_NM:
                v = min(v, HARBOUR_KN + (cruise - HARBOUR_KN) * near / HARBOUR_NM)
        return max(round(v * 2) / 2, 1.0)  # half-knot steps keep the track to few legs

    return rule


def _constant(knots: float) -> SpeedRule:
    return lambda _p, _done, _left: knots


def _settle_point(world: World, route: Route, rng: random.Random) -> Coord:
    """Where a ship coming in on route ends up: a free spot in its anchorage, or its berth."""
    end = route.coords[-1]
    if route.end != "anchorage":
        return end
    for area in world.anchorages.values():
        if area.contains(Point(end)):
            for _ in range(50):
                p = world.point_in(area, rng, margin=0.001)
                if world.clear_line(end, p):
                    return p
    return end


def inbound(
    world: World, route: Route, cruise: float, t_enter: float, hz: Horizon, rng: random.Random
) -> Track:
    """From the seaward end to a berth (moored) or an anchorage (at anchor) until the end."""
    settle = _settle_point(world, route, rng)
    b = TrackBuilder(t_enter, route.coords[0])
    coords = list(route.coords[1:]) + ([settle] if settle != route.coords[-1] else [])
    b.sail(coords, speed_rule(world, cruise, False, True))
    return b.hold(max(hz.end - b.t, 1.0), AT_ANCHOR if route.end == "anchorage" else MOORED).build()


def outbound(world: World, route: Route, cruise: float, t_depart: float, hz: Horizon) -> Track:
    """Moored at the berth until t_depart, then out to sea, where the track ends."""
    coords = list(reversed(route.coords))
    b = TrackBuilder(hz.start - 60.0, coords[0])
    b.hold(t_depart - b.t, MOORED)
    return b.sail(coords[1:], speed_rule(world, cruise, True, False)).build()


def transit(world: World, route: Route, cruise: float, t_enter: float, rng: random.Random) -> Track:
    """Through traffic on a lane, each ship a little to one side of the centre line."""
    side = rng.uniform(-0.4, 0.4)  # nm, perpendicular-ish: east of the line is positive
    coords = [offset(c, 90.0, side) for c in route.coords]
    if not all(world.clear_line(a, b) for a, b in zip(coords, coords[1:], strict=False)):
        coords = list(route.coords)
    b = TrackBuilder(t_enter, coords[0])
    return b.sail(coords[1:], speed_rule(world, cruise, False, False)).build()


def stationary(at: Coord, status: int, hz: Horizon, heading: float) -> Track:
    """At anchor or moored for the whole window."""
    return TrackBuilder(hz.start - 60.0, at).hold(hz.end - hz.start + 60.0, status, heading).build()


def _wander_to(world: World, ground_id: str, here: Coord, rng: random.Random) -> Coord:
    area = world.grounds[ground_id]
    for _ in range(50):
        p = offset(here, rng.uniform(0, 360), rng.uniform(0.3, 1.2))
        if area.contains(Point(p)) and world.clear_line(here, p):
            return p
    return world.point_in(area, rng)


def fishing(
    world: World,
    ground_id: str,
    hz: Horizon,
    rng: random.Random,
    from_port: Route | None = None,
    t_leave: float = 0.0,
) -> Track:
    """Trawling in slow, wandering legs inside a ground; optionally steaming out first."""
    if from_port is not None:
        b = TrackBuilder(t_leave, from_port.coords[0])
        b.sail(from_port.coords[1:], speed_rule(world, rng.uniform(7.0, 9.0), True, False))
        b.sail(
            [world.point_in(world.grounds[ground_id], rng)], speed_rule(world, 8.0, False, False)
        )
    else:
        b = TrackBuilder(hz.start - 60.0, world.point_in(world.grounds[ground_id], rng))
    while b.t < hz.end:
        knots = round(rng.uniform(2.0, 4.0), 1)
        b.sail([_wander_to(world, ground_id, b.pos, rng)], _constant(knots), FISHING)
        b.hold(rng.uniform(60, 600), FISHING)
    return b.build()


def ferry(
    world: World, route: Route, cruise: float, hz: Horizon, phase: float, rng: random.Random
) -> Track:
    """Shijing <-> Kinmen: alongside at Shijing, out towards Kinmen, silent, back again."""
    berth_first = list(reversed(route.coords))  # route runs Shijing -> Kinmen side
    b = TrackBuilder(hz.start - phase, route.coords[-1])
    rule_in = speed_rule(world, cruise, False, True)
    rule_out = speed_rule(world, cruise, True, False)
    while b.t < hz.end:
        b.sail(berth_first[1:], rule_in)
        b.hold(rng.uniform(20, 40) * 60, MOORED)
        b.sail(route.coords[1:], rule_out)
        b.silence(rng.uniform(50, 70) * 60)  # crossing to Kinmen and back, out of coverage
    return b.build()


def shuttle(world: World, route: Route, cruise: float, hz: Horizon, rng: random.Random) -> Track:
    """A tug going back and forth along its beat, alongside for a while at each end."""
    coords = list(route.coords)
    b = TrackBuilder(hz.start - rng.uniform(0, 1800), coords[0])
    while b.t < hz.end:
        b.hold(rng.uniform(5, 20) * 60, MOORED)
        b.sail(coords[1:], speed_rule(world, cruise, True, True))
        coords.reverse()
    return b.build()


def patrol(
    world: World, beat: Sequence[Coord], cruise: float, hz: Horizon, rng: random.Random
) -> Track:
    """Round and round the office's beat, starting anywhere on it."""
    loop = list(beat[:-1]) if beat[0] == beat[-1] else list(beat)
    k = rng.randrange(len(loop))
    loop = loop[k:] + loop[:k]
    b = TrackBuilder(hz.start - 60.0, loop[0])
    rule = speed_rule(world, cruise, False, False)
    while b.t < hz.end:
        b.sail(loop[1:] + loop[:1], rule)
    return b.build()
