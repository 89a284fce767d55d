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
from shapely.geometry.base import BaseGeometry

from services.sim.geo import Coord, bearing_deg, distance_nm, offset
from services.sim.track import (
    AT_ANCHOR,
    FISHING,
    MOORED,
    UNDER_WAY,
    SpeedRule,
    Track,
    TrackBuilder,
)
from services.sim.world import Route, World

HARBOUR_NM = 1.5  # slow-down distance from a berth or anchorage
HARBOUR_KN = 4.0  # speed at the berth end of that distance
# COLREG rule 9: keep to the starboard side of a fairway. Two ships meeting on one path
# pass port to port about twice this apart where the water allows (tapering to the berth).
STARBOARD_NM = (0.25, 0.4)
TOW_AXIS = {"ground-east": 40.0, "ground-south": 70.0}  # trawls run along the contours


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


def keep_starboard(world: World, coords: Sequence[Coord], side_nm: float) -> list[Coord]:
    """The path shifted side_nm to the right of the direction of travel, full at sea and
    tapering to nothing over the last HARBOUR_NM before its end (a berth or an anchorage).

    Falls back to the centre line where the shifted path would cross land.
    """
    left = [0.0] * len(coords)
    for i in range(len(coords) - 2, -1, -1):
        left[i] = left[i + 1] + distance_nm(coords[i], coords[i + 1])
    for side in (side_nm, side_nm * 2 / 3, side_nm / 3):  # as far over as the water allows
        out = []
        for i, c in enumerate(coords):
            a, b = coords[max(i - 1, 0)], coords[min(i + 1, len(coords) - 1)]
            course = bearing_deg(a, b)
            out.append(offset(c, course + 90.0, side * min(1.0, left[i] / HARBOUR_NM)))
        on_water = all(world.clear_line(a, b) for a, b in zip(out, out[1:], strict=False))
        if on_water and world.clear_of_zones(out):
            return out
    return list(coords)


def inbound(
    world: World, route: Route, cruise: float, t_enter: float, hz: Horizon, rng: random.Random
) -> Track:
    """From the seaward end to a berth (moored) or an anchorage (at anchor) until the end."""
    settle = _settle_point(world, route, rng)
    path = keep_starboard(world, route.coords, rng.uniform(*STARBOARD_NM))
    b = TrackBuilder(t_enter, path[0])
    coords = list(path[1:]) + ([settle] if settle != route.coords[-1] else [])
    b.sail(coords, speed_rule(world, cruise, False, True))
    return b.hold(max(hz.end - b.t, 1.0), AT_ANCHOR if route.end == "anchorage" else MOORED).build()


def outbound(
    world: World, route: Route, cruise: float, t_depart: float, hz: Horizon, rng: random.Random
) -> Track:
    """Moored at the berth until t_depart, then out to sea, where the track ends."""
    path = keep_starboard(world, route.coords, -rng.uniform(*STARBOARD_NM))  # port, inbound
    coords = list(reversed(path))
    b = TrackBuilder(hz.start - 60.0, coords[0])
    b.hold(t_depart - b.t, MOORED)
    return b.sail(coords[1:], speed_rule(world, cruise, True, False)).build()


def transit(world: World, route: Route, cruise: float, t_enter: float, rng: random.Random) -> Track:
    """Through traffic on a lane, each ship a little to one side of the centre line."""
    side = rng.uniform(-0.2, 0.2)  # nm, perpendicular-ish: east of the line is positive
    coords = [offset(c, 90.0, side) for c in route.coords]
    clear = all(world.clear_line(a, b) for a, b in zip(coords, coords[1:], strict=False))
    if not clear or not world.clear_of_zones(coords):
        coords = list(route.coords)
    b = TrackBuilder(t_enter, coords[0])
    return b.sail(coords[1:], speed_rule(world, cruise, False, False)).build()


def stationary(at: Coord, status: int, hz: Horizon, heading: float) -> Track:
    """At anchor or moored for the whole window."""
    return TrackBuilder(hz.start - 60.0, at).hold(hz.end - hz.start + 60.0, status, heading).build()


def _tow_to(world: World, ground_id: str, here: Coord, k: int, rng: random.Random) -> Coord:
    """The end of the next tow: along the ground's axis, turning back at each end.

    Trawlers tow along the depth contours and turn round at the end of a run, so a fleet's
    boats move in parallel, not across each other (a random walk would have them meet).
    """
    area = world.grounds[ground_id]
    axis = TOW_AXIS.get(ground_id, 0.0) + (180.0 if k % 2 else 0.0)
    for heading in (axis, axis + 180.0):
        for _ in range(20):
            p = offset(here, heading + rng.uniform(-5, 5), rng.uniform(0.8, 1.6))
            if area.contains(Point(p)) and world.clear_line(here, p):
                return p
    return here


