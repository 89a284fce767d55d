"""close_quarters: two vessels under way whose CPA and TCPA are both under the thresholds.

A pass looks at every vessel inside the jurisdiction that is under way (not anchored or
moored by status, faster than `close_quarters_min_speed_kn`) with a recent report, dead-
reckons each to the pass time, and finds the pairs from cpa.py. One alert per pair: the
lower MMSI is `mmsi`, the higher `other_mmsi`, the position is the lower MMSI's (CONTRACTS
§4). A pair ends once its CPA opens beyond `close_quarters_clear_factor` x the threshold,
the closest point is behind them, or either vessel stops or is no longer in the pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from services.alerts.cpa import candidate_pairs, cpa_tcpa, project, velocity
from services.alerts.geo import KNOT_MS, NM, offset
from services.alerts.model import Observation, Rule, Severity
from services.alerts.rules.emit import AGROUND, AT_ANCHOR, MOORED
from services.alerts.thresholds import Thresholds
from services.alerts.track import Track

CLOSE_QUARTERS = Rule.CLOSE_QUARTERS.value
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


def encounters(
    tracks: Iterable[Track], now: float, th: Thresholds, cpa_limit_m: float
) -> list[Encounter]:
    """Pairs under way whose CPA <= cpa_limit_m within the TCPA threshold, at time `now`."""
    moving = [t for t in tracks if under_way(t, now, th)]
    if len(moving) < 2:
        return []
    ages = np.fromiter((now - t.ts for t in moving), float, len(moving))
    speed = np.fromiter((t.speed for t in moving), float, len(moving))  # type: ignore[misc]
    course = np.fromiter((t.course for t in moving), float, len(moving))  # type: ignore[misc]
    lat = np.fromiter((t.lat for t in moving), float, len(moving))
    lon = np.fromiter((t.lon for t in moving), float, len(moving))
    x, y = project(lat, lon)
    vx, vy = velocity(speed, course)
    x, y = x + vx * ages, y + vy * ages  # dead reckoning to the pass time
    i, j = candidate_pairs(x, y, vx, vy, th.close_quarters_tcpa_s, cpa_limit_m)
    cpa, tcpa = cpa_tcpa(x, y, vx, vy, i, j)
    relative = np.hypot(vx[j] - vx[i], vy[j] - vy[i])
    hit = (cpa <= cpa_limit_m) & (tcpa >= 0) & (tcpa <= th.close_quarters_tcpa_s)
    hit &= relative >= th.close_quarters_min_relative_kn * KNOT_MS
    found = []
    for k in np.flatnonzero(hit).tolist():
        a, b = moving[i[k]], moving[j[k]]
        if a.mmsi > b.mmsi:
            a, b = b, a
        lat_a, lon_a = offset(
            a.lat, a.lon, a.course or 0.0, (a.speed or 0.0) * KNOT_MS * (now - a.ts)
        )
        found.append(Encounter(a, b, lat_a, lon_a, float(cpa[k]), float(tcpa[k])))
    return found


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
        Severity.CRITICAL.value if severe else Severity.WARNING.value, details,
    )  # fmt: skip
