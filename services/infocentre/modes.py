"""Seasonal and weather modes (冬防, 雾防, 防台, 节假日): named rule sets.

A mode overrides rule thresholds (names of `services.alerts.thresholds.Thresholds`) and
switches rules off while it is active; the typhoon mode also adds the shelter rule
(`typhoon_shelter`: vessels of the configured AIS ship types outside a shelter anchorage).
Built-in modes below carry defaults with their reasons; `[[modes]]` tables in seagrid.toml
replace a built-in of the same name or add user-defined ones:

    [[modes]]
    name = "fog"
    label = "雾防"
    rules_off = ["loitering"]
    thresholds = { speeding_tolerance_kn = 0.0, close_quarters_cpa_nm = 1.0 }
    trigger = { visibility_below_m = 1000 }

A weather warning (`POST /api/weather`) switches on every mode whose trigger it meets, for
the warning's area and period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.infocentre.model import InfoError

SHELTER_RULE = "typhoon_shelter"
# Triggers a weather warning can meet: warning kind -> (trigger key, compare "below"/"min").
TRIGGERS = {
    "visibility": ("visibility_below_m", "below"),
    "wind": ("wind_force_min", "min"),
    "typhoon": ("typhoon_signal_min", "min"),
}


@dataclass(frozen=True)
class ModeSpec:
    name: str
    label: str
    label_en: str = ""
    thresholds: dict[str, float] = field(default_factory=dict)
    rules_off: frozenset[str] = frozenset()
    trigger: dict[str, float] = field(default_factory=dict)
    # AIS ship types (ITU-R M.1371 codes) that must be in a shelter in typhoon mode
    shelter_ship_types: frozenset[int] = frozenset()

    def triggered_by(self, kind: str, value: float) -> bool:
        found = TRIGGERS.get(kind)
        if found is None or found[0] not in self.trigger:
            return False
        limit = self.trigger[found[0]]
        return value < limit if found[1] == "below" else value >= limit

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "label_en": self.label_en,
            "thresholds": dict(self.thresholds),
            "rules_off": sorted(self.rules_off),
            "trigger": dict(self.trigger),
            "shelter_ship_types": sorted(self.shelter_ship_types),
        }


# Fishing (30), towing (31-32), dredging/underwater ops (33), pleasure (37), high-speed (40s)
# and the "other" (90s) small craft are the ones port typhoon plans send to shelter first.
SMALL_CRAFT = frozenset({30, 31, 32, 33, 37, *range(40, 50), *range(90, 100)})

BUILT_IN = (
    # Fog: visibility under 1 km (the usual port restriction threshold). Closer meetings
    # matter more when no one sees them: CPA 1 nm, TCPA 15 min; no speeding tolerance.
    # AIS is then the only picture of a vessel: one gone silent for 5 min (not 10) is one
    # nobody can see, and a position 300 m off (not 500) already puts it in another lane.
    ModeSpec(
        "fog", "雾防", "Fog",
        thresholds={
            "close_quarters_cpa_nm": 1.0, "close_quarters_tcpa_s": 900.0,
            "speeding_tolerance_kn": 0.0, "predicted_entry_horizon_s": 900.0,
            "ais_gap_min_s": 300.0, "position_jump_min_distance_m": 300.0,
        },
        trigger={"visibility_below_m": 1000.0},
    ),
    # Typhoon: from signal 1 or Beaufort 8. Anchors drag in a gale: a tighter watch margin,
    # and loitering is pointless to report while everything shelters. A small craft silent
    # for 5 min in a gale may have capsized (search and rescue wants to know early); a
    # jumping position hides where a dragging vessel really is, so 300 m counts.
    ModeSpec(
        "typhoon", "防台", "Typhoon",
        thresholds={
            "anchor_drag_margin_m": 20.0, "anchoring_dwell_s": 300.0,
            "ais_gap_min_s": 300.0, "position_jump_min_distance_m": 300.0,
        },
        rules_off=frozenset({"loitering"}),
        trigger={"typhoon_signal_min": 1.0, "wind_force_min": 8.0},
        shelter_ship_types=SMALL_CRAFT,
    ),
    # Winter (冬防, northerly gales): anchors drag; a faster AIS-gap watch (8 min, OpenCPN's
    # lost target) for the small craft that cold-water accidents take.
    ModeSpec(
        "winter", "冬防", "Winter",
        thresholds={"anchor_drag_margin_m": 30.0, "ais_gap_min_s": 480.0},
        trigger={"wind_force_min": 7.0},
    ),
    # Holidays: more passenger traffic, stricter speeding; a ferry or tour boat silent for
    # 8 min is one with passengers nobody follows.
    ModeSpec(
        "holiday", "节假日", "Holiday",
        thresholds={"speeding_tolerance_kn": 0.5, "ais_gap_min_s": 480.0},
    ),
)  # fmt: skip


def mode_specs(sections: dict[str, Any], threshold_names: frozenset[str]) -> dict[str, ModeSpec]:
    """Built-in modes with `[[modes]]` of seagrid.toml applied; raises InfoError."""
    specs = {m.name: m for m in BUILT_IN}
    tables = sections.get("modes", [])
    if not isinstance(tables, list):
        raise InfoError(["[[modes]] must be an array of tables"])
    problems: list[str] = []
    for n, table in enumerate(tables):
        try:
            spec = _spec(table, threshold_names)
        except InfoError as exc:
            problems += [f"[[modes]] entry {n}: {p}" for p in exc.problems]
            continue
        specs[spec.name] = spec
    if problems:
        raise InfoError(problems)
    return specs


def _spec(table: Any, threshold_names: frozenset[str]) -> ModeSpec:
    if not isinstance(table, dict) or not isinstance(table.get("name"), str):
        raise InfoError(["needs a name"])
    thresholds = table.get("thresholds", {})
    problems = [f"unknown threshold {k!r}" for k in thresholds if k not in threshold_names]
    problems += [
        f"threshold {k} must be a non-negative number"
        for k, v in thresholds.items()
        if not isinstance(v, int | float) or isinstance(v, bool) or v < 0
    ]
    trigger = table.get("trigger", {})
    known = {key for key, _ in TRIGGERS.values()}
    problems += [
        f"unknown trigger {k!r} (known: {sorted(known)})" for k in trigger if k not in known
    ]
    if problems:
        raise InfoError(problems)
    return ModeSpec(
        name=table["name"],
        label=str(table.get("label", table["name"])),
        label_en=str(table.get("label_en", "")),
        thresholds={k: float(v) for k, v in thresholds.items()},
        rules_off=frozenset(str(r) for r in table.get("rules_off", [])),
        trigger={k: float(v) for k, v in trigger.items()},
        shelter_ship_types=frozenset(int(t) for t in table.get("shelter_ship_types", [])),
    )
