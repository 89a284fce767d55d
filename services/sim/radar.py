"""Simulated shore ARPA radars: `$RATTM` / `$RATLL` target sentences for the configured
`[[radars]]` (CONTRACTS §12), merged into a recording beside the AIS lines.

What a real shore radar's tracker gives a VTS, and what the fusion must cope with:
- noise in range (20 m + 0.5 % of range, 1 sigma) and bearing (0.3 deg), and in the
  tracker's speed (0.3 kn) and course (3 deg) (IMO MSC.192(79) tolerances, halved for a
  shore installation); positions of TLL-sending radars carry the same noise;
- missed plots (each scan sees a target with probability 0.93); three misses in a row and
  the tracker reports the target lost (`L`); the next plot is a new acquisition under a new
  target number, shown as `Q` (query) for its first two scans;
- clutter: short-lived tracks (1-5 scans) near the antenna, as sea and rain returns make;
- no transponder needed: every vessel on the water within range is seen, AIS or not, a
  vessel whose AIS is silent too; a vessel's AIS may be wrong (a GPS fault, `GpsFault`),
  the radar sees where it really is.
Output is throttled to one report per target every `scan_s` (10 s): VTS radar servers
forward tracks at a few seconds to tens of seconds, and every 2.5 s rotation would triple
the bundled recording for no gain in the demo.

The radar has its own random stream (`seagrid-sim/{seed}/radar`), so adding radars leaves
every AIS line of a recording exactly as it was.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.sim.geo import Coord
from services.sim.track import Track

NM = 1852.0
M_PER_DEG = 60 * NM


@dataclass(frozen=True)
class SimRadar:
    id: str
    lat: float
    lon: float
    range_nm: float
    sentence: str = "TTM"  # or "TLL": what this radar's server sends

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> SimRadar:
        return cls(
            str(table["id"]),
            float(table["lat"]),
            float(table["lon"]),
            float(table["range_nm"]),
            str(table.get("sim_sentence", "TTM")),
        )


@dataclass(frozen=True)
class GpsFault:
    """From `t0` the vessel's AIS position lags where it really is by up to `metres` on
    `bearing` (reached after `ramp_s`, held `hold_s`, then back over `ramp_s`)."""

    mmsi: int
    t0: float
    ramp_s: float
    hold_s: float
    metres: float
    bearing: float

    def offset_m(self, t: float) -> float:
        dt = t - self.t0
        if dt <= 0:
            return 0.0
        if dt < self.ramp_s:
            return self.metres * dt / self.ramp_s
        dt -= self.ramp_s
        if dt < self.hold_s:
            return self.metres
        dt -= self.hold_s
        return max(0.0, self.metres * (1.0 - dt / self.ramp_s))


@dataclass(frozen=True)
class RadarNoise:
    scan_s: float = 10.0
    range_sigma_m: float = 20.0
    range_sigma_ratio: float = 0.005
    bearing_sigma_deg: float = 0.3
    speed_sigma_kn: float = 0.3
    course_sigma_deg: float = 3.0
    p_detect: float = 0.93
    lost_after_misses: int = 3
    clutter_per_scan: float = 0.15
    clutter_max_nm: float = 3.0


@dataclass
class _Target:
    number: int | None = None
    misses: int = 0
    scans: int = 0
    last: tuple[float, float, float, float] | None = None  # range m, bearing, speed, course


@dataclass
class _Clutter:
    number: int
    range_m: float
    bearing: float
    left: int


@dataclass
class _RadarState:
    site: SimRadar
    targets: dict[int, _Target] = field(default_factory=dict)
    clutter: list[_Clutter] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    next_number: int = 1

    def acquire(self) -> int:
        for _ in range(99):
            n = self.next_number
            self.next_number = n % 99 + 1
            if n not in self.used:
                self.used.add(n)
                return n
        raise RuntimeError("radar tracker full")


def radar_lines(
    tracks: Sequence[tuple[Track, float | None]],
    radars: Sequence[SimRadar],
    start: float,
    end: float,
    seed: int,
    noise: RadarNoise | None = None,
    faults: Sequence[tuple[int, GpsFault]] = (),
    truth: dict[tuple[str, int, float], int] | None = None,
) -> Iterator[tuple[float, str]]:
    """(time, line) of every radar sentence from start to end, in time order.

    `tracks`: each object on the water, as its track and the kind's speed scale (unused
    for now, None); `faults`: (index into tracks, fault). `truth`, when given, receives
    (radar, target number, time) -> index into `tracks` of every report (tests, bench)."""
    noise = noise or RadarNoise()
    rng = random.Random(f"seagrid-sim/{seed}/radar")
    states = [_RadarState(site) for site in radars]
    fault_of = dict(faults)
    t = start
    while t < end:
        for state in states:
            lines = _scan(state, tracks, fault_of, t, noise, rng, truth)
            yield from ((t, line) for line in lines)
        t += noise.scan_s


def _scan(
    state: _RadarState,
    tracks: Sequence[tuple[Track, float | None]],
    faults: dict[int, GpsFault],
    t: float,
    noise: RadarNoise,
    rng: random.Random,
    truth: dict[tuple[str, int, float], int] | None,
) -> list[str]:
    site = state.site
    lines: list[str] = []
    for i, (track, _) in enumerate(tracks):
        where = _truth(track, t, faults.get(i))
        target = state.targets.get(i)
        seen = False
        if where is not None:
            rb = _range_bearing(site, where)
            seen = rb[0] <= site.range_nm * NM and rng.random() < noise.p_detect
        if seen and where is not None:
            if target is None:
                target = state.targets[i] = _Target()
            if target.number is None:
                target.number, target.scans = state.acquire(), 0
            before = _truth(track, t - noise.scan_s, faults.get(i)) or where
            motion = _motion(before, where, noise.scan_s)
            target.misses, target.scans = 0, target.scans + 1
            target.last = _noisy(rb, motion, noise, rng)
            status = "Q" if target.scans <= 2 else "T"
            lines.append(_line(site, target.number, target.last, status, t))
            if truth is not None:
                truth[(site.id, target.number, t)] = i
        elif target is not None and target.number is not None:
            target.misses += 1
            if target.misses >= noise.lost_after_misses and target.last is not None:
                lines.append(_line(site, target.number, target.last, "L", t))
                state.used.discard(target.number)
                target.number = None
    lines += _clutter(state, t, noise, rng)
    return lines


def _clutter(state: _RadarState, t: float, noise: RadarNoise, rng: random.Random) -> list[str]:
    lines: list[str] = []
    if rng.random() < noise.clutter_per_scan:
        state.clutter.append(
            _Clutter(
                state.acquire(),
                rng.uniform(0.3, noise.clutter_max_nm) * NM,
                rng.uniform(0, 360),
                rng.randint(1, 5),
            )
        )
    for c in list(state.clutter):
        c.left -= 1
        values = (c.range_m + rng.gauss(0, 30), c.bearing + rng.gauss(0, 1), 0.3, 0.0)
        lines.append(_line(state.site, c.number, values, "L" if c.left <= 0 else "Q", t))
        if c.left <= 0:
            state.clutter.remove(c)
            state.used.discard(c.number)
    return lines


def _truth(track: Track, t: float, fault: GpsFault | None) -> Coord | None:
    """Where the vessel really is: its track, silent legs included (AIS off is not
    invisible), shifted by a GPS fault's offset (the AIS reports the track)."""
    leg = track.leg_at(t)
    if leg is None or leg.absent:
        return None
    span = leg.t1 - leg.t0
    f = (t - leg.t0) / span if span > 0 else 0.0
    lon = leg.start[0] + (leg.end[0] - leg.start[0]) * f
    lat = leg.start[1] + (leg.end[1] - leg.start[1]) * f
    if fault is not None:
        d = fault.offset_m(t)
        if d:
            rad = math.radians(fault.bearing)
            lat += d * math.cos(rad) / M_PER_DEG
            lon += d * math.sin(rad) / (M_PER_DEG * math.cos(math.radians(lat)))
    return (lon, lat)


