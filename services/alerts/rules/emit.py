"""Observations from rules, with the bookkeeping that makes "ended" be said once."""

from __future__ import annotations

from typing import Any

from services.alerts.model import Observation, Severity
from services.alerts.track import Track
from services.core.types import CellPosition

WARNING = Severity.WARNING.value
# navigational status (ITU-R M.1371): at anchor, moored, aground
AT_ANCHOR, MOORED, AGROUND = 1, 5, 6


def held(
    track: Track,
    rule: str,
    pos: CellPosition,
    *,
    zone: str | None = None,
    severity: str = WARNING,
    details: dict[str, Any] | None = None,
) -> Observation:
    """The condition holds at `pos`."""
    track.active.add((rule, zone or ""))
    return Observation(
        rule, pos.mmsi, pos.ts, True, pos.lat, pos.lon, pos.cell, zone, None, severity,
        details or {},
    )  # fmt: skip


def ended(
    track: Track, rule: str, pos: CellPosition, out: list[Observation], zone: str | None = None
) -> None:
    """Append an inactive observation when the condition was reported active, else nothing."""
    subject = (rule, zone or "")
    if subject in track.active:
        track.active.discard(subject)
        out.append(Observation(rule, pos.mmsi, pos.ts, False, pos.lat, pos.lon, pos.cell, zone))


def active_zones(track: Track, rule: str) -> list[str]:
    """Zone ids for which `rule` is currently reported active on this track."""
    return [subject for r, subject in track.active if r == rule]


def stationary(pos: CellPosition, stopped_max_kn: float) -> bool:
    """At anchor or moored by status, or slower than the stopped speed."""
    if pos.status in (AT_ANCHOR, MOORED):
        return True
    return pos.speed is not None and pos.speed < stopped_max_kn


def under_way(pos: CellPosition, underway_min_kn: float) -> bool:
    return pos.status not in (AT_ANCHOR, MOORED) and (
        pos.speed is not None and pos.speed > underway_min_kn
    )
