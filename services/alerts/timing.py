"""How long a condition must hold before it is an alert, and be gone before the alert clears.

The rules say *whether* a condition holds at a moment (with their own dwell times where the
behaviour itself is defined by duration, e.g. anchored for 10 minutes); the lifecycle adds
the two timings that keep flicker away from an operator:

- `min_duration_s`: the condition must be observed continuously this long before an alert
  is raised (a CPA that dips under the threshold in one pass only is not a meeting);
- `clear_after_s`: once the rule reports the condition gone, it must stay gone this long
  before the alert clears; if it comes back meanwhile, the same alert simply stays open (a
  vessel yawing on a zone boundary gives one alert, not one per swing).

Defaults per rule are below with their reasons. They can be overridden in seagrid.toml

    [lifecycle]
    update_interval_s = 60
    [lifecycle.close_quarters]
    min_duration_s = 60
    clear_after_s = 300

and per zone with the zone properties `min_duration_s` / `clear_after_s`, which apply to
every rule's alerts about that zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from services.alerts.model import Rule
from services.core.config import SeagridConfig


class TimingError(ValueError):
    """A `[lifecycle]` entry or zone timing property is unknown or not a duration."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class RuleTiming:
    min_duration_s: float = 0.0
    clear_after_s: float = 0.0


# (min_duration_s, clear_after_s) and why.
DEFAULT_TIMINGS: dict[str, RuleTiming] = {
    # Entering a restricted zone is the offence itself: raise on the first report inside.
    # The rule clears only 50 m outside; 2 min outside more (a dozen reports under way)
    # before clearing, so a vessel working along the boundary does not re-raise.
    Rule.ZONE_ENTRY: RuleTiming(0.0, 120.0),
    # A prediction rests on one COG, which yaws by tens of degrees in a swell: it must hold
    # for 30 s (several reports under way) before it is worth an operator's attention.
    Rule.PREDICTED_ENTRY: RuleTiming(30.0, 120.0),
    # The rule already requires 60 s above the limit; 2 min below it before clearing so
    # a vessel hovering at the limit gives one alert.
    Rule.SPEEDING: RuleTiming(0.0, 120.0),
    # Dwell times live in the rules (10 min, 30 min); a vessel that weighs anchor and drops
    # it again nearby within 5/10 min is the same case.
    Rule.ANCHORING_PROHIBITED: RuleTiming(0.0, 300.0),
    Rule.LOITERING: RuleTiming(0.0, 600.0),
    # One position beyond the radius may be GPS error: 60 s outside (class A at anchor
    # reports every 3 min, so in practice: the next report confirms it).
    Rule.ANCHOR_DRAG: RuleTiming(60.0, 600.0),
    # The threshold is the rule's; the contract says cleared when the vessel reports again.
    Rule.AIS_GAP: RuleTiming(0.0, 0.0),
    # Passes run every 30 s: two consecutive passes must agree before raising; a pair that
    # opens out (CPA > 1.5 x threshold, the rule's hysteresis) for 2 min clears.
    Rule.CLOSE_QUARTERS: RuleTiming(30.0, 120.0),
    # The rule waits for 10 quiet minutes itself before saying "no more jumps".
    Rule.POSITION_JUMP: RuleTiming(0.0, 0.0),
    # A watched vessel running along the jurisdiction's edge must not re-raise on every
    # crossing: out for 30 min before the alert clears.
    Rule.WATCHLIST: RuleTiming(0.0, 1800.0),
    # Never delay distress; a device that stops transmitting for 10 min clears.
    Rule.DISTRESS: RuleTiming(0.0, 600.0),
    # A suspended vessel under way: 30 s (two or three reports) so one SOG spike at its
    # berth is not "sailing"; it must lie still 10 min before the alert clears.
    Rule.SUSPENDED_MOVING: RuleTiming(30.0, 600.0),
    # Typhoon shelter: a vessel on its way into the shelter gets 5 minutes' grace.
    Rule.TYPHOON_SHELTER: RuleTiming(300.0, 600.0),
    # A neighbour's handover notice is raised as received; it clears when closed.
    Rule.NEIGHBOUR_NOTICE: RuleTiming(0.0, 0.0),
    # Radar rules (services/radar/rules.py) wait for their own durations (3 min unaccounted,
    # 1 min contradicted); a track that ARPA drops and re-acquires within a minute, or a
    # mismatch that dips under the distance for a few scans, is the same case.
    Rule.RADAR_ONLY: RuleTiming(0.0, 60.0),
    Rule.POSITION_MISMATCH: RuleTiming(0.0, 120.0),
}