def fishing(
    world: World,
    ground_id: str,
    hz: Horizon,
    rng: random.Random,
    from_port: Route | None = None,
    t_leave: float = 0.0,
    gear: str = "trawl",
) -> Track:
    """Fishing inside a ground (trawling, or drifting gill nets); optionally steaming out first.

    Most of the small boats off Fujian work gill nets or set nets rather than trawls: they
    drift with their nets well below a knot and only move to shoot them again elsewhere.
    """
    if from_port is not None:
        b = TrackBuilder(t_leave, from_port.coords[0])
        b.sail(from_port.coords[1:], speed_rule(world, rng.uniform(7.0, 9.0), True, False))
        b.sail(
            [world.point_in(world.grounds[ground_id], rng)], speed_rule(world, 8.0, False, False)
        )
    else:
        b = TrackBuilder(hz.start - 60.0, world.point_in(world.grounds[ground_id], rng))
    if gear == "gillnet":
        return _gillnet(world, ground_id, b, hz, rng)
    knots = round(rng.uniform(2.6, 3.4), 1)  # one boat, one gear: one towing speed
    k = rng.randrange(2)
    while b.t < hz.end:
        b.sail([_tow_to(world, ground_id, b.pos, k, rng)], _constant(knots), FISHING)
        b.hold(rng.uniform(5, 20) * 60, FISHING)  # hauling and shooting the net
        k += 1
    return b.build()


def _gillnet(
    world: World, ground_id: str, b: TrackBuilder, hz: Horizon, rng: random.Random
) -> Track:
    """Drift with the net for a while, haul, steam a little way, shoot it again."""
    area = world.grounds[ground_id]
    drift = rng.uniform(0, 360)  # the tidal stream, the same for a boat's whole window
    while b.t < hz.end:
        minutes = rng.uniform(30, 70)
        knots = round(rng.uniform(0.3, 0.8), 1)
        end = offset(b.pos, drift, knots * minutes / 60)
        if area.contains(Point(end)) and world.clear_line(b.pos, end):
            b.sail([end], _constant(knots), FISHING)
        else:
            b.hold(minutes * 60, FISHING)
        b.hold(rng.uniform(10, 25) * 60, FISHING)  # hauling
        b.sail([_nearby(world, area, b.pos, rng)], _constant(round(rng.uniform(5.0, 7.0), 1)))
    return b.build()


def _nearby(world: World, area: BaseGeometry, here: Coord, rng: random.Random) -> Coord:
    """Where a gill-netter shoots its net next: a short run away, inside its ground."""
    for _ in range(30):
        p = offset(here, rng.uniform(0, 360), rng.uniform(0.4, 1.0))
        if area.contains(Point(p)) and world.clear_line(here, p):
            return p
    return here


def ferry(
    world: World, route: Route, cruise: float, hz: Horizon, phase: float, rng: random.Random
) -> Track:
    """Shijing <-> Kinmen: alongside at Shijing, out towards Kinmen, silent, back again."""
    to_berth = list(reversed(route.coords))  # route runs Shijing -> Kinmen side
    side = rng.uniform(*STARBOARD_NM)
    path_in = keep_starboard(world, to_berth, side)
    path_out = list(reversed(keep_starboard(world, to_berth, -side)))
    b = TrackBuilder(hz.start - phase, path_in[0])
    rule_in = speed_rule(world, cruise, False, True)
    rule_out = speed_rule(world, cruise, True, False)
    while b.t < hz.end:
        b.sail(path_in[1:], rule_in)
        b.hold(rng.uniform(20, 40) * 60, MOORED)
        b.sail(path_out[1:], rule_out)
        b.silence(rng.uniform(50, 70) * 60)  # crossing to Kinmen and back, out of coverage
        b.jump(path_in[0])
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
    """Round and round the office's beat, starting anywhere on it, a while on station at
    each corner (patrol craft spend more time watching than steaming)."""
    loop = list(beat[:-1]) if beat[0] == beat[-1] else list(beat)
    k = rng.randrange(len(loop))
    loop = loop[k:] + loop[:k]
    b = TrackBuilder(hz.start - 60.0, loop[0])
    rule = speed_rule(world, cruise, False, False)
    while b.t < hz.end:
        for corner in loop[1:] + loop[:1]:
            b.sail([corner], rule)
            if not world.in_zone(corner):  # lying stopped in a zone may be an offence
                b.hold(rng.uniform(5, 20) * 60, UNDER_WAY)  # on station, engine stopped
    return b.build()
