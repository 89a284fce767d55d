"""Simulated encounters for the association tests: vessels with AIS, one shore radar with
ARPA noise (services/sim/radar.py), and the ground truth of every radar report."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from services.core.types import CellPosition
from services.ingest.framing import parse_line
from services.radar.config import FusionSettings, RadarConfig, RadarSite
from services.radar.nmea import RadarReport
from services.sim.geo import Coord, offset
from services.sim.radar import RadarNoise, SimRadar, radar_lines
from services.sim.track import UNDER_WAY, Track, TrackBuilder

T0 = 1772409600.0
SITE = SimRadar("vts-test", 24.53, 118.575, 12.0)
SCAN_S = 10.0


def radar_config(**settings: float) -> RadarConfig:
    site = RadarSite(SITE.id, "test radar", SITE.lat, SITE.lon, SITE.range_nm)
    return RadarConfig({site.id: site}, FusionSettings(**settings))  # type: ignore[arg-type]


def _at(east_km: float, north_km: float) -> Coord:
    lat = SITE.lat + north_km / 111.12
    return (SITE.lon + east_km / (111.12 * math.cos(math.radians(SITE.lat))), lat)


def _through(centre: Coord, course: float, knots: float, meet_s: float, span_s: float) -> Track:
    """A straight run on `course` that passes `centre` at T0 + meet_s."""
    before = knots * meet_s / 3600.0
    start = offset(centre, course + 180.0, before)
    end = offset(centre, course, knots * (span_s - meet_s) / 3600.0)
    return TrackBuilder(T0, start).sail([end], lambda *_: knots, UNDER_WAY).build()


def crossings(pairs: int, span_s: float) -> list[Track]:
    """Pairs on collision courses at right angles: both at one point at the same time."""
    out = []
    for k in range(pairs):
        centre = _at(-6.0 + 3.0 * (k % 5), -2.0 - 3.0 * (k // 5))
        out += [_through(centre, 90.0, 10.0, span_s / 2, span_s)]
        out += [_through(centre, 0.0, 10.0, span_s / 2, span_s)]
    return out


def overtakings(pairs: int, span_s: float, lateral_nm: float = 0.06) -> list[Track]:
    """Same course, 12 kn passing 8 kn about 110 m abeam halfway through."""
    out = []
    for k in range(pairs):
        centre = _at(-6.0 + 3.0 * (k % 5), 6.0 + 3.0 * (k // 5))
        out += [_through(centre, 45.0, 12.0, span_s / 2, span_s)]
        out += [_through(offset(centre, 135.0, lateral_nm), 45.0, 8.0, span_s / 2, span_s)]
    return out


@dataclass
class Scene:
    tracks: list[Track]
    mmsis: list[int | None]  # None: no AIS
    truth: dict[tuple[str, int, float], int]
    scans: list[tuple[float, list[RadarReport]]]


def scene(tracks: list[Track], seed: int, span_s: float, dark: int = 0) -> Scene:
    """`dark`: how many of the last tracks have no AIS."""
    truth: dict[tuple[str, int, float], int] = {}
    by_time: dict[float, list[RadarReport]] = defaultdict(list)
    noise = RadarNoise(scan_s=SCAN_S)
    sim = [(t, None) for t in tracks]
    for t, line in radar_lines(sim, [SITE], T0, T0 + span_s, seed, noise, truth=truth):
        report = parse_line(line.encode())
        assert isinstance(report, RadarReport), line
        by_time[t].append(report)
    mmsis: list[int | None] = [413000000 + i for i in range(len(tracks))]
    for i in range(len(tracks) - dark, len(tracks)):
        mmsis[i] = None
    return Scene(tracks, mmsis, truth, sorted(by_time.items()))


def ais_reports(s: Scene, seed: int, interval_s: float = 10.0) -> Iterator[CellPosition]:
    """Every AIS vessel's report every `interval_s` with 10 m GPS noise, in time order."""
    rng = random.Random(seed)
    t = T0
    while t <= T0 + s.scans[-1][0] - T0 + SCAN_S:
        for track, mmsi in zip(s.tracks, s.mmsis, strict=True):
            state = track.state_at(t)
            if mmsi is None or state is None:
                continue
            lat = state.lat + rng.gauss(0, 10) / 111120.0
            lon = state.lon + rng.gauss(0, 10) / 101000.0
            yield CellPosition(mmsi, t, lat, lon, "C-1", "office", state.sog, state.cog)
        t += interval_s
