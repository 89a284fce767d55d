"""Scripted situations: one (or a pair of) vessel(s) per alert rule, early in the recording.

An operator opening the demo should see every kind of alert within its first ten minutes.
Each situation below is a vessel plan with a `story`, placed in the demo waters and timed
from the recording's start `T0`, plus a `Situation` saying which alert it must raise, for
which vessel, in which zone, cell and office, and by when (docs/demo.md tells the stories;
tests/demo/test_demo_alerts.py replays the bundled recording and checks every one).

The rules only know what they have seen, so a behaviour that began before T0 (a ship long
at anchor over the pipeline, a dredger at work) still needs its dwell time *after* T0: the
demo zones shorten those two dwells (zones.py says why), and ais_gap, which by definition
needs 10 minutes of silence, is raised just after the tenth minute. Tracks that begin before
T0 are "pre-rolled": the writer sends nothing before T0, so the vessel appears mid-behaviour.
MMSIs and names are fixed (and invented), so the documentation can name them.
In a loopable recording (`loop`, docs/demo.md "The loop") every situation closes within the
period: a vessel that stays on is back at its T0 position as the recording ends
(`_Scripter.rest`), so the demo can start again without a seam.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from services.sim.fleet import Identity, Registry
from services.sim.geo import Coord, distance_nm, lerp, offset
from services.sim.radar import GpsFault
from services.sim.track import (
    AT_ANCHOR,
    FISHING,
    MOORED,
    SART_ACTIVE,
    UNDER_WAY,
    Leg,
    SpeedRule,
    Track,
    TrackBuilder,
)
from services.sim.world import World

if TYPE_CHECKING:
    from services.sim.scenario import VesselPlan

MINUTE = 60.0
RESTRICTED = 3  # navigational status: restricted manoeuvrability (a dredger at work)


@dataclass(frozen=True)
class Situation:
    """The alert a scripted plan must raise (what the demo test checks)."""

    rule: str
    mmsi: int | None  # None: radar_only (a vessel without AIS)
    zone: str | None
    cell: str
    office: str
    by_s: float  # raised at most this long after T0
    story: str
    other_mmsi: int | None = None


@dataclass(frozen=True)
class Script:
    plans: list[VesselPlan]
    situations: list[Situation]
    quiet_zones: tuple[str, ...] = ()  # zones a scripted vessel enters without an alert
    dark: list[Track] = field(default_factory=list)  # vessels without AIS (radar sees them)
    faults: list[GpsFault] = field(default_factory=list)  # AIS positions off the truth


# Fixed identities of the scripted vessels (all invented).
SPEEDER = 413600101
PIPELINE_ANCHOR = 413600102
DRAGGER = 413600103
DREDGER = 413600104
RING_INTRUDER = 413600105
WORKS_INTRUDER = 413600106
TURNS_AWAY = 413600107
GIVE_WAY = 413600108
STAND_ON = 413600109
CLONED = 413600110
PAIR_PARTNER = 413600111
FINISHED_WORKS = 413600112
SART = 970012345  # ITU-R M.585: 970 + manufacturer 01 + serial 2345
WATCHED_CARRIER = 412440101  # seagrid.toml [[watchlist]]
WATCHED_FISHER = 413770202  # seagrid.toml [[watchlist]]


def _constant(knots: float) -> SpeedRule:
    return lambda _p, _done, _left: knots


def _until_entry(coords: Sequence[Coord], zone: BaseGeometry) -> float:
    """Nautical miles along the polyline before it first enters the zone."""
    done = 0.0
    for a, b in zip(coords, coords[1:], strict=False):
        cut = LineString([a, b]).intersection(zone)
        if not cut.is_empty:
            first = min(
                (distance_nm(a, (x, y)) for x, y in _points(cut)),
                default=0.0,
            )
            return done + first
        done += distance_nm(a, b)
    raise ValueError("the path never enters the zone")


def _points(geom: BaseGeometry) -> list[tuple[float, float]]:
    parts = getattr(geom, "geoms", [geom])
    return [(float(x), float(y)) for g in parts for x, y in g.coords]


def _position(legs: Sequence[Leg], t: float) -> Coord:
    """Where the legs put the vessel at t (silent legs included)."""
    for leg in legs:
        if leg.t0 <= t < leg.t1:
            span = leg.t1 - leg.t0
            return lerp(leg.start, leg.end, (t - leg.t0) / span if span > 0 else 0.0)
    return legs[0].start if t < legs[0].t0 else legs[-1].end


def _truncated(b: TrackBuilder, t: float) -> TrackBuilder:
    """A copy of the builder's legs up to time t."""
    c = TrackBuilder(b.legs[0].t0, b.legs[0].start)
    for leg in b.legs:
        if leg.t0 >= t:
            break
        if leg.t1 <= t:
            c.legs.append(leg)
        else:
            end = _position([leg], t)
            c.legs.append(Leg(leg.t0, t, leg.start, end, leg.sog, leg.cog, leg.status, leg.silent))
    c.t, c.pos = t, c.legs[-1].end if c.legs else b.legs[0].start
    c.cog = c.legs[-1].cog if c.legs else 0.0
    return c


