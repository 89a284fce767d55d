"""Rule thresholds: documented defaults, `[rules]` overrides in seagrid.toml, per-zone overrides.

Every field below is a threshold an operator may want to tune; its default and the reason
for it are written next to it (docs/alerts-rules.md has the same table with sources). Names
are globally unique (prefixed by rule), so the same name works in three places:

    [rules]                      # seagrid.toml, flat ...
    speeding_tolerance_kn = 2.0
    [rules.close_quarters]       # ... or one table per rule, the prefix left out
    cpa_nm = 0.3

and as a property of a zone in zones.geojson (`"speeding_tolerance_kn": 0.5`), which applies
to that zone's rules only. A misspelt name is an error, not silently ignored: a threshold
that an operator believes is set but is not is worse than a failed start.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from services.core.config import SeagridConfig, Zone


class ThresholdError(ValueError):
    """A `[rules]` entry or zone property is unknown or has the wrong type."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class Thresholds:
    # --- shared vessel-state vocabulary (MarineTraffic: stopped < 0.5 kn, under way > 3.5 kn)
    stopped_max_kn: float = 0.5
    underway_min_kn: float = 3.5
    # --- zone_entry: leave by this much before the alert may clear, so a vessel yawing on
    # the boundary (GPS scatter ~10-30 m, antenna swing with the hull) does not flicker.
    zone_entry_clear_m: float = 50.0
    # --- predicted_entry: issue text default 10 min; below 2 kn a course over ground is
    # mostly noise (GFW's loitering speed), so no prediction is made from it.
    predicted_entry_horizon_s: float = 600.0
    predicted_entry_min_speed_kn: float = 2.0
    # --- speeding: AIS SOG has 0.1 kn resolution and GPS SOG noise of ~0.5 kn, so 1 kn of
    # tolerance; 60 s above the limit so a single SOG spike is not an offence.
    speeding_tolerance_kn: float = 1.0
    speeding_min_duration_s: float = 60.0
    # --- anchoring_prohibited: 10 min stationary; a vessel briefly stopped to wait for a
    # crossing is not anchoring, one that has dropped anchor stays far longer.
    anchoring_dwell_s: float = 600.0
    # --- anchor_drag: the AIS antenna swings around the anchor on a circle of chain scope
    # plus hull length, so the radius from the drop point is swing + LOA + a watch margin
    # (OpenCPN's anchor watch radius, 50 m, absorbs GPS error). Unknown LOA: 100 m.
    anchor_drag_swing_m: float = 150.0
    anchor_drag_margin_m: float = 50.0
    anchor_drag_default_length_m: float = 100.0
    # --- loitering: GFW loitering speed 2 kn; 30 min (GFW uses 1 h for transshipment, a
    # sand barge loads in less); 200 m of path so a vessel simply lying still is not
    # "wandering" (that is anchoring, another rule).
    loitering_max_speed_kn: float = 2.0
    loitering_dwell_s: float = 1800.0
    loitering_min_path_m: float = 200.0
    # --- ais_gap: between OpenCPN's lost target (8 min) and a commercial tracker's AIS loss
    # (15 min); never less than 5 expected intervals (ITU-R M.1371: 3 min at anchor).
    ais_gap_min_s: float = 600.0
    ais_gap_missed_reports: float = 5.0
    # coverage learning: a raster of this cell size (degrees, ~2 km), a cell counts as
    # covered once this many reports were followed by the next one "in time" this often
    ais_gap_coverage_cell_deg: float = 0.02
    ais_gap_coverage_min_reports: int = 20
    ais_gap_coverage_min_ratio: float = 0.8
    # no gap within this distance of the jurisdiction's edge: the vessel may have left
    ais_gap_edge_m: float = 3000.0
    # --- close_quarters: Signal K's CPA 1 nm / TCPA 10 min is for an own ship at sea; in a
    # port approach of hundreds of vessels 1 nm flags every routine meeting, so half of it.
    close_quarters_cpa_nm: float = 0.5
    close_quarters_tcpa_s: float = 600.0
    close_quarters_min_speed_kn: float = 1.0  # above GPS drift of a moored hull
    close_quarters_clear_factor: float = 1.5  # clear once CPA > 1.5 x the threshold
    close_quarters_interval_s: float = 30.0  # one full pass per 30 s of event time
    close_quarters_max_age_s: float = 180.0  # older positions are not dead-reckoned
    # pairs moving together (pair trawlers, a tug and its tow) keep their distance: below
    # this relative speed they are not closing on each other, so not an encounter
    close_quarters_min_relative_kn: float = 1.0
    # --- position_jump: faster than any surface vessel (HSC ~45 kn); 500 m so GPS scatter
    # over a 1 s interval is not a "jump"; 3 consistent positions re-anchor the track
    # (the first fix was the bad one); quiet 10 min before the alert clears.
    position_jump_max_speed_kn: float = 60.0
    position_jump_min_distance_m: float = 500.0
    position_jump_reanchor: int = 3
    position_jump_quiet_s: float = 600.0
    # --- watchlist: a vessel suspended from sailing (category `suspended`) "moves" above
    # 1 kn over ground: above the GPS drift of a hull at its berth or anchor (~0.5 kn).
    watchlist_suspended_moving_kn: float = 1.0

    @classmethod
    def from_config(cls, config: SeagridConfig) -> Thresholds:
        """Defaults overridden by seagrid.toml's `[rules]`; raises ThresholdError when wrong."""
        table = config.sections.get("rules", {})
        if not isinstance(table, dict):
            raise ThresholdError(["[rules] must be a table"])
        base = cls().with_overrides(_flatten(table), "[rules]")
        for zone in config.zones:
            base.for_zone(zone)  # fail at start, not on the first vessel in the zone
        return base

    def with_overrides(self, values: dict[str, Any], where: str) -> Thresholds:
        """A copy with `values` applied; every name must be a field of the right type."""
        problems: list[str] = []
        changes: dict[str, Any] = {}
        for name, value in values.items():
            default = _FIELDS.get(name)
            if default is None:
                problems.append(f"{where}: unknown threshold {name!r}")
            elif not _number(value) or value < 0:
                problems.append(f"{where}: {name} must be a non-negative number, got {value!r}")
            else:
                changes[name] = type(default)(value)
        if problems:
            raise ThresholdError(problems)
        return dataclasses.replace(self, **changes) if changes else self

    def for_zone(self, zone: Zone) -> Thresholds:
        """Thresholds for rules in `zone`: the zone's own properties win.

        Properties that are not thresholds (name_en, note...) are left alone, but one that
        starts like a threshold name and is none is reported as a typo.
        """
        overrides = {k: v for k, v in zone.params.items() if k.startswith(_RULE_PREFIXES)}
        if not overrides:
            return self
        global_only = sorted(overrides.keys() & _GLOBAL_ONLY)
        if global_only:
            where = f"zone {zone.id}"
            raise ThresholdError(
                [f"{where}: {k} applies to the whole pass, not a zone" for k in global_only]
            )
        return self.with_overrides(overrides, f"zone {zone.id}")


