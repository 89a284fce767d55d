"""A scenario: the list of vessel plans the writer turns into a recording.

The demo traffic is one recipe (`demo_scenario`); scripted situations (a ship speeding in a
channel, anchoring over the pipeline, going dark) are further plans appended to the same
list, each with a `story` saying what it should show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from services.sim import behaviour as bh
from services.sim.fleet import KINDS, Identity, Registry
from services.sim.track import AT_ANCHOR, MOORED, Track
from services.sim.world import World


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


@dataclass(frozen=True)
class Mix:
    """How many vessels of each behaviour the demo traffic has."""

    lane_ships: int = 10  # per through lane
    inbound_per_path: int = 1
    outbound_per_berth_path: int = 1
    anchored_per_anchorage: int = 5
    moored_per_berth: int = 2
    ferries: int = 3
    tugs_per_beat: int = 2
    fishing_b: int = 60
    fishing_a: int = 10
    fishing_leaving_share: float = 0.25


def _cruise(kind: str, rng: random.Random) -> float:
    lo, hi = KINDS[kind].speed_kn
    return round(rng.uniform(lo, hi), 1)


class _Composer:
    """Builds the demo plans with one random stream, in a fixed order."""

    def __init__(self, world: World, rng: random.Random, hz: bh.Horizon) -> None:
        self.world, self.rng, self.hz = world, rng, hz
        reserved = {int(p["mmsi"]) for p in world.patrol_vessels} | set(world.watchlist)
        self.registry = Registry(rng, reserved)
        self.plans: list[VesselPlan] = []

    def add(self, kind: str, track: Track, story: str = "", **ident: object) -> None:
        identity = self.registry.identity(kind, **ident)  # type: ignore[arg-type]
        self.plans.append(VesselPlan(identity, track, story))

    def _kind_for(self, users: tuple[str, ...]) -> str:
        seagoing = [u for u in users if u in ("cargo", "tanker")]
        return self.rng.choice(seagoing or ["cargo"])

    def seagoing(self, mix: Mix) -> None:
        span = self.hz.end - self.hz.start
        for route in self.world.routes.values():
            if route.kind == "lane":
                for _ in range(mix.lane_ships):
                    kind = self._kind_for(route.users)
                    t = self.hz.start + self.rng.uniform(-4 * 3600, span - 600)
                    self.add(
                        kind, bh.transit(self.world, route, _cruise(kind, self.rng), t, self.rng)
                    )
            elif route.kind == "fairway":
                for _ in range(mix.inbound_per_path):
                    kind = self._kind_for(route.users)
                    t = self.hz.start + self.rng.uniform(-1800, span * 0.7)
                    track = bh.inbound(
                        self.world, route, _cruise(kind, self.rng), t, self.hz, self.rng
                    )
                    self.add(kind, track)
                if route.end == "berth":
                    for _ in range(mix.outbound_per_berth_path):
                        kind = self._kind_for(route.users)
                        t = self.hz.start + self.rng.uniform(60, span * 0.8)
                        self.add(
                            kind,
                            bh.outbound(self.world, route, _cruise(kind, self.rng), t, self.hz),
                        )

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
        for route in self.world.routes.values():
            if route.kind == "ferry":
                for i in range(mix.ferries):
                    phase = i * 3600.0 * 2 / max(mix.ferries, 1)
                    track = bh.ferry(
                        self.world, route, _cruise("passenger", self.rng), self.hz, phase, self.rng
                    )
                    self.add("passenger", track)
            elif route.kind == "tug":
                for _ in range(mix.tugs_per_beat):
                    self.add(
                        "tug",
                        bh.shuttle(self.world, route, _cruise("tug", self.rng), self.hz, self.rng),
                    )

    def fishing_fleet(self, mix: Mix) -> None:
        grounds = sorted(self.world.grounds)
        outings = sorted(r for r, route in self.world.routes.items() if route.kind == "fishing")
        span = self.hz.end - self.hz.start
        for i in range(mix.fishing_b + mix.fishing_a):
            kind = "fishing" if i < mix.fishing_b else "fishing_a"
            ground = grounds[i % len(grounds)]
            leaving = outings and self.rng.random() < mix.fishing_leaving_share
            if leaving:
                route = self.world.routes[outings[i % len(outings)]]
                t = self.hz.start + self.rng.uniform(-600, span * 0.6)
                track = bh.fishing(self.world, ground, self.hz, self.rng, route, t)
            else:
                track = bh.fishing(self.world, ground, self.hz, self.rng)
            self.add(kind, track)

    def patrols(self) -> None:
        beats = {r.office: r for r in self.world.routes.values() if r.kind == "patrol"}
        for vessel in self.world.patrol_vessels:
            beat = beats.get(str(vessel["office"]))
            if beat is None:
                continue
            kind = "patrol_fast" if vessel.get("fast") else "patrol"
            track = bh.patrol(self.world, beat.coords, _cruise(kind, self.rng), self.hz, self.rng)
            name = str(vessel.get("name_en") or f"HAIXUN {vessel['mmsi']}")
            self.add(
                kind, track, f"patrol of {vessel['office']}", mmsi=int(vessel["mmsi"]), name=name
            )

    def watched(self) -> None:
        """The watchlist's vessels: a sand carrier to Shijing and a fishing boat."""
        carriers = [r for r in self.world.routes.values() if r.id == "wt-shijing"]
        grounds = sorted(self.world.grounds)
        for n, mmsi in enumerate(self.world.watchlist):
            if n % 2 == 0 and carriers:
                t = self.hz.start + 600.0 * (n + 1)
                track = bh.inbound(self.world, carriers[0], 9.0, t, self.hz, self.rng)
                self.add(
                    "cargo", track, "watchlist vessel enters", mmsi=mmsi, name="MIN JIN SHA 168"
                )
            elif grounds:
                track = bh.fishing(self.world, grounds[0], self.hz, self.rng)
                self.add("fishing_a", track, "watchlist vessel", mmsi=mmsi, name="MIN SHI YU 07702")


def demo_scenario(
    world: World, seed: int, start: float, duration: float, mix: Mix | None = None
) -> Scenario:
    """The bundled demo's everyday traffic."""
    mix = mix or Mix()
    hz = bh.Horizon(start, start + duration)
    c = _Composer(world, random.Random(f"seagrid-sim/{seed}/scenario"), hz)
    c.patrols()
    c.watched()
    c.seagoing(mix)
    c.waiting(mix)
    c.harbour_craft(mix)
    c.fishing_fleet(mix)
    return Scenario(hz.start, hz.end, c.plans)