def _range_bearing(site: SimRadar, p: Coord) -> tuple[float, float]:
    dx = (p[0] - site.lon) * M_PER_DEG * math.cos(math.radians(site.lat))
    dy = (p[1] - site.lat) * M_PER_DEG
    return math.hypot(dx, dy), math.degrees(math.atan2(dx, dy)) % 360.0


def _motion(a: Coord, b: Coord, dt: float) -> tuple[float, float]:
    dx = (b[0] - a[0]) * M_PER_DEG * math.cos(math.radians(b[1]))
    dy = (b[1] - a[1]) * M_PER_DEG
    return math.hypot(dx, dy) / dt * 3600 / NM, math.degrees(math.atan2(dx, dy)) % 360.0


def _noisy(
    rb: tuple[float, float], motion: tuple[float, float], n: RadarNoise, rng: random.Random
) -> tuple[float, float, float, float]:
    rng_m = max(0.0, rb[0] + rng.gauss(0, n.range_sigma_m + n.range_sigma_ratio * rb[0]))
    bearing = (rb[1] + rng.gauss(0, n.bearing_sigma_deg)) % 360.0
    speed = max(0.0, motion[0] + rng.gauss(0, n.speed_sigma_kn))
    course = (motion[1] + rng.gauss(0, n.course_sigma_deg)) % 360.0
    return rng_m, bearing, speed, course


def _line(
    site: SimRadar, number: int, v: tuple[float, float, float, float], status: str, t: float
) -> str:
    hms = datetime.fromtimestamp(t, UTC).strftime("%H%M%S.00")
    if site.sentence == "TLL":
        lat, lon = _position(site, v[0], v[1])
        body = f"RATLL,{number:02d},{_ddmm(lat, 2, 'NS')},{_ddmm(lon, 3, 'EW')},,{hms},{status},"
    else:
        body = (
            f"RATTM,{number:02d},{v[0] / NM:.3f},{v[1]:.1f},T,{v[2]:.1f},{v[3]:.1f},T,,,N,,"
            f"{status},,{hms},A"
        )
    tag = f"s:{site.id},c:{int(t)}"
    return f"\\{tag}*{_xor(tag):02X}\\${body}*{_xor(body):02X}"


def _position(site: SimRadar, range_m: float, bearing: float) -> tuple[float, float]:
    rad = math.radians(bearing)
    lat = site.lat + range_m * math.cos(rad) / M_PER_DEG
    lon = site.lon + range_m * math.sin(rad) / (M_PER_DEG * math.cos(math.radians(site.lat)))
    return lat, lon


def _ddmm(value: float, digits: int, hemispheres: str) -> str:
    h = hemispheres[0] if value >= 0 else hemispheres[1]
    value = abs(value)
    degrees = int(value)
    minutes = (value - degrees) * 60
    if round(minutes, 4) >= 60:
        degrees, minutes = degrees + 1, 0.0
    return f"{degrees:0{digits}d}{minutes:07.4f},{h}"


def _xor(text: str) -> int:
    x = 0
    for c in text.encode("ascii"):
        x ^= c
    return x
