"""Keeping background traffic clear of each other, as masters and the VTS do.

Real traffic does not steer into close quarters at random: a VTS spaces arrivals and
departures in a channel, ships on a lane keep their distance, fishing boats work apart.
The simulator draws start times and places at random, so each background plan is checked
against those already placed and redrawn (a few times at most) when it would come closer
than `cpa_nm` within `tcpa_s`. The check mirrors what the close_quarters rule sees: both
tracks sampled every `step_s`, straight-line CPA/TCPA from each sample, vessels under way
above `min_speed_kn` inside the jurisdiction, pairs closing at `min_relative_kn` or more.
Scripted situations are placed first and never redrawn: they are meant to meet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from services.sim.track import AT_ANCHOR, MOORED, Track

NM = 1852.0
KNOT = NM / 3600.0

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Motion:
    """A track sampled on the common clock: local metres, m/s, and whether it counts."""

    x: Array
    y: Array
    vx: Array
    vy: Array
    moving: npt.NDArray[np.bool_]


class Separation:
    """The sampled motion of every plan placed so far, and the test a new one must pass."""

    def __init__(
        self,
        start: float,
        end: float,
        area: BaseGeometry | None,
        cpa_nm: float = 0.6,
        tcpa_s: float = 600.0,
        step_s: float = 30.0,
        min_speed_kn: float = 1.0,
        min_relative_kn: float = 1.0,
    ) -> None:
        # 0.6 nm: a margin over the rule's 0.5 nm, since reports are sampled and jittered
        self.times = np.arange(start, end, step_s)
        self.area = area
        self.cpa_m = cpa_nm * NM
        self.tcpa_s = tcpa_s
        self.min_speed = min_speed_kn
        self.min_relative = min_relative_kn * KNOT
        self._lat0 = 24.8
        self._k = math.cos(math.radians(self._lat0)) * 60.0 * NM
        self._placed: list[Motion] = []

    def motion(self, track: Track) -> Motion:
        lon, lat, sog, cog, status, live = _sample(track, self.times)
        moving = live & (sog >= self.min_speed) & (status != AT_ANCHOR) & (status != MOORED)
        if self.area is not None and moving.any():
            moving &= shapely.contains_xy(self.area, lon, lat)
        rad = np.radians(cog)
        speed = sog * KNOT
        return Motion(
            x=lon * self._k,
            y=lat * 60.0 * NM,
            vx=speed * np.sin(rad),
            vy=speed * np.cos(rad),
            moving=moving,
        )

    def conflicts(self, m: Motion) -> int:
        """How many (placed plan, sample time) pairs would be a close-quarters situation."""
        if not self._placed or not m.moving.any():
            return 0
        x = np.stack([p.x for p in self._placed])
        y = np.stack([p.y for p in self._placed])
        vx = np.stack([p.vx for p in self._placed])
        vy = np.stack([p.vy for p in self._placed])
        both = np.stack([p.moving for p in self._placed]) & m.moving
        dx, dy = x - m.x, y - m.y
        dvx, dvy = vx - m.vx, vy - m.vy
        v2 = dvx * dvx + dvy * dvy
        with np.errstate(invalid="ignore", divide="ignore"):
            tcpa = np.where(v2 > 0, -(dx * dvx + dy * dvy) / v2, 0.0)
        cpa = np.hypot(dx + dvx * tcpa, dy + dvy * tcpa)
        hit = both & (v2 >= self.min_relative**2) & (tcpa >= 0) & (tcpa <= self.tcpa_s)
        hit &= cpa <= self.cpa_m
        return int(hit.sum())

    def place(self, m: Motion) -> None:
        self._placed.append(m)


def _sample(
    track: Track, times: Array
) -> tuple[Array, Array, Array, Array, Array, npt.NDArray[np.bool_]]:
    """Track.state_at for every time at once (zeros where the vessel sends nothing)."""
    legs = track.legs
    t0 = np.array([leg.t0 for leg in legs])
    t1 = np.array([leg.t1 for leg in legs])
    k = np.clip(np.searchsorted(t0, times, side="right") - 1, 0, len(legs) - 1)
    silent = np.array([leg.silent for leg in legs])
    live = (times >= t0[0]) & (times < t1[-1]) & ~silent[k]
    span = np.maximum(t1[k] - t0[k], 1e-9)
    f = np.clip((times - t0[k]) / span, 0.0, 1.0)
    x0, y0 = (np.array([leg.start[i] for leg in legs])[k] for i in (0, 1))
    x1, y1 = (np.array([leg.end[i] for leg in legs])[k] for i in (0, 1))
    lon = np.where(live, x0 + (x1 - x0) * f, 0.0)
    lat = np.where(live, y0 + (y1 - y0) * f, 0.0)
    sog = np.where(live, np.array([leg.sog for leg in legs])[k], 0.0)
    cog = np.array([leg.cog for leg in legs])[k]
    status = np.array([leg.status for leg in legs], dtype=float)[k]
    return lon, lat, sog, cog, status, live
