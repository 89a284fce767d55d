"""speeding: SOG above a speed_limit zone's limit plus tolerance, for a minimum time.

Hysteresis on speed: the offence starts above limit + tolerance and ends only at or below
the limit itself, so a vessel hovering around the threshold does not flicker.
"""

from __future__ import annotations

from services.alerts.model import Observation, Rule
from services.alerts.rules.emit import active_zones, ended, held
from services.alerts.thresholds import Thresholds
from services.alerts.track import Track
from services.alerts.zones import ZoneIndex
from services.core.types import CellPosition

SPEEDING = Rule.SPEEDING.value


def check_speeding(
    track: Track,
    pos: CellPosition,
    zones: ZoneIndex,
    hits: tuple[int, ...],
    out: list[Observation],
) -> None:
    inside: set[str] = set()
    for zone, th in zones.of_kind(hits, "speed_limit"):
        if zone.max_speed_kn is None:
            continue
        inside.add(zone.id)
        _in_zone(track, pos, zone.id, zone.max_speed_kn, th, out)
    for key in [k for k in track.since if k[0] == SPEEDING and k[1] not in inside]:
        del track.since[key]
    for zone_id in active_zones(track, SPEEDING):
        if zone_id not in inside:
            ended(track, SPEEDING, pos, out, zone_id)


def _in_zone(
    track: Track,
    pos: CellPosition,
    zone_id: str,
    limit: float,
    th: Thresholds,
    out: list[Observation],
) -> None:
    speed = pos.speed
    key = (SPEEDING, zone_id)
    if speed is not None and speed > limit + th.speeding_tolerance_kn:
        since = track.since.setdefault(key, pos.ts)
        if pos.ts - since >= th.speeding_min_duration_s:
            details = {"speed_kn": speed, "limit_kn": limit, "since": since}
            out.append(held(track, SPEEDING, pos, zone=zone_id, details=details))
    elif speed is None or speed <= limit:
        track.since.pop(key, None)
        ended(track, SPEEDING, pos, out, zone_id)
