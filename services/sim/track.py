"""Kinematic tracks: where a vessel is, how fast and in which state, at any time.

A track is a chain of legs, each straight at constant speed (or a hold at one point).
Positions are exact functions of time, so the reporting schedule can sample them at any
instant without stepping a simulation, and a scenario can be checked before it is written.
A silent leg models a vessel out of coverage (or with its AIS off): it sends nothing.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.sim.geo import Coord, bearing_deg, distance_nm, lerp

UNDER_WAY = 0
AT_ANCHOR = 1
MOORED = 5
FISHING = 7
SART_ACTIVE = 14  # navigational status of an AIS-SART, MOB or EPIRB-AIS that is transmitting

STEP_NM = 0.1  # speed caps and approach slow-down are applied per step of this length


@dataclass(frozen=True, slots=True)
class Leg:
    t0: float
    t1: float
    start: Coord
    end: Coord
    sog: float
    cog: float
    status: int
    silent: bool = False
    absent: bool = False  # not there at all (a folded track's gap): no AIS, no radar echo


@dataclass(frozen=True, slots=True)
class State:
    """What the vessel would report at one instant."""

    lon: float
    lat: float
    sog: float
    cog: float
    status: int


class Track:
    """Legs in time order, without gaps between them."""

    def __init__(self, legs: Sequence[Leg]) -> None:
        if not legs:
            raise ValueError("a track needs at least one leg")
        self.legs = list(legs)
        self._t0s = [leg.t0 for leg in self.legs]

    @property
    def start(self) -> float:
        return self.legs[0].t0

    @property
    def end(self) -> float:
        return self.legs[-1].t1

    def leg_at(self, t: float) -> Leg | None:
        if t < self.start or t >= self.end:
            return None
        return self.legs[bisect.bisect_right(self._t0s, t) - 1]

    def state_at(self, t: float) -> State | None:
        """The state at time t, or None outside the track or during a silent leg."""
        leg = self.leg_at(t)
        if leg is None or leg.silent:
            return None
        span = leg.t1 - leg.t0
        f = (t - leg.t0) / span if span > 0 else 0.0
        lon, lat = lerp(leg.start, leg.end, f)
        return State(lon, lat, leg.sog, leg.cog, leg.status)

    def points(self) -> list[Coord]:
        """Every corner of the track, for checks against land."""
        return [self.legs[0].start] + [leg.end for leg in self.legs]


SpeedRule = Callable[[Coord, float, float], float]  # (position, nm done, nm left) -> knots


class TrackBuilder:
    """Chains sailing legs and holds from a start time and place."""

    def __init__(self, t0: float, start: Coord, heading: float = 0.0) -> None:
        self.t = t0
        self.pos = start
        self.cog = heading
        self.legs: list[Leg] = []

    def sail(
        self, coords: Sequence[Coord], speed: SpeedRule, status: int = UNDER_WAY
    ) -> TrackBuilder:
        """Follow the waypoints (the first is the current position's successor)."""
        route = [self.pos, *coords]
        total = sum(distance_nm(a, b) for a, b in zip(route, route[1:], strict=False))
        done = 0.0
        for a, b in zip(route, route[1:], strict=False):
            done = self._sail_segment(a, b, done, total, speed, status)
        return self

    def _sail_segment(
        self, a: Coord, b: Coord, done: float, total: float, speed: SpeedRule, status: int
    ) -> float:
        length = distance_nm(a, b)
        if length == 0:
            return done
        course = round(bearing_deg(a, b), 1)
        steps = max(1, round(length / STEP_NM))
        step = length / steps
        for i in range(steps):
            mid = done + step / 2
            knots = speed(lerp(a, b, (i + 0.5) / steps), mid, total - mid)
            self._append(lerp(a, b, (i + 1) / steps), step, knots, course, status)
            done += step
        return done

    def _append(self, to: Coord, dist: float, knots: float, course: float, status: int) -> None:
        dt = dist / knots * 3600.0
        last = self.legs[-1] if self.legs else None
        if (
            last
            and not last.silent
            and last.sog == knots
            and last.cog == course
            and last.status == status
        ):
            self.legs[-1] = Leg(last.t0, self.t + dt, last.start, to, knots, course, status)
        else:
            self.legs.append(Leg(self.t, self.t + dt, self.pos, to, knots, course, status))
        self.t += dt
        self.pos = to
        self.cog = course

    def hold(self, seconds: float, status: int, heading: float | None = None) -> TrackBuilder:
        """Stay at the current position (at anchor, moored, drifting)."""
        if seconds > 0:
            cog = self.cog if heading is None else heading
            self.legs.append(Leg(self.t, self.t + seconds, self.pos, self.pos, 0.0, cog, status))
            self.t += seconds
        return self

    def silence(self, seconds: float) -> TrackBuilder:
        """Send nothing for a while (out of coverage, or AIS switched off)."""
        if seconds > 0:
            self.legs.append(
                Leg(self.t, self.t + seconds, self.pos, self.pos, 0.0, self.cog, UNDER_WAY, True)
            )
            self.t += seconds
        return self

    def away(self, seconds: float) -> TrackBuilder:
        """Not there at all for a while (gone out of the area): no AIS and no radar echo."""
        if seconds > 0:
            self.legs.append(
                Leg(self.t, self.t + seconds, self.pos, self.pos, 0.0, self.cog, UNDER_WAY, True,
                    True)
            )  # fmt: skip
            self.t += seconds
        return self

    def jump(self, to: Coord) -> TrackBuilder:
        """Continue from another place (after a silent leg, e.g. back from Kinmen)."""
        self.pos = to
        return self

    def build(self) -> Track:
        return Track(self.legs)


def fold(track: Track, start: float, period: float) -> Track:
    """The track wrapped onto the window [start, start + period): a loopable recording.

    Every leg is written at `start + (t - start) mod period`, so a transit that runs past
    the window's end continues at its beginning, and the recording played again and again
    shows each vessel on one continuous path. A track longer than the period would be in
    two places at once: only its last `period` seconds are kept (a vessel pre-rolled from
    before `start` keeps its part inside the window). Where the folded vessel is not there
    at all, an `absent` leg fills the gap (silent to AIS, invisible to radar).
    """
    first = max(track.start, track.end - period)
    pieces: list[Leg] = []
    for leg in track.legs:
        t0, t1 = max(leg.t0, first), leg.t1
        while t1 - t0 > 1e-6:
            k = (t0 - start) // period
            cut = min(t1, start + (k + 1) * period)
            a = _at(leg, t0)
            b = _at(leg, cut)
            shift = k * period
            pieces.append(
                Leg(t0 - shift, cut - shift, a, b, leg.sog, leg.cog, leg.status, leg.silent,
                    leg.absent)
            )  # fmt: skip
            t0 = cut
    pieces.sort(key=lambda leg: leg.t0)
    legs: list[Leg] = []
    t = start
    for leg in pieces:
        if leg.t0 > t + 1e-6:
            legs.append(Leg(t, leg.t0, leg.start, leg.start, 0.0, leg.cog, UNDER_WAY, True, True))
        t0 = leg.t0 if leg.t0 > t + 1e-6 else t  # contiguous: no sliver of float error
        legs.append(Leg(t0, leg.t1, leg.start, leg.end, leg.sog, leg.cog,
                        leg.status, leg.silent, leg.absent))  # fmt: skip
        t = leg.t1
    if abs(t - (start + period)) <= 1e-6:  # ends with the period, to float precision
        last = legs[-1]
        legs[-1] = Leg(last.t0, start + period, last.start, last.end, last.sog, last.cog,
                       last.status, last.silent, last.absent)  # fmt: skip
    elif t < start + period:
        last = legs[-1]
        legs.append(
            Leg(t, start + period, last.end, last.end, 0.0, last.cog, UNDER_WAY, True, True)
        )
    return Track(legs)


def tail(track: Track, seconds: float) -> Track:
    """The last `seconds` of the track (the vessel first seen part of the way along)."""
    first = track.end - seconds
    if first <= track.start:
        return track
    legs = [leg for leg in track.legs if leg.t1 > first]
    head = legs[0]
    legs[0] = Leg(first, head.t1, _at(head, first), head.end, head.sog, head.cog, head.status,
                  head.silent, head.absent)  # fmt: skip
    return Track(legs)


def _at(leg: Leg, t: float) -> Coord:
    span = leg.t1 - leg.t0
    return lerp(leg.start, leg.end, (t - leg.t0) / span if span > 0 else 0.0)