_FIELDS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(Thresholds)}
_RULE_PREFIXES = (
    "stopped_",
    "underway_",
    "zone_entry_",
    "predicted_entry_",
    "speeding_",
    "anchoring_",
    "anchor_drag_",
    "loitering_",
    "ais_gap_",
    "close_quarters_",
    "position_jump_",
    "watchlist_",
)


# Close quarters is one pass over all vessels: of its thresholds only the pair's CPA and
# TCPA can follow the zones the vessels are in (rules/close_quarters.py); the rest would be
# accepted on a zone and silently do nothing, which is the error `for_zone` exists to stop.
_GLOBAL_ONLY = frozenset(
    {
        "close_quarters_min_speed_kn",
        "close_quarters_clear_factor",
        "close_quarters_interval_s",
        "close_quarters_max_age_s",
        "close_quarters_min_relative_kn",
    }
)


# ais_gap and position_jump run one pass for every vessel, not per zone; these of their
# thresholds follow the vessel's own position, so a mode switched on for an area applies
# them there (services/alerts/modes.py `ModeState.at`). The coverage map's are learned once.
PER_VESSEL = frozenset(
    {
        "ais_gap_min_s",
        "ais_gap_missed_reports",
        "ais_gap_edge_m",
        "position_jump_max_speed_kn",
        "position_jump_min_distance_m",
        "position_jump_reanchor",
        "position_jump_quiet_s",
    }
)


def _flatten(table: dict[str, Any]) -> dict[str, Any]:
    """`[rules.speeding] tolerance_kn` -> `speeding_tolerance_kn`; flat keys kept."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            prefix = "anchoring" if key == "anchoring_prohibited" else key
            flat.update({f"{prefix}_{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
