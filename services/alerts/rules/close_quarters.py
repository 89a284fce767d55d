"""close_quarters: two vessels under way whose CPA and TCPA are both under the thresholds.

A pass looks at every vessel inside the jurisdiction that is under way (not anchored or
moored by status, faster than `close_quarters_min_speed_kn`) with a recent report, dead-
reckons each to the pass time, and finds the pairs from cpa.py. One alert per pair: the
lower MMSI is `mmsi`, the higher `other_mmsi`, the position is the lower MMSI's (CONTRACTS
§4). A pair ends once its CPA opens beyond `close_quarters_clear_factor` x the threshold,
the closest point is behind them, or either vessel stops or is no longer in the pass.

A zone may set its own `close_quarters_cpa_nm` / `close_quarters_tcpa_s` (a narrow channel
where meeting ships routinely pass at 0.3 nm). Each vessel gets the values of the zones its
dead-reckoned position is in, and a pair uses the larger of its two vessels' values: the
cautious choice, so a channel's smaller CPA applies only when both vessels are in the
channel, and a zone's larger CPA (a dangerous-goods berth) when either is.
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
from services.alerts.zones import ZoneIndex

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
    limit_m: float  # the pair's CPA threshold (zone overrides applied)
    horizon_s: float  # the pair's TCPA threshold


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
    limit_m: npt.NDArray[np.float64]
    horizon_s: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.low)

    def __iter__(self) -> Iterator[Encounter]:
        moving = self.moving
        columns = (self.lat, self.lon, self.cpa_m, self.tcpa_s, self.limit_m, self.horizon_s)
        for a, b, *values in zip(self.low.tolist(), self.high.tolist(), *(c.tolist() for c in columns), strict=True):  # fmt: skip
            yield Encounter(moving[a], moving[b], *values)


_INT, _FLOAT = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
_NO_ENCOUNTERS = Encounters([], _INT, _INT, *[_FLOAT] * 6)


def encounters(
    tracks: Iterable[Track],
    now: float,
    th: Thresholds,
    zones: ZoneIndex | None = None,
    reach: float = 1.0,
) -> Encounters:
    """Pairs under way, at time `now`, closing within their TCPA threshold to a CPA of at
    most `reach` x their CPA threshold (the engine asks with the clear factor as reach, to
    keep alerts open between threshold and clear distance).

    Thresholds are per pair: each vessel's from the zones it is in (`zones`; None = the
    global ones), the pair's the larger of the two, all as arrays (no loop over pairs).
    """
    moving = [t for t in tracks if under_way(t, now, th)]
    n = len(moving)
    if n < 2:
        return _NO_ENCOUNTERS
    ages = np.fromiter((now - t.ts for t in moving), float, n)
    speed = np.fromiter((t.speed for t in moving), float, n)
    course = np.fromiter((t.course for t in moving), float, n)
    lat = np.fromiter((t.lat for t in moving), float, n)
    lon = np.fromiter((t.lon for t in moving), float, n)
    mmsi = np.fromiter((t.mmsi for t in moving), np.int64, n)
    x, y = project(lat, lon)
    vx, vy = velocity(speed, course)
    dx, dy = vx * ages, vy * ages  # dead reckoning to the pass time
    x, y = x + dx, y + dy
    lon = lon + dx / (METRES_PER_DEGREE * np.cos(np.radians(lat)))
    lat = lat + dy / METRES_PER_DEGREE
    cpa_v, tcpa_v = vessel_limits(lon, lat, th, zones)
    i, j = candidate_pairs(x, y, vx, vy, float(tcpa_v.max()), float(cpa_v.max()) * reach)
    limit, horizon = np.maximum(cpa_v[i], cpa_v[j]), np.maximum(tcpa_v[i], tcpa_v[j])
    cpa, tcpa = cpa_tcpa(x, y, vx, vy, i, j)
    relative = np.hypot(vx[j] - vx[i], vy[j] - vy[i])
    hit = (cpa <= limit * reach) & (tcpa >= 0) & (tcpa <= horizon)
    hit &= relative >= th.close_quarters_min_relative_kn * KNOT_MS
    i, j = i[hit], j[hit]
    cpa, tcpa, limit, horizon = (v[hit] for v in (cpa, tcpa, limit, horizon))
    low = np.where(mmsi[i] < mmsi[j], i, j)
    high = np.where(mmsi[i] < mmsi[j], j, i)
    return Encounters(moving, low, high, lat[low], lon[low], cpa, tcpa, limit, horizon)


def vessel_limits(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    th: Thresholds,
    zones: ZoneIndex | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(CPA metres, TCPA seconds) per vessel: the global thresholds or its zones' own."""
    if zones is None:
        n = len(lon)
        return np.full(n, th.close_quarters_cpa_nm * NM), np.full(n, th.close_quarters_tcpa_s)
    cpa_nm = zones.threshold_at("close_quarters_cpa_nm", lon, lat, th.close_quarters_cpa_nm)
    tcpa = zones.threshold_at("close_quarters_tcpa_s", lon, lat, th.close_quarters_tcpa_s)
    return cpa_nm * NM, tcpa


def observation(enc: Encounter, now: float, active: bool) -> Observation:
    a = enc.a
    cpa_nm = enc.cpa_m / NM
    severe = enc.cpa_m <= enc.limit_m / 4 and enc.tcpa_s <= enc.horizon_s / 3
    details = {
        "cpa_nm": round(cpa_nm, 3),
        "tcpa_s": round(enc.tcpa_s, 1),
        "cpa_limit_nm": round(enc.limit_m / NM, 3),
        "tcpa_limit_s": round(enc.horizon_s, 1),
        "other_lat": enc.b.lat,
        "other_lon": enc.b.lon,
    }
    return Observation(
        CLOSE_QUARTERS, a.mmsi, now, active, enc.lat, enc.lon, a.cell, None, enc.b.mmsi,
        _CRITICAL if severe else _WARNING, details,
    )  # fmt: skip
