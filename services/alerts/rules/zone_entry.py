"""zone_entry and predicted_entry: restricted zones, and waterworks zones while active."""

from __future__ import annotations

from services.alerts.model import Observation, Rule, Severity
from services.alerts.rules.emit import active_zones, ended, held
from services.alerts.track import Track
from services.alerts.zones import ZoneIndex
from services.core.types import CellPosition

ZONE_ENTRY = Rule.ZONE_ENTRY.value
PREDICTED_ENTRY = Rule.PREDICTED_ENTRY.value

# (zone index, seconds until the vessel's course and speed take it in)
Prediction = tuple[int, float]


def check_zone_entry(
    track: Track,
    pos: CellPosition,
    zones: ZoneIndex,
    hits: tuple[int, ...],
    out: list[Observation],
) -> None:
    """Active while inside an entry zone in force; ended once clear of it by the margin."""
    inside: set[str] = set()
    for z in hits:
        zone = zones.zones[z]
        if zones.is_entry[z] and zone.is_active(pos.ts):
            inside.add(zone.id)
            details = {"kind": zone.kind, "name": zone.name}
            out.append(held(track, ZONE_ENTRY, pos, zone=zone.id, details=details))
    for zone_id in active_zones(track, ZONE_ENTRY):
        if zone_id in inside:
            continue
        index = zones.index.get(zone_id)
        expired = index is None or not zones.zones[index].is_active(pos.ts)
        margin = zones.thresholds[index].zone_entry_clear_m if index is not None else 0.0
        if expired or zones.left(zone_id, pos.lat, pos.lon, margin):
            ended(track, ZONE_ENTRY, pos, out, zone_id)


def check_predicted_entry(
    track: Track,
    pos: CellPosition,
    zones: ZoneIndex,
    predictions: list[Prediction],
    out: list[Observation],
) -> None:
    """Active while the vessel's course leads into an entry zone in force at arrival.

    Ends when the course no longer leads in, or when the vessel is in (zone_entry's turn).
    `predictions` come from `ZoneIndex.entries` over the whole batch (evaluator.py).
    """
    ahead: set[str] = set()
    for z, eta_s in predictions:
        zone = zones.zones[z]
        if not zone.is_active(pos.ts + eta_s) or (ZONE_ENTRY, zone.id) in track.active:
            continue
        ahead.add(zone.id)
        details = {"eta_s": round(eta_s, 1), "kind": zone.kind, "name": zone.name}
        out.append(
            held(
                track, PREDICTED_ENTRY, pos, zone=zone.id, severity=Severity.INFO.value,
                details=details,
            )
        )  # fmt: skip
    for zone_id in active_zones(track, PREDICTED_ENTRY):
        if zone_id not in ahead:
            ended(track, PREDICTED_ENTRY, pos, out, zone_id)
