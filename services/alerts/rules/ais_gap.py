"""ais_gap: a vessel inside the jurisdiction stops reporting for longer than it should.

How long is "longer than it should" depends on what it was doing: ITU-R M.1371-5 Table 1
sets the reporting interval by class and speed (class A: 3 min at anchor or moored and
slow, 10 s up to 14 kn, 6 s up to 23 kn, 2 s above; class B "SO": 3 min below 2 kn, 30 s,
15 s, 5 s; long-range type 27: 3 min). Terrestrial reception loses many single reports, so
the gap threshold is never below `ais_gap_min_s` and at least `ais_gap_missed_reports`
intervals. Poor coverage and the edge of the jurisdiction are checked by the evaluator
(coverage.py, jurisdiction boundary), which knows them.
"""

from __future__ import annotations

from services.alerts.rules.emit import AT_ANCHOR, MOORED
from services.alerts.thresholds import Thresholds

_CLASS_B = frozenset({18, 19})
_SLOW = 180.0


def expected_interval_s(msg_type: int, speed: float | None, status: int | None) -> float:
    """The nominal reporting interval (s) of a station sending `msg_type` at `speed`."""
    if msg_type == 27:
        return _SLOW
    if msg_type in _CLASS_B:
        return _band(speed, 2.0, (_SLOW, 30.0, 15.0, 5.0))
    if status in (AT_ANCHOR, MOORED) and (speed is None or speed <= 3.0):
        return _SLOW
    return _band(speed, -1.0, (_SLOW, 10.0, 6.0, 2.0))


def _band(speed: float | None, slow_kn: float, intervals: tuple[float, ...]) -> float:
    if speed is None:
        return intervals[1]
    if speed <= slow_kn:
        return intervals[0]
    if speed <= 14.0:
        return intervals[1]
    return intervals[2] if speed <= 23.0 else intervals[3]


def gap_threshold_s(expected_s: float, th: Thresholds) -> float:
    return max(th.ais_gap_min_s, th.ais_gap_missed_reports * expected_s)


def in_time(interval_s: float, expected_s: float) -> bool:
    """Whether a report followed the previous one as a covered area allows (coverage.py).

    Three intervals (two lost reports, common even in good coverage) or one minute.
    """
    return interval_s <= max(60.0, 3.0 * expected_s)
