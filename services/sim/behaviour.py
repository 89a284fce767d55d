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
    Leg,
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
PORT_MARGIN_S = 20 * 60.0  # in a loop, a port call is gone this long before it comes again
TOW_AXIS = {"ground-east": 40.0, "ground-south": 70.0}  # trawls run along the contours


@dataclass(frozen=True)
class Horizon:
    """The simulated time window (Unix seconds); tracks may start before it.

    `loop`: the recording will be played again and again (`seagrid serve --demo`), so the
    window is a period: vessels there all the time end where and as they began, and the
    others come and go within it (the scenario folds every track onto the window).
    """

    start: float
    end: float
    loop: bool = False

    @property
    def span(self) -> float:
        return self.end - self.start


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
    """From the seaward end to a berth (moored) or an anchorage (at anchor) until the end
    (in a loop: a port call, out to sea again within the period)."""
    if hz.loop:
        return port_call(world, route, cruise, t_enter, hz, rng)
    settle = _settle_point(world, route, rng)
    path = keep_starboard(world, route.coords, rng.uniform(*STARBOARD_NM))
    b = TrackBuilder(t_enter, path[0])
    coords = list(path[1:]) + ([settle] if settle != route.coords[-1] else [])
    b.sail(coords, speed_rule(world, cruise, False, True))
    return b.hold(max(hz.end - b.t, 1.0), AT_ANCHOR if route.end == "anchorage" else MOORED).build()


def outbound(
    world: World, route: Route, cruise: float, t_depart: float, hz: Horizon, rng: random.Random
) -> Track:
    """Moored at the berth until t_depart, then out to sea, where the track ends (in a
    loop: a port call that has its ship leave at t_depart)."""
    if hz.loop:
        call = port_call(world, route, cruise, 0.0, hz, rng)
        departs = next(leg.t1 for leg in call.legs if leg.sog == 0.0)  # end of the stay
        return Track([_shifted(leg, t_depart - departs) for leg in call.legs])
    path = keep_starboard(world, route.coords, -rng.uniform(*STARBOARD_NM))  # port, inbound
    coords = list(reversed(path))
    b = TrackBuilder(hz.start - 60.0, coords[0])
    b.hold(t_depart - b.t, MOORED)
    return b.sail(coords[1:], speed_rule(world, cruise, True, False)).build()


def port_call(
    world: World,
    route: Route,
    cruise: float,
    t_enter: float,
    hz: Horizon,
    rng: random.Random,
) -> Track:
    """In from the sea, alongside (or at anchor) a while, out again: shorter than the
    period, so a loop shows it once, never twice at the same time."""
    settle = _settle_point(world, route, rng)
    side = rng.uniform(*STARBOARD_NM)
    path_in = keep_starboard(world, route.coords, side)
    path_out = list(reversed(keep_starboard(world, route.coords, -side)))
    b = TrackBuilder(t_enter, path_in[0])
    extra = [settle] if settle != route.coords[-1] else []
    b.sail(list(path_in[1:]) + extra, speed_rule(world, cruise, False, True))
    t_in = b.t - t_enter
    status = AT_ANCHOR if route.end == "anchorage" else MOORED
    probe = TrackBuilder(0.0, b.pos)
    probe.sail(([route.coords[-1]] if extra else []) + path_out[1:],
               speed_rule(world, cruise, True, False))  # fmt: skip
    t_out = probe.t
    stay = max(hz.span - PORT_MARGIN_S - t_in - t_out, 10 * 60.0) * rng.uniform(0.5, 1.0)
    b.hold(stay, status)
    b.sail(([route.coords[-1]] if extra else []) + path_out[1:],
           speed_rule(world, cruise, True, False))  # fmt: skip
    return b.build()


def _shifted(leg: Leg, dt: float) -> Leg:
    return Leg(leg.t0 + dt, leg.t1 + dt, leg.start, leg.end, leg.sog, leg.cog, leg.status,
               leg.silent, leg.absent)  # fmt: skip


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
        if hz.loop and 2 * (b.t - t_leave) > hz.span - 30 * 60:
            from_port = None  # in a loop it must be home again: too far for that
    if from_port is None:
        b = TrackBuilder(hz.start - 60.0, world.point_in(world.grounds[ground_id], rng))
    if gear == "gillnet":
        return _gillnet(world, ground_id, b, hz, rng, from_port)
    knots = round(rng.uniform(2.6, 3.4), 1)  # one boat, one gear: one towing speed
    k = rng.randrange(2)
    if hz.loop:
        return _trawl_loop(world, ground_id, b, hz, rng, knots, k, from_port)
    while b.t < hz.end:
        b.sail([_tow_to(world, ground_id, b.pos, k, rng)], _constant(knots), FISHING)
        b.hold(rng.uniform(5, 20) * 60, FISHING)  # hauling and shooting the net
        k += 1
    return b.build()


def _gillnet(
    world: World,
    ground_id: str,
    b: TrackBuilder,
    hz: Horizon,
    rng: random.Random,
    from_port: Route | None = None,
) -> Track:
    """Drift with the net for a while, haul, steam a little way, shoot it again."""
    area = world.grounds[ground_id]
    drift = rng.uniform(0, 360)  # the tidal stream, the same for a boat's whole window
    if hz.loop:
        return _gillnet_loop(world, area, b, hz, rng, drift, from_port)
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


