"""anchoring_prohibited (no_anchoring zones) and anchor_drag (anchorages).

Both start from "stationary": navigational status at anchor or moored, or slower than the
stopped speed (MarineTraffic's 0.5 kn); many small craft never set their status. Both end
only once the vessel is truly under way again (above 3.5 kn, not at anchor by status):
between the two speeds a vessel swinging on its chain keeps its state.
"""

from __future__ import annotations

from services.alerts.geo import distance_m
from services.alerts.model import Observation, Rule
from services.alerts.rules.emit import ended, held, stationary, under_way
from services.alerts.thresholds import Thresholds
from services.alerts.track import Track
from services.alerts.zones import ZoneIndex
from services.core.types import CellPosition

ANCHORING = Rule.ANCHORING_PROHIBITED.value
ANCHOR_DRAG = Rule.ANCHOR_DRAG.value


def check_anchoring_prohibited(
    track: Track,
    pos: CellPosition,
    zones: ZoneIndex,
    hits: tuple[int, ...],
    out: list[Observation],
) -> None:
    """Active once stationary inside a no_anchoring zone for the dwell time."""
    inside: set[str] = set()
    for zone, th in zones.of_kind(hits, "no_anchoring"):
        inside.add(zone.id)
        key = (ANCHORING, zone.id)
        if stationary(pos, th.stopped_max_kn):
            since = track.since.setdefault(key, pos.ts)
            if pos.ts - since >= th.anchoring_dwell_s:
                details = {"since": since, "dwell_s": round(pos.ts - since, 1)}
                out.append(held(track, ANCHORING, pos, zone=zone.id, details=details))
        elif under_way(pos, th.underway_min_kn):
            track.since.pop(key, None)
            ended(track, ANCHORING, pos, out, zone.id)
    for key in [k for k in track.since if k[0] == ANCHORING and k[1] not in inside]:
        zone_id = key[1]
        index = zones.index.get(zone_id)
        margin = zones.thresholds[index].zone_entry_clear_m if index is not None else 0.0
        if zones.left(zone_id, pos.lat, pos.lon, margin):
            del track.since[key]
            ended(track, ANCHORING, pos, out, zone_id)


def check_anchor_drag(
    track: Track,
    pos: CellPosition,
    zones: ZoneIndex,
    hits: tuple[int, ...],
    th: Thresholds,
    out: list[Observation],
) -> None:
    """Active while an anchored vessel is further from its drop point than its swing radius.

    The drop point is the first stationary report inside an anchorage; a vessel dragging
    out of the anchorage is still followed (the anchor state is not tied to being inside).
    """
    if track.anchor is None:
        _drop(track, pos, zones, hits)
        return
    zone_id, dropped_at, lat, lon = track.anchor
    index = zones.index.get(zone_id)
    zth = zones.thresholds[index] if index is not None else th
    if under_way(pos, zth.underway_min_kn):
        track.anchor = None
        ended(track, ANCHOR_DRAG, pos, out, zone_id)
        return
    length = track.length_m if track.length_m is not None else zth.anchor_drag_default_length_m
    radius = zth.anchor_drag_swing_m + zth.anchor_drag_margin_m + length
    moved = distance_m(lat, lon, pos.lat, pos.lon)
    if moved > radius:
        details = {
            "distance_m": round(moved, 1),
            "radius_m": round(radius, 1),
            "anchored_at": dropped_at,
            "anchor_lat": lat,
            "anchor_lon": lon,
        }
        out.append(held(track, ANCHOR_DRAG, pos, zone=zone_id, details=details))
    else:
        ended(track, ANCHOR_DRAG, pos, out, zone_id)


def _drop(track: Track, pos: CellPosition, zones: ZoneIndex, hits: tuple[int, ...]) -> None:
    for z in hits:
        if zones.zones[z].kind == "anchorage" and stationary(
            pos, zones.thresholds[z].stopped_max_kn
        ):
            track.anchor = (zones.zones[z].id, pos.ts, pos.lat, pos.lon)
            return