def _closed_loop(
    s: _Scripter, corners: Sequence[Coord], knots: Sequence[float], faster: bool = False
) -> float:
    """In a loop, the factor on `knots` that fits a whole number of rounds in the period
    (the nearest one; `faster`: never slower than `knots`)."""
    if not s.loop:
        return 1.0
    n = len(corners)
    hours = sum(
        distance_nm(corners[k % n], corners[(k + 1) % n]) / knots[k % len(knots)]
        for k in range(max(n, len(knots)))
    )
    period_h = (s.end - s.t0) / 3600.0
    rounds = max(1, math.ceil(period_h / hours) if faster else round(period_h / hours))
    return rounds * hours / period_h


def _off_shore(world: World, start: Coord, island_at: Coord, inset_nm: float) -> Coord:
    """The point inset_nm short of the island's shore on the line from start to island_at."""
    parts = getattr(world.land, "geoms", [world.land])
    island = next(g for g in parts if g.contains(Point(island_at)))
    hit = LineString([start, island_at]).intersection(island.exterior)
    first = min(_points(hit), key=lambda p: distance_nm(start, p))
    span = distance_nm(start, first)
    return lerp(start, first, (span - inset_nm) / span)


class _Scripter:
    def __init__(
        self, world: World, t0: float, end: float, rng: random.Random, loop: bool = False
    ) -> None:
        self.world, self.t0, self.end, self.loop = world, t0, end, loop
        self.registry = Registry(rng, set(world.watchlist))
        self.plans: list[VesselPlan] = []
        self.situations: list[Situation] = []
        self.identities: dict[int, Identity] = {}
        self.dark: list[Track] = []
        self.faults: list[GpsFault] = []

    def add(self, kind: str, mmsi: int, name: str, track: Track, story: str) -> None:
        from services.sim.scenario import VesselPlan  # scenario.py imports this module

        ident = self.identities.get(mmsi)
        if ident is None:
            ident = self.identities[mmsi] = self.registry.identity(kind, mmsi=mmsi, name=name)
        self._check_water(track, name)
        self.plans.append(VesselPlan(ident, track, story))

    def _check_water(self, track: Track, name: str) -> None:
        points = track.points()
        if not all(self.world.on_water(p) for p in points):
            raise ValueError(f"scripted track of {name} leaves the water")

    def _way_back(self, b: TrackBuilder, t_a: float, target: Coord) -> list[Coord]:
        """Straight to target if the water and the zones allow, else the way it came."""
        if self.world.clear_line(b.pos, target) and self.world.clear_of_zones([b.pos, target]):
            return [target]
        path = [leg.start for leg in reversed(b.legs) if leg.t1 > t_a][:-1] + [target]
        return [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]

    def _cut(
        self, b: TrackBuilder, t_a: float, arrive: float, target: Coord, knots: float
    ) -> TrackBuilder:
        """The builder stopped at the latest time from which the vessel is back at target
        (the way it came, at `knots`) by `arrive`: it turns back there."""
        lo, hi = t_a, b.t
        for _ in range(40):
            mid = (lo + hi) / 2
            c = _truncated(b, mid)
            path = self._way_back(c, t_a, target)
            length = sum(distance_nm(a, q) for a, q in zip([c.pos, *path], path, strict=False))
            lo, hi = (mid, hi) if mid + length / knots * 3600.0 + 60.0 <= arrive else (lo, mid)
        return _truncated(b, lo)

    def expect(self, situation: Situation) -> None:
        self.situations.append(situation)

    def rest(self, b: TrackBuilder, status: int, back_kn: float = 8.0) -> Track:
        """Stay put until the end of the recording (a track ending inside is a gap).

        In a loop the period must close: the vessel stays put, then goes back to where it
        was at T0 (straight if the water and the zones allow, else the way it came) at
        `back_kn` or faster if it must, arriving as the period ends.
        """
        if not self.loop:
            return b.hold(max(self.end - b.t, 1.0), status).build()
        t_a = max(b.legs[0].t0, self.t0)
        arrive = t_a + (self.end - self.t0)
        target = _position(b.legs, t_a)
        path = self._way_back(b, t_a, target)
        length = sum(distance_nm(a, c) for a, c in zip([b.pos, *path], path, strict=False))
        if b.t + length / back_kn * 3600.0 + 60.0 > arrive:  # too far: turn back earlier
            b = self._cut(b, t_a, arrive, target, back_kn)
            path = self._way_back(b, t_a, target)
            length = sum(distance_nm(a, c) for a, c in zip([b.pos, *path], path, strict=False))
        if length < 0.01:
            return b.hold(max(arrive - b.t, 1.0), status).build()
        room = arrive - b.t - 60.0
        knots = max(back_kn, length / max(room, 60.0) * 3600.0)
        travel = length / knots * 3600.0
        b.hold(arrive - travel - b.t, status)
        return b.sail(path, _constant(knots)).build()