def _trawl_loop(
    world: World,
    ground_id: str,
    b: TrackBuilder,
    hz: Horizon,
    rng: random.Random,
    knots: float,
    k: int,
    from_port: Route | None,
) -> Track:
    """Towing to and fro between the two ends of one run, ending where the period began
    (a boat from port steams home at the end: inside the harbour, out of sight)."""
    begin = b.legs[0].t0 if b.legs else b.t
    end = begin + hz.span
    back: list[Coord] = list(reversed(from_port.coords)) if from_port else []
    steam = speed_rule(world, 8.0, False, True)
    a = b.pos
    other = _tow_to(world, ground_id, a, k, rng)
    tow = distance_nm(a, other) / knots * 3600.0
    to_home = TrackBuilder(0.0, a).sail(back, steam).t if back else 0.0
    while True:
        holds = (rng.uniform(5, 15) * 60, rng.uniform(5, 15) * 60)
        if b.t + 2 * tow + sum(holds) + to_home > end:
            break
        for target, pause in zip((other, a), holds, strict=True):
            b.sail([target], _constant(knots), FISHING)
            b.hold(pause, FISHING)
    if back:  # home, and out of sight inside the harbour until it sails again
        return b.sail(back, steam).build()
    return b.hold(end - b.t, FISHING).build() if b.t < end else b.build()


def _gillnet_loop(
    world: World, area: BaseGeometry, b: TrackBuilder, hz: Horizon, rng: random.Random,
    drift: float,
    from_port: Route | None,
) -> Track:  # fmt: skip
    """Drift, haul and shoot again while the period allows, the last run back to the
    first set position (where the boat lies with its net until the period ends), or home
    to port for a boat that came out from there."""
    begin = b.legs[0].t0 if b.legs else b.t
    end = begin + hz.span
    first = b.pos
    back: list[Coord] = list(reversed(from_port.coords)) if from_port else []
    to_port = TrackBuilder(0.0, first).sail(back, speed_rule(world, 8.0, False, True)).t
    while True:
        minutes = rng.uniform(30, 70)
        knots = round(rng.uniform(0.3, 0.8), 1)
        stop = offset(b.pos, drift, knots * minutes / 60)
        if not (area.contains(Point(stop)) and world.clear_line(b.pos, stop)):
            stop = b.pos
        nxt = _nearby(world, area, stop, rng)
        run = round(rng.uniform(5.0, 7.0), 1)
        home = (distance_nm(nxt, first) + 1.5) / run * 3600 + 30 * 60 + to_port
        haul = rng.uniform(10, 25) * 60
        if b.t + minutes * 60 + haul + home > end or not world.clear_line(nxt, first):
            break
        if stop != b.pos:
            b.sail([stop], _constant(knots), FISHING)
        else:
            b.hold(minutes * 60, FISHING)
        b.hold(haul, FISHING)
        b.sail([nxt], _constant(run))
    if b.pos != first and world.clear_line(b.pos, first):
        b.sail([first], _constant(round(rng.uniform(5.0, 7.0), 1)))
    if back:  # home, and out of sight inside the harbour until it sails again
        return b.sail(back, speed_rule(world, 8.0, False, True)).build()
    return b.hold(max(end - b.t, 1.0), FISHING).build()


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
    if hz.loop:  # whole crossings in the period, the last silence filling it
        end = b.t + hz.span
        while True:
            trip = TrackBuilder(b.t, path_in[0]).sail(path_in[1:], rule_in)
            trip.hold(rng.uniform(20, 40) * 60, MOORED).sail(path_out[1:], rule_out)
            if trip.t + 40 * 60 > end and b.legs:
                break
            b.legs += trip.legs
            b.t, b.pos = trip.t, path_in[0]
            b.away(min(rng.uniform(50, 70) * 60, end - b.t))  # to Kinmen and back
            if b.t >= end:
                break
        b.away(end - b.t)
        return b.build()
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
    if hz.loop:  # there and back, as often as fits, then alongside where it began
        end = b.t + hz.span
        rule = speed_rule(world, cruise, True, True)
        run = TrackBuilder(0.0, coords[0]).sail(coords[1:], rule).t
        while True:
            holds = (rng.uniform(5, 20) * 60, rng.uniform(5, 20) * 60)
            if b.t + sum(holds) + 2 * run > end:
                break
            for pause in holds:
                b.hold(pause, MOORED)
                b.sail(coords[1:], rule)
                coords.reverse()
        b.hold(end - b.t, MOORED)
        return b.build()
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
    if hz.loop:  # whole rounds, then on station at the first corner until the period ends
        end = b.t + hz.span
        lap = TrackBuilder(0.0, loop[0]).sail(loop[1:] + loop[:1], rule).t
        while True:
            rnd = TrackBuilder(b.t, b.pos)
            for corner in loop[1:] + loop[:1]:
                rnd.sail([corner], rule)
                if not world.in_zone(corner):
                    rnd.hold(rng.uniform(5, 20) * 60, UNDER_WAY)
            if rnd.t > end:
                break
            b.legs += rnd.legs
            b.t, b.pos = rnd.t, rnd.pos
        if not b.legs and lap <= hz.span:
            b.sail(loop[1:] + loop[:1], rule)
        b.hold(end - b.t, UNDER_WAY)
        return b.build()
    while b.t < hz.end:
        for corner in loop[1:] + loop[:1]:
            b.sail([corner], rule)
            if not world.in_zone(corner):  # lying stopped in a zone may be an offence
                b.hold(rng.uniform(5, 20) * 60, UNDER_WAY)  # on station, engine stopped
    return b.build()
