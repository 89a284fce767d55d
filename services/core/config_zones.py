"""Zones of `zones.geojson`: the rule areas and the parameters each kind needs.

A zone's extra properties beyond id, kind and name are kept in `Zone.params` (rule threshold
overrides, read by the alerts stage); only the parameters a kind cannot work without are
checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from shapely.geometry.base import BaseGeometry

ZONE_KINDS = (
    "restricted",
    "speed_limit",
    "no_anchoring",
    "anchorage",
    "waterworks",
    "sand_mining_ban",
    "fairway",
)

# The highest speed AIS can report (102.2 kn); a limit above it could never be exceeded.
MAX_SPEED_LIMIT_KN = 102.2


@dataclass(frozen=True)
class Zone:
    """A rule area. `active_from`/`active_to` are Unix seconds (waterworks only)."""

    id: str
    kind: str
    name: str
    geometry: BaseGeometry
    max_speed_kn: float | None = None
    active_from: float | None = None
    active_to: float | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def is_active(self, ts: float) -> bool:
        """Whether the zone applies at event time `ts` (active_from <= ts < active_to)."""
        if self.active_from is not None and ts < self.active_from:
            return False
        return not (self.active_to is not None and ts >= self.active_to)


def zone_params(kind: str, props: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Keyword arguments for `Zone` from a feature's properties, and the problems found."""
    params: dict[str, Any] = {
        "params": {k: v for k, v in props.items() if k not in ("id", "kind", "name")}
    }
    problems: list[str] = []
    if kind == "speed_limit":
        limit = props.get("max_speed_kn")
        if not _number(limit) or not 0 < limit <= MAX_SPEED_LIMIT_KN:
            problems.append(
                f"speed_limit zone needs max_speed_kn, a number of knots in "
                f"(0, {MAX_SPEED_LIMIT_KN}], got {limit!r}"
            )
        else:
            params["max_speed_kn"] = float(limit)
    if kind == "waterworks":
        params.update(_active_period(props, problems))
    return params, problems


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _active_period(props: dict[str, Any], problems: list[str]) -> dict[str, float]:
    times: dict[str, float] = {}
    for key in ("active_from", "active_to"):
        value = props.get(key)
        stamp = parse_iso8601(value) if isinstance(value, str) else None
        if stamp is None:
            problems.append(
                f"waterworks zone needs {key} as an ISO-8601 time with a UTC offset "
                f"(e.g. 2026-03-01T08:00:00+08:00 or 2026-03-01T00:00:00Z), got {value!r}"
            )
        else:
            times[key] = stamp
    if len(times) == 2 and times["active_from"] >= times["active_to"]:
        problems.append("active_from must be before active_to")
    return times


def parse_iso8601(text: str) -> float | None:
    """Unix seconds for an ISO-8601 time with a UTC offset; None otherwise.

    A time without an offset is refused rather than guessed: taken as UTC it would be eight
    hours off for an operator writing Beijing time, and taken as local time it would mean
    something different on every server.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()