def _speeding(s: _Scripter) -> None:
    """A tanker runs up the Meizhou Bay channel at 16.5 kn where 12 kn is the limit."""
    path = [(119.097, 25.021), (119.085, 25.048), (119.06, 25.06), (119.03, 25.07),
            (119.0, 25.078), (118.975, 25.094), (118.958, 25.108)]  # fmt: skip
    b = TrackBuilder(s.t0 - 30.0, path[0])
    b.sail(path[1:], lambda _p, _done, left: 16.5 if left > 1.2 else 5.0)
    story = "speeding: tanker at 16.5 kn in the 12 kn Meizhou Bay channel from T0"
    s.add("tanker", SPEEDER, "MIN YOU 116", s.rest(b, MOORED), story)
    s.expect(Situation("speeding", SPEEDER, "sl-meizhou", "QG-13", "quangang", 2 * MINUTE, story))


def _pipeline(s: _Scripter) -> None:
    """A coaster lies at anchor over the Kinmen water pipeline, then weighs and leaves."""
    at = (118.545, 24.505)
    b = TrackBuilder(s.t0 - 3 * 3600.0, at)
    b.hold(3 * 3600.0 + 40 * MINUTE, AT_ANCHOR, heading=60.0)
    b.sail([(118.60, 24.49), (118.64, 24.465)], _constant(7.0))
    story = "anchoring_prohibited: at anchor on the Kinmen pipeline since before T0"
    s.add("cargo", PIPELINE_ANCHOR, "HUA YANG 27", s.rest(b, AT_ANCHOR), story)
    s.expect(
        Situation(
            "anchoring_prohibited",
            PIPELINE_ANCHOR,
            "na-kinmen-pipeline",
            "JJ-17",
            "jinjiang",
            8 * MINUTE,
            story,
        )
    )


def _anchor_drag(s: _Scripter) -> None:
    """A ship at anchor off Quanzhou Bay drags at 3 kn in a squall, then re-anchors."""
    at = (118.915, 24.828)
    b = TrackBuilder(s.t0 - 2 * 3600.0, at)
    b.hold(2 * 3600.0 + 5.0, AT_ANCHOR, heading=200.0)
    b.sail([offset(at, 200.0, 0.75)], _constant(3.0), AT_ANCHOR)
    b.hold(15 * MINUTE, AT_ANCHOR)
    b.sail([at], _constant(6.0))
    story = "anchor_drag: drags its anchor at 3 kn from T0 in the Quanzhou Bay outer anchorage"
    s.add("cargo", DRAGGER, "JIN HAI 85", s.rest(b, AT_ANCHOR), story)
    s.expect(
        Situation(
            "anchor_drag", DRAGGER, "anch-quanzhou-outer", "SS-05", "shishi", 10 * MINUTE, story
        )
    )


