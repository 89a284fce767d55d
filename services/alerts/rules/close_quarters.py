"""close_quarters: two vessels under way whose CPA and TCPA are both under the thresholds.

A pass looks at every vessel inside the jurisdiction that is under way (not anchored or
moored by status, faster than `close_quarters_min_speed_kn`) with a recent report, dead-
reckons each to the pass time, and finds the pairs from cpa.py. One alert per pair: the
lower MMSI is `mmsi`, the higher `other_mmsi`, the position is the lower MMSI's (CONTRACTS
§4). A pair ends once its CPA opens beyond `close_quarters_clear_factor` x the threshold,
the closest point is behind them, or either vessel stops or is no longer in the pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.alerts.cpa import candidate_pairs, cpa_tcpa, project, velocity
from services.alerts.geo import KNOT_MS, METRES_PER_DEGREE, NM
from services.alerts.model import Observation, Rule, Severity
from services.alerts.rules.emit import AGROUND, AT_ANCHOR, MOORED
from services.alerts.thresholds import Thresholds
from services.alerts.track import Track

CLOSE_QUARTERS = Rule.CLOSE_QUARTERS.value
_CRITICAL, _WARNING = Severity.CRITICAL.value, Severity.WARNING.value
_STOPPED_STATUS = frozenset({AT_ANCHOR, MOORED, AGROUND})


@dataclass(frozen=True, slots=True)
class Encounter:
    a: Track  # lower MMSI
    b: Track
    lat: float  # a's dead-reckoned position at the pass time
    lon: float
    cpa_m: float
    tcpa_s: float


def under_way(track: Track, now: float, th: Thresholds) -> bool:
    return (
        track.cell is not None
        and track.status not in _STOPPED_STATUS
        and track.speed is not None
        and track.course is not None
        and track.speed >= th.close_quarters_min_speed_kn
        and now - track.ts <= th.close_quarters_max_age_s
    )


@dataclass(frozen=True, slots=True)
class Encounters:
    """The pairs of one pass as arrays (indices into `moving`); iterate for `Encounter`s."""

    moving: list[Track]
    low: npt.NDArray[np.int64]
    high: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    cpa_m: npt.NDArray[np.float64]
    tcpa_s: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.low)

    def __iter__(self) -> Iterator[Encounter]:
        moving = self.moving
        columns = (self.low, self.high, self.lat, self.lon, self.cpa_m, self.tcpa_s)
        for a, b, lat, lon, cpa, tcpa in zip(*(c.tolist() for c in columns), strict=True):
            yield Encounter(moving[a], moving[b], lat, lon, cpa, tcpa)


_INT, _FLOAT = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
_NO_ENCOUNTERS = Encounters([], _INT, _INT, _FLOAT, _FLOAT, _FLOAT, _FLOAT)


def encounters(
    tracks: Iterable[Track], now: float, th: Thresholds, cpa_limit_m: float
) -> Encounters:
    """Pairs under way whose CPA <= cpa_limit_m within the TCPA threshold, at time `now`."""
    moving = [t for t in tracks if under_way(t, now, th)]
    n = len(moving)
    if n < 2:
        return _NO_ENCOUNTERS
    ages = np.fromiter((now - t.ts for t in moving), float, n)
    speed = np.fromiter((t.speed for t in moving), float, n)  # type: ignore[misc]
    course = np.fromiter((t.course for t in moving), float, n)  # type: ignore[misc]
    lat = np.fromiter((t.lat for t in moving), float, n)
    lon = np.fromiter((t.lon for t in moving), float, n)
    mmsi = np.fromiter((t.mmsi for t in moving), np.int64, n)
    x, y = project(lat, lon)
    vx, vy = velocity(speed, course)
    dx, dy = vx * ages, vy * ages  # dead reckoning to the pass time
    x, y = x + dx, y + dy
    i, j = candidate_pairs(x, y, vx, vy, th.close_quarters_tcpa_s, cpa_limit_m)
    cpa, tcpa = cpa_tcpa(x, y, vx, vy, i, j)
    relative = np.hypot(vx[j] - vx[i], vy[j] - vy[i])
    hit = (cpa <= cpa_limit_m) & (tcpa >= 0) & (tcpa <= th.close_quarters_tcpa_s)
    hit &= relative >= th.close_quarters_min_relative_kn * KNOT_MS
    i, j, cpa, tcpa = i[hit], j[hit], cpa[hit], tcpa[hit]
    low = np.where(mmsi[i] < mmsi[j], i, j)
    high = np.where(mmsi[i] < mmsi[j], j, i)
    dr_lat = lat[low] + dy[low] / METRES_PER_DEGREE
    dr_lon = lon[low] + dx[low] / (METRES_PER_DEGREE * np.cos(np.radians(lat[low])))
    return Encounters(moving, low, high, dr_lat, dr_lon, cpa, tcpa)


def observation(enc: Encounter, now: float, th: Thresholds, active: bool) -> Observation:
    a = enc.a
    cpa_nm = enc.cpa_m / NM
    severe = cpa_nm <= th.close_quarters_cpa_nm / 4 and enc.tcpa_s <= th.close_quarters_tcpa_s / 3
    details = {
        "cpa_nm": round(cpa_nm, 3),
        "tcpa_s": round(enc.tcpa_s, 1),
        "other_lat": enc.b.lat,
        "other_lon": enc.b.lon,
    }
    return Observation(
        CLOSE_QUARTERS, a.mmsi, now, active, enc.lat, enc.lon, a.cell, None, enc.b.mmsi,
        _CRITICAL if severe else _WARNING, details,
    )  # fmt: skip
