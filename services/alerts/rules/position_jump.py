"""position_jump: consecutive positions of one MMSI that imply an impossible speed.

A rejected position does not move the track and triggers no other rule (the caller drops
it). Two cases look alike at first and are told apart by what follows:
- two transmitters sharing an MMSI (or a spoofer) alternate: the track keeps following the
  first, every report from the other is rejected, and the alert stays active;
- the first fix was the bad one (or the vessel really reappeared far away after a gap that
  is short for the distance): the new positions agree with each other and nothing confirms
  the old track, so after `position_jump_reanchor` consistent ones the track moves there.
Positions are checked everywhere (a track must not be corrupted anywhere), but the alert is
only raised when either position is inside the jurisdiction: a satellite feed's jumps off
New Zealand are nobody's business here.
"""

from __future__ import annotations

from services.alerts.geo import KNOT_MS, distance_m
from services.alerts.model import Observation, Rule, Severity
from services.alerts.rules.emit import ended, held
from services.alerts.thresholds import Thresholds
from services.alerts.track import Track
from services.core.types import CellPosition, MmsiClass

POSITION_JUMP = Rule.POSITION_JUMP.value
# aircraft legitimately fly faster than any vessel
_EXEMPT = frozenset({MmsiClass.SAR_AIRCRAFT.value})


def implied_speed_kn(track: Track | CellPosition, pos: CellPosition) -> tuple[float, float]:
    """(metres, knots) from the earlier report to `pos`; at least 1 s apart (AIS resolution)."""
    metres = distance_m(track.lat, track.lon, pos.lat, pos.lon)
    return metres, metres / max(abs(pos.ts - track.ts), 1.0) / KNOT_MS


def check_position_jump(
    track: Track, pos: CellPosition, th: Thresholds, out: list[Observation]
) -> bool:
    """Whether `pos` is accepted; appends the jump observation when it is not."""
    metres, knots = implied_speed_kn(track, pos)
    plausible = (
        metres <= th.position_jump_min_distance_m
        or knots <= th.position_jump_max_speed_kn
        or pos.mmsi_class in _EXEMPT
    )
    if plausible:
        track.jump_candidate, track.jump_count = None, 0
        quiet = (
            track.last_jump_ts is None or pos.ts - track.last_jump_ts >= th.position_jump_quiet_s
        )
        if quiet:
            ended(track, POSITION_JUMP, pos, out)
        return True
    _follow_candidate(track, pos, th)
    if track.jump_count >= th.position_jump_reanchor:
        track.jump_candidate, track.jump_count = None, 0
        return True
    track.last_jump_ts = pos.ts
    if track.cell is not None or pos.cell is not None:
        out.append(_observation(track, pos, metres, knots))
    return False


def _follow_candidate(track: Track, pos: CellPosition, th: Thresholds) -> None:
    """Count how many rejected positions in a row agree with each other."""
    candidate = track.jump_candidate
    consistent = False
    if candidate is not None:
        metres, knots = implied_speed_kn(candidate, pos)
        consistent = (
            metres <= th.position_jump_min_distance_m or knots <= th.position_jump_max_speed_kn
        )
    track.jump_count = track.jump_count + 1 if consistent else 1
    track.jump_candidate = pos


def _observation(track: Track, pos: CellPosition, metres: float, knots: float) -> Observation:
    """At the last accepted position (CONTRACTS §4), the impossible one in the details."""
    where = CellPosition(track.mmsi, pos.ts, track.lat, track.lon, track.cell, None)
    details = {
        "implied_speed_kn": round(knots, 1),
        "distance_m": round(metres, 1),
        "rejected_lat": pos.lat,
        "rejected_lon": pos.lon,
        "rejected_ts": pos.ts,
        "last_ts": track.ts,
    }
    return held(track, POSITION_JUMP, where, severity=Severity.INFO.value, details=details)