def _dredger(s: _Scripter) -> None:
    """A sand dredger works slowly to and fro in the Weitou Bay sand-mining ban area."""
    corners = [(118.512, 24.586), (118.522, 24.590), (118.518, 24.596), (118.508, 24.592)]
    f = _closed_loop(s, corners, [1.6, 1.4])  # in a loop: whole rounds in the period
    b = TrackBuilder(s.t0 - 3600.0 * (not s.loop), corners[0])
    k = 1
    while b.t < s.end - 1.0:
        b.sail([corners[k % len(corners)]], _constant((1.4 + 0.2 * (k % 2)) * f), RESTRICTED)
        k += 1
    story = "loitering: sand dredger working at 1.4-1.6 kn in the Weitou Bay ban area"
    s.add("dredger", DREDGER, "MIN SHI SHA 3", b.build(), story)
    s.expect(
        Situation("loitering", DREDGER, "smb-weitou-bay", "JJ-10", "jinjiang", 7 * MINUTE, story)
    )


def _ring_intruder(s: _Scripter) -> None:
    """A fishing boat cuts into the restricted ring round Xiaozhui island to set nets."""
    zone = s.world.zones["rs-xiaozhui"]
    start = (118.752, 24.806)
    inside = _off_shore(s.world, start, (118.768, 24.829), 0.07)
    knots = 6.0
    lead = _until_entry([start, inside], zone) / knots * 3600.0
    b = TrackBuilder(s.t0 + 3 * MINUTE - lead, start)
    b.sail([inside], _constant(knots))
    b.hold(20 * MINUTE, FISHING)
    b.sail([start, (118.745, 24.79)], _constant(knots))
    story = "zone_entry: fishing boat enters the Xiaozhui island restricted ring at T0+3 min"
    s.add("fishing_a", RING_INTRUDER, "MIN SHI YU 05218", s.rest(b, FISHING), story)
    s.expect(
        Situation("zone_entry", RING_INTRUDER, "rs-xiaozhui", "SS-02", "shishi", 4 * MINUTE, story)
    )


def _works_intruder(s: _Scripter) -> None:
    """A tug enters the active works area on Quanzhou Bay's north shore."""
    zone = s.world.zones["ww-quanzhou-bay"]
    start, inside = (118.815, 24.842), (118.806, 24.860)
    knots = 6.0
    lead = _until_entry([start, inside], zone) / knots * 3600.0
    b = TrackBuilder(s.t0 + 4 * MINUTE - lead, start)
    b.sail([inside], _constant(knots))
    b.hold(15 * MINUTE, UNDER_WAY)
    b.sail([start], _constant(knots))
    story = "zone_entry: tug enters the active Quanzhou Bay works area at T0+4 min"
    s.add("tug", WORKS_INTRUDER, "QUAN GANG TUO 9", s.rest(b, MOORED), story)
    s.expect(
        Situation(
            "zone_entry", WORKS_INTRUDER, "ww-quanzhou-bay", "FZ-03", "fengze", 5 * MINUTE, story
        )
    )


def _finished_works(s: _Scripter) -> None:
    """A tug crosses the Meizhou Bay works area that was finished in 2024: no alert."""
    path = [(118.895, 25.080), (118.912, 25.090), (118.930, 25.100)]
    b = TrackBuilder(s.t0, path[0]).sail(path[1:], _constant(7.0))
    story = "no alert: tug crosses the finished (2024) Meizhou Bay works area at T0+2 min"
    s.add("tug", FINISHED_WORKS, "MEI ZHOU WAN TUO 6", s.rest(b, MOORED), story)


def _turns_away(s: _Scripter) -> None:
    """A coaster steers for Xiaozhui island's restricted ring, then turns away in time."""
    start = (118.789, 24.806)
    towards = offset(start, 312.0, 1.0)
    b = TrackBuilder(s.t0 - 20.0, start)
    b.sail([lerp(start, towards, 0.5)], _constant(7.0))
    b.sail([(118.83, 24.81), (118.86, 24.79)], _constant(7.0))
    story = "predicted_entry: coaster heading for the Xiaozhui ring turns away at T0+4 min"
    s.add("cargo", TURNS_AWAY, "MIN HANG 311", s.rest(b, AT_ANCHOR), story)
    s.expect(
        Situation(
            "predicted_entry", TURNS_AWAY, "rs-xiaozhui", "SS-02", "shishi", 2 * MINUTE, story
        )
    )


