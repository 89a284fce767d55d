"""loitering: slow, wandering movement inside a sand_mining_ban zone for a dwell time.

"Slow" is below GFW's loitering speed (2 kn); it ends only once the vessel is under way
(3.5 kn). "Wandering" means it covered some path while slow: a vessel lying still in the
zone is the anchoring rules' business, a dredger working the bottom moves.
"""

from __future__ import annotations

from services.alerts.geo import distance_m
from services.alerts.model import Observation, Rule
from services.alerts.rules.emit import ended, held, under_way
from services.alerts.track import Track
from services.alerts.zones import ZoneIndex
from services.core.types import CellPosition

LOITERING = Rule.LOITERING.value


def check_loitering(
    track: Track,
    pos: CellPosition,
    zones: ZoneIndex,
    hits: tuple[int, ...],
    out: list[Observation],
) -> None:
    """`track` still holds the previous position: the step to `pos` adds to the path."""
    inside: set[str] = set()
    for zone, th in zones.of_kind(hits, "sand_mining_ban"):
        inside.add(zone.id)
        key = (LOITERING, zone.id)
        if pos.speed is not None and pos.speed < th.loitering_max_speed_kn:
            if key not in track.since:
                track.since[key] = pos.ts
                track.slow_path_m = 0.0
            else:
                track.slow_path_m += distance_m(track.lat, track.lon, pos.lat, pos.lon)
            since = track.since[key]
            if (
                pos.ts - since >= th.loitering_dwell_s
                and track.slow_path_m >= th.loitering_min_path_m
            ):
                details = {"since": since, "path_m": round(track.slow_path_m, 1)}
                out.append(held(track, LOITERING, pos, zone=zone.id, details=details))
        elif under_way(pos, th.underway_min_kn):
            track.since.pop(key, None)
            ended(track, LOITERING, pos, out, zone.id)
    for key in [k for k in track.since if k[0] == LOITERING and k[1] not in inside]:
        zone_id = key[1]
        index = zones.index.get(zone_id)
        margin = zones.thresholds[index].zone_entry_clear_m if index is not None else 0.0
        if zones.left(zone_id, pos.lat, pos.lon, margin):
            del track.since[key]
            ended(track, LOITERING, pos, out, zone_id)