# Seconds between UPDATED changes of an open alert (position, details); a severity increase
# goes out at once. Once a minute keeps the map current without one change per AIS report.
DEFAULT_UPDATE_INTERVAL_S = 60.0
# A pending condition whose active reports are further apart than this starts over: with no
# report for 15 min (a commercial tracker's "AIS lost") nothing says it held in between.
DEFAULT_PENDING_GAP_S = 900.0

_TIMING_KEYS = ("min_duration_s", "clear_after_s")


@dataclass(frozen=True, slots=True)
class AlertTiming:
    """Timings per rule, with per-zone overrides; built once from the configuration."""

    rules: dict[str, RuleTiming] = field(default_factory=lambda: dict(DEFAULT_TIMINGS))
    zones: dict[str, dict[str, float]] = field(default_factory=dict)
    update_interval_s: float = DEFAULT_UPDATE_INTERVAL_S
    pending_gap_s: float = DEFAULT_PENDING_GAP_S

    def for_alert(self, rule: str, zone: str | None) -> RuleTiming:
        timing = self.rules.get(rule, RuleTiming())
        override = self.zones.get(zone) if zone is not None else None
        return replace(timing, **override) if override else timing

    @classmethod
    def from_config(cls, config: SeagridConfig) -> AlertTiming:
        """Defaults, `[lifecycle]` of seagrid.toml, zone properties; raises TimingError."""
        problems: list[str] = []
        table = config.sections.get("lifecycle", {})
        if not isinstance(table, dict):
            raise TimingError(["[lifecycle] must be a table"])
        rules = dict(DEFAULT_TIMINGS)
        top: dict[str, float] = {}
        for key, value in table.items():
            if isinstance(value, dict):
                _rule_override(rules, key, value, problems)
            elif key in ("update_interval_s", "pending_gap_s"):
                top[key] = _duration(value, f"[lifecycle] {key}", problems)
            else:
                problems.append(f"[lifecycle]: unknown setting {key!r}")
        zones = {}
        for zone in config.zones:
            values = {k: zone.params[k] for k in _TIMING_KEYS if k in zone.params}
            if values:
                zones[zone.id] = {
                    k: _duration(v, f"zone {zone.id}: {k}", problems) for k, v in values.items()
                }
        if problems:
            raise TimingError(problems)
        return cls(rules=rules, zones=zones, **top)


def _rule_override(
    rules: dict[str, RuleTiming], name: str, values: dict[str, Any], problems: list[str]
) -> None:
    if name not in Rule.__members__.values():
        problems.append(f"[lifecycle.{name}]: unknown rule")
        return
    unknown = sorted(set(values) - set(_TIMING_KEYS))
    if unknown:
        problems.append(f"[lifecycle.{name}]: unknown setting(s) {', '.join(unknown)}")
    known = {
        k: _duration(v, f"[lifecycle.{name}] {k}", problems)
        for k, v in values.items()
        if k in _TIMING_KEYS
    }
    rules[name] = replace(rules.get(name, RuleTiming()), **known)


def _duration(value: Any, where: str, problems: list[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append(f"{where} must be a non-negative number of seconds, got {value!r}")
        return 0.0
    return float(value)