def _crossing(s: _Scripter) -> None:
    """Two coasters on collision courses south of Shenhu; the give-way one alters late."""
    meet = (118.775, 24.525)
    t_meet = s.t0 + 7 * MINUTE
    north = TrackBuilder(t_meet - 7 * MINUTE, offset(meet, 180.0, 9.0 * 7 / 60))
    north.sail([offset(meet, 180.0, 9.0 * 3 / 60)], _constant(9.0))  # until T0+4 min
    north.sail([offset(meet, 60.0, 1.0), (118.83, 24.56)], _constant(9.0))
    west = TrackBuilder(s.t0, offset(meet, 90.0, 10.0 * 7 / 60))
    west.sail([meet, (118.72, 24.525)], _constant(10.0))
    story = "close_quarters: crossing south of Shenhu, CPA ~0 nm at T0+7 min unless one gives way"
    s.add("cargo", GIVE_WAY, "MIN FENG 57", s.rest(north, AT_ANCHOR), story)
    s.add("cargo", STAND_ON, "AN JI 12", s.rest(west, AT_ANCHOR), story)
    s.expect(
        Situation(
            "close_quarters",
            GIVE_WAY,
            None,
            "JJ-20",
            "jinjiang",
            2 * MINUTE,
            story,
            other_mmsi=STAND_ON,
        )
    )


def _cloned(s: _Scripter) -> None:
    """Two boats transmit one MMSI: one off Shenhu, the other in Meizhou Bay 25 nm away."""
    genuine = [(118.815, 24.64), (118.83, 24.655)]
    f = _closed_loop(s, genuine, [3.0], faster=True)  # below 3 kn it reports less often
    b = TrackBuilder(s.t0 - 600.0 * (not s.loop), genuine[0])
    k = 1
    while b.t < s.end - 1.0:
        b.sail([genuine[k % 2]], _constant(3.0 * f), FISHING)
        k += 1
    clone_path = [(119.02, 25.02), (119.035, 25.03)]
    c = TrackBuilder(s.t0 + MINUTE, clone_path[0])
    c.sail([clone_path[1]], _constant(3.0), FISHING).hold(30 * MINUTE, FISHING)
    story = "position_jump: MMSI shared by a boat off Shenhu and another in Meizhou Bay"
    s.add("fishing_a", CLONED, "MIN JIN YU 06618", b.build(), story)
    s.add("fishing_a", CLONED, "MIN JIN YU 06618", c.build(), story + " (the clone, from T0+1 min)")
    s.expect(Situation("position_jump", CLONED, None, "JJ-08", "jinjiang", 2 * MINUTE, story))


def _goes_dark(s: _Scripter) -> None:
    """Pair trawlers off Xiangzhi: the watch-listed one switches its AIS off at T0."""
    lead_at, heading, knots = (118.93, 24.77), 45.0, 3.0
    partner_at = offset(lead_at, 135.0, 0.15)
    run = 2.5  # nm per tow
    dark = TrackBuilder(s.t0 - 1800.0, offset(lead_at, heading + 180.0, knots / 2))
    dark.sail([lead_at], _constant(knots), FISHING)
    dark.sail([offset(lead_at, heading, 0.01)], _constant(knots), FISHING)  # one report
    dark.silence(25 * MINUTE)
    dark.jump(offset(lead_at, heading, knots * 25 / 60))
    partner = TrackBuilder(s.t0 - 1800.0, offset(partner_at, heading + 180.0, knots / 2))
    partner.sail([offset(partner_at, heading, run)], _constant(knots), FISHING)
    partner.hold(20 * MINUTE, FISHING)
    partner.sail([partner_at], _constant(knots), FISHING)
    dark.sail([offset(lead_at, heading, run)], _constant(knots), FISHING)
    story = "ais_gap: watch-listed pair trawler switches AIS off at T0, back at T0+25 min"
    s.add("fishing_a", WATCHED_FISHER, "MIN SHI YU 07702", s.rest(dark, FISHING, 3.0), story)
    s.add(
        "fishing_a",
        PAIR_PARTNER,
        "MIN SHI YU 07703",
        s.rest(partner, FISHING, 3.0),
        "pair-trawl partner of MIN SHI YU 07702, keeps reporting",
    )
    s.expect(Situation("ais_gap", WATCHED_FISHER, None, "SS-12", "shishi", 11 * MINUTE, story))


