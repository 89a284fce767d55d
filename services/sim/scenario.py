"""A scenario: the list of vessel plans the writer turns into a recording.

The demo traffic is one recipe (`demo_scenario`): the scripted situations of scenarios.py
(a ship speeding in a channel, anchoring over the pipeline, going dark: one per alert rule,
each with a `story`) come first, then the everyday traffic, each background plan redrawn
(up to `Mix.attempts` times) until it keeps clear of those already placed (separation.py),
so that the alerts a replay raises are the scripted ones and few, explainable others.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from services.sim import behaviour as bh
from services.sim.fleet import KINDS, Identity, Registry
from services.sim.geo import distance_nm
from services.sim.radar import GpsFault, RadarNoise, SimRadar
from services.sim.separation import Separation
from services.sim.track import AT_ANCHOR, MOORED, Track, fold, tail
from services.sim.world import Route, World

# In a loop, a vessel that comes and goes (a lane transit, a port call) is gone this long
# before it comes again: at the position_jump rule's 60 kn even a 30 nm lane is no jump.
LOOP_GAP_S = 40 * 60.0


@dataclass(frozen=True)
class VesselPlan:
    """One vessel: who it is and where it goes."""

    identity: Identity
    track: Track
    story: str = ""


@dataclass
class Scenario:
    start: float
    end: float
    plans: list[VesselPlan] = field(default_factory=list)
    unresolved: int = 0  # background plans still in a close-quarters situation when placed
    # radar only (services/sim/radar.py): the sites, vessels without AIS, GPS faults
    radars: list[SimRadar] = field(default_factory=list)
    dark: list[Track] = field(default_factory=list)
    faults: list[GpsFault] = field(default_factory=list)
    radar_noise: RadarNoise = field(default_factory=RadarNoise)


@dataclass(frozen=True)
class Mix:
    """How many vessels of each behaviour the demo traffic has."""

    lane_ships: int = 10  # per through lane
    inbound_per_path: int = 1
    outbound_per_berth_path: int = 1
    anchored_per_anchorage: int = 5
    moored_per_berth: int = 2
    ferries: int = 3
    tugs_per_beat: int = 1  # one tug on call per harbour: two on one beat meet head-on
    fishing_b: int = 60
    fishing_a: int = 10
    fishing_leaving_share: float = 0.25
    trawler_share: float = 0.3  # the rest work gill nets (behaviour.fishing)
    attempts: int = 20  # redraws of a background plan that would meet another too closely


def _cruise(kind: str, rng: random.Random) -> float:
    lo, hi = KINDS[kind].speed_kn
    return round(rng.uniform(lo, hi), 1)


class _Composer:
    """Builds the demo plans with one random stream, in a fixed order."""

    def __init__(
        self, world: World, rng: random.Random, hz: bh.Horizon, scripted: list[VesselPlan]
    ) -> None:
        self.world, self.rng, self.hz = world, rng, hz
        reserved = {int(p["mmsi"]) for p in world.patrol_vessels} | set(world.watchlist)
        reserved |= {p.identity.mmsi for p in scripted}
        self.registry = Registry(rng, reserved)
        self.plans: list[VesselPlan] = list(scripted)
        self.separation = Separation(hz.start, hz.end, world.jurisdiction)
        for plan in scripted:
            self.separation.place(self.separation.motion(plan.track))
        self.attempts = 1
        self.unresolved = 0

    def add(
        self, kind: str, track: Track | Callable[[], Track], story: str = "", **ident: object
    ) -> None:
        """Place a plan; a recipe (callable) is redrawn while it meets another too closely."""
        if callable(track):
            track = self._clear_of_others(track)
        elif self.hz.loop:
            track = self.fold(track)
        identity = self.registry.identity(kind, **ident)  # type: ignore[arg-type]
        self.plans.append(VesselPlan(identity, track, story))

    def _clear_of_others(self, recipe: Callable[[], Track]) -> Track:
        best: tuple[int, Track] | None = None
        for _ in range(self.attempts):
            track = self.fold(recipe())
            motion = self.separation.motion(track)
            conflicts = self.separation.conflicts(motion)
            if best is None or conflicts < best[0]:
                best = (conflicts, track)
                chosen = motion
            if conflicts == 0:
                break
        assert best is not None
        self.unresolved += best[0] > 0
        self.separation.place(chosen)
        return best[1]

    def fold(self, track: Track) -> Track:
        """In a loop, the track wrapped onto the period (track.fold); else as it is.

        A vessel that comes and goes and would be there longer than the period less
        LOOP_GAP_S is first seen part of the way along (as when a recording starts)."""
        if not self.hz.loop:
            return track
        span = self.hz.end - self.hz.start
        passing = distance_nm(track.legs[0].start, track.legs[-1].end) > 0.1
        if passing and track.end - track.start > span - LOOP_GAP_S:
            track = tail(track, span - LOOP_GAP_S)
        return fold(track, self.hz.start, span)

    def _kind_for(self, users: tuple[str, ...]) -> str:
        seagoing = [u for u in users if u in ("cargo", "tanker")]
        return self.rng.choice(seagoing or ["cargo"])

    def seagoing(self, mix: Mix) -> None:
        span = self.hz.end - self.hz.start
        w, rng, hz = self.world, self.rng, self.hz
        for route in w.routes.values():
            if route.kind == "lane":
                for _ in range(mix.lane_ships):
                    kind = self._kind_for(route.users)
                    cruise = _cruise(kind, rng)

                    def lane(route: Route = route, cruise: float = cruise) -> Track:
                        t = hz.start + rng.uniform(-4 * 3600, span - 600)
                        return bh.transit(w, route, cruise, t, rng)

                    self.add(kind, lane)
            elif route.kind == "fairway":
                for _ in range(mix.inbound_per_path):
                    kind = self._kind_for(route.users)
                    cruise = _cruise(kind, rng)

                    def arrive(route: Route = route, cruise: float = cruise) -> Track:
                        t = hz.start + rng.uniform(-1800, span * 0.7)
                        return bh.inbound(w, route, cruise, t, hz, rng)

                    self.add(kind, arrive)
                if route.end == "berth":
                    for _ in range(mix.outbound_per_berth_path):
                        kind = self._kind_for(route.users)
                        cruise = _cruise(kind, rng)

                        def leave(route: Route = route, cruise: float = cruise) -> Track:
                            t = hz.start + rng.uniform(60, span * 0.8)
                            return bh.outbound(w, route, cruise, t, hz, rng)

                        self.add(kind, leave)

    def waiting(self, mix: Mix) -> None:
        for area in self.world.anchorages.values():
            for _ in range(mix.anchored_per_anchorage):
                kind = self.rng.choice(("cargo", "cargo", "tanker"))
                at = self.world.point_in(area, self.rng, margin=0.001)
                self.add(kind, bh.stationary(at, AT_ANCHOR, self.hz, self.rng.uniform(0, 360)))
        for berth_id, at in self.world.berths.items():
            if berth_id in ("xiangzhi", "shijing"):
                continue  # fishing port and ferry pier: their own traffic
            for _ in range(mix.moored_per_berth):
                spot = self._near(at)
                self.add("cargo", bh.stationary(spot, MOORED, self.hz, self.rng.uniform(0, 360)))

    def _near(self, at: tuple[float, float]) -> tuple[float, float]:
        for _ in range(50):
            p = (at[0] + self.rng.uniform(-0.002, 0.002), at[1] + self.rng.uniform(-0.002, 0.002))
            if self.world.clear_line(at, p):
                return p
        return at

    def harbour_craft(self, mix: Mix) -> None:
        w, rng, hz = self.world, self.rng, self.hz
        for route in w.routes.values():
            if route.kind == "ferry":
                for i in range(mix.ferries):
                    # a timetable: departures evenly spread, a few minutes either way
                    phase = i * 3600.0 * 2 / max(mix.ferries, 1)
                    cruise = _cruise("passenger", rng)

                    def ferry(
                        route: Route = route, phase: float = phase, v: float = cruise
                    ) -> Track:
                        return bh.ferry(
                            w, route, v, hz, max(0.0, phase + rng.uniform(-900, 900)), rng
                        )

                    self.add("passenger", ferry)
            elif route.kind == "tug":
                for _ in range(mix.tugs_per_beat):
                    cruise = _cruise("tug", rng)

                    def tug(route: Route = route, cruise: float = cruise) -> Track:
                        return bh.shuttle(w, route, cruise, hz, rng)

                    self.add("tug", tug)

    def fishing_fleet(self, mix: Mix) -> None:
        w, rng, hz = self.world, self.rng, self.hz
        grounds = sorted(w.grounds)
        outings = sorted(r for r, route in w.routes.items() if route.kind == "fishing")
        span = hz.end - hz.start
        for i in range(mix.fishing_b + mix.fishing_a):
            kind = "fishing" if i < mix.fishing_b else "fishing_a"
            ground = grounds[i % len(grounds)]
            out = w.routes[outings[i % len(outings)]] if outings else None
            leaving = out is not None and rng.random() < mix.fishing_leaving_share
            gear = "trawl" if rng.random() < mix.trawler_share else "gillnet"

            def fish(
                ground: str = ground, out: Route | None = out if leaving else None, gear: str = gear
            ) -> Track:
                t = hz.start + rng.uniform(-600, span * 0.6)
                return bh.fishing(w, ground, hz, rng, out, t, gear)

            self.add(kind, fish)

    def patrols(self) -> None:
        w, rng, hz = self.world, self.rng, self.hz
        beats = {r.office: r for r in w.routes.values() if r.kind == "patrol"}
        for vessel in w.patrol_vessels:
            beat = beats.get(str(vessel["office"]))
            if beat is None:
                continue
            kind = "patrol_fast" if vessel.get("fast") else "patrol"
            cruise = _cruise(kind, rng)

            def patrol(beat: Route = beat, cruise: float = cruise) -> Track:
                return bh.patrol(w, beat.coords, cruise, hz, rng)

            name = str(vessel.get("name_en") or f"HAIXUN {vessel['mmsi']}")
            self.add(
                kind, patrol, f"patrol of {vessel['office']}", mmsi=int(vessel["mmsi"]), name=name
            )


def demo_scenario(
    world: World,
    seed: int,
    start: float,
    duration: float,
    mix: Mix | None = None,
    loop: bool = False,
) -> Scenario:
    """The bundled demo's traffic: the scripted situations, then everyday traffic.

    `loop`: a recording that can be played again and again without a seam (docs/demo.md,
    "The loop"): every track is folded onto the period, the persistent traffic is periodic.
    """
    from services.sim.scenarios import scripted  # it builds VesselPlans of this module

    mix = mix or Mix()
    hz = bh.Horizon(start, start + duration, loop)
    script = scripted(world, seed, start, hz.end, loop)
    if loop:
        script.plans[:] = [
            VesselPlan(p.identity, fold(p.track, start, duration), p.story) for p in script.plans
        ]
        script.dark[:] = [fold(t, start, duration) for t in script.dark]
    c = _Composer(world, random.Random(f"seagrid-sim/{seed}/scenario"), hz, script.plans)
    c.attempts = mix.attempts
    c.patrols()
    c.seagoing(mix)
    c.harbour_craft(mix)
    c.fishing_fleet(mix)
    c.waiting(mix)
    radars = [SimRadar.from_table(r) for r in world.radars]
    return Scenario(hz.start, hz.end, c.plans, c.unresolved, radars, script.dark, script.faults)