def _watched_carrier(s: _Scripter) -> None:
    """The watch-listed sand carrier comes in from the south, bound for Shijing."""
    route = s.world.routes["wt-shijing"]
    knots = 9.0
    jurisdiction = s.world.jurisdiction
    if jurisdiction is None:
        return
    lead = _until_entry(route.coords, jurisdiction) / knots * 3600.0
    b = TrackBuilder(s.t0 + 3 * MINUTE - lead, route.coords[0])
    b.sail(route.coords[1:], lambda p, _done, left: min(knots, s.world.speed_cap(p), 4 + left))
    story = "watchlist: sand carrier (repeat offender) enters the jurisdiction at T0+3 min"
    s.add("cargo", WATCHED_CARRIER, "MIN JIN SHA 168", s.rest(b, MOORED), story)
    s.expect(Situation("watchlist", WATCHED_CARRIER, None, "JJ-29", "jinjiang", 4 * MINUTE, story))


def _sart(s: _Scripter) -> None:
    """A liferaft's AIS-SART switches on off Xiangzhi at T0+2 min and drifts."""
    at = (118.835, 24.765)
    b = TrackBuilder(s.t0 + 2 * MINUTE, at)
    b.sail([offset(at, 30.0, 0.6)], _constant(0.4), SART_ACTIVE)
    story = "distress: AIS-SART of a liferaft active from T0+2 min off Xiangzhi"
    # in a loop the raft is picked up after an hour: the SART goes off within the period
    track = b.hold(s.t0 + 60 * MINUTE - b.t, SART_ACTIVE).build() if s.loop else None
    s.add("sart", SART, "SART ACTIVE", track or s.rest(b, SART_ACTIVE), story)
    s.expect(Situation("distress", SART, None, "SS-10", "shishi", 4 * MINUTE, story))


def _dark_dredger(s: _Scripter) -> None:
    """A second sand dredger works in Weitou Bay with no AIS at all: only radar sees it.

    Radar only (services/sim/radar.py): no AIS line changes, and it uses no random draw."""
    corners = [(118.486, 24.566), (118.494, 24.569), (118.492, 24.574), (118.485, 24.571)]
    f = _closed_loop(s, corners, [1.5])
    b = TrackBuilder(s.t0 - 3600.0 * (not s.loop), corners[0])
    k = 1
    while b.t < s.end - 1.0:
        b.sail([corners[k % len(corners)]], _constant(1.5 * f), RESTRICTED)
        k += 1
    s.dark.append(b.build())
    story = "radar_only: a sand dredger without AIS in Weitou Bay, seen by the Weitou radar"
    s.expect(Situation("radar_only", None, None, "JJ-11", "jinjiang", 6 * MINUTE, story))


def _gps_fault(s: _Scripter) -> None:
    """MIN SHI SHA 3's GPS drifts from T0+1 min: its AIS position lags 800 m west of where
    the Weitou radar sees it for 20 minutes, then recovers."""
    s.faults.append(GpsFault(DREDGER, s.t0 + MINUTE, 240.0, 20 * MINUTE, 800.0, 90.0))
    story = "position_mismatch: MIN SHI SHA 3's AIS position drifts 800 m from its radar echo"
    s.expect(Situation("position_mismatch", DREDGER, None, "JJ-10", "jinjiang", 7 * MINUTE, story))


SCRIPTS = (
    _speeding, _pipeline, _anchor_drag, _dredger, _ring_intruder, _works_intruder,
    _finished_works, _turns_away, _crossing, _cloned, _goes_dark, _watched_carrier, _sart,
    _dark_dredger, _gps_fault,
)  # fmt: skip


# The demo zones the situations are placed in: another configuration gets none of them.
DEMO_ZONES = frozenset(
    {"rs-xiaozhui", "ww-quanzhou-bay", "ww-meizhou-finished", "sl-meizhou", "na-kinmen-pipeline",
     "anch-quanzhou-outer", "smb-weitou-bay"}
)  # fmt: skip


def scripted(world: World, seed: int, t0: float, end: float, loop: bool = False) -> Script:
    """Every scripted situation for a recording from t0 to end (none outside the demo)."""
    if not DEMO_ZONES <= world.zones.keys() or "wt-shijing" not in world.routes:
        return Script([], [])
    s = _Scripter(world, t0, end, random.Random(f"seagrid-sim/{seed}/scripted"), loop)
    for script in SCRIPTS:
        script(s)
    return Script(s.plans, s.situations, ("ww-meizhou-finished",), dark=s.dark, faults=s.faults)
