"""`[cases]` of seagrid.toml: default deadlines, acknowledgement times, escalation delays,
patrol boats (docs/cases.md explains every default and why).

    [cases]
    sweep_interval_seconds = 30      # how often the escalation sweep runs
    patrol_contact_minutes = 10      # a patrol boat silent longer is "out of contact"
    patrol_service_speed_kn = 18     # for the time to reach of boats without their own
    provincial_channel = "province"  # a [[channels]] name; default [escalation]'s
    [cases.deadline_minutes]         # default deadline of a case, per priority
    critical = 120
    [cases.deadline_minutes_by_type.search_rescue]   # per type, overriding the above
    critical = 60
    [cases.ack_minutes]              # default time to acknowledge an instruction
    critical = 5
    [cases.centre_after_minutes]     # past a deadline: the office is told at once, the
    critical = 5                     # centre this much later...
    [cases.provincial_after_minutes] # ...and the province this much later (critical only)
    critical = 15

`[[patrol_vessels]]` (mmsi, name, office, optional `service_speed_kn`) are the boats that
cases are assigned to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.cases.model import CaseType, Priority

_P = Priority
# A case's default deadline. Critical: the same watch (2 h); high: the working day (8 h);
# normal: next day (24 h); low: within the week's patrol plan (72 h).
DEFAULT_DEADLINE: dict[str, float] = {
    _P.CRITICAL: 120.0,
    _P.HIGH: 480.0,
    _P.NORMAL: 1440.0,
    _P.LOW: 4320.0,
}
# Types that are faster by nature: a verification is a look at a vessel the map flagged; a
# search and rescue must be on scene within the hour (golden hour of survival in water).
DEFAULT_BY_TYPE: dict[str, dict[str, float]] = {
    CaseType.VERIFICATION: {_P.CRITICAL: 60.0, _P.HIGH: 240.0, _P.NORMAL: 720.0, _P.LOW: 1440.0},
    CaseType.SEARCH_RESCUE: {_P.CRITICAL: 60.0, _P.HIGH: 120.0, _P.NORMAL: 240.0, _P.LOW: 480.0},
    CaseType.POLLUTION: {_P.CRITICAL: 120.0, _P.HIGH: 240.0, _P.NORMAL: 720.0, _P.LOW: 1440.0},
}
# An instruction not acknowledged in this time is overdue. Critical matches the alerts'
# 5 min to the centre; a routine instruction waits for the next radio schedule (30-60 min).
DEFAULT_ACK: dict[str, float] = {_P.CRITICAL: 5.0, _P.HIGH: 10.0, _P.NORMAL: 30.0, _P.LOW: 60.0}
# Past the deadline the office hears at once (its own list shows it overdue); the centre's
# duty officers after this many more minutes, so an office has a moment to act first.
DEFAULT_CENTRE_AFTER: dict[str, float] = {
    _P.CRITICAL: 5.0,
    _P.HIGH: 15.0,
    _P.NORMAL: 30.0,
    _P.LOW: 60.0,
}
# Only critical cases leave the administration, ten minutes after the centre was told.
DEFAULT_PROVINCIAL_AFTER: dict[str, float] = {_P.CRITICAL: 15.0}
DEFAULT_SWEEP = 30.0
DEFAULT_CONTACT = 10.0
DEFAULT_SERVICE_SPEED = 18.0  # knots: a typical 海巡 patrol boat's cruising speed


class CaseConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class PatrolBoat:
    mmsi: int
    name: str
    office: str
    name_en: str | None = None
    service_speed_kn: float = DEFAULT_SERVICE_SPEED


@dataclass(frozen=True, slots=True)
class CasePolicy:
    deadline: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DEADLINE))
    by_type: dict[str, dict[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_BY_TYPE.items()}
    )
    ack: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ACK))
    centre_after: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CENTRE_AFTER))
    provincial_after: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_PROVINCIAL_AFTER)
    )
    sweep_interval: float = DEFAULT_SWEEP
    contact_minutes: float = DEFAULT_CONTACT
    service_speed_kn: float = DEFAULT_SERVICE_SPEED
    provincial_channel: str | None = None
    patrols: tuple[PatrolBoat, ...] = ()

    def deadline_seconds(self, case_type: str, priority: str) -> float:
        minutes = self.by_type.get(case_type, {}).get(priority, self.deadline[priority])
        return minutes * 60.0

    def ack_seconds(self, priority: str) -> float:
        return self.ack[priority] * 60.0

    def delays(self) -> list[tuple[str, str, float]]:
        """(level, priority, seconds past the deadline): office at once, centre, province."""
        out = [("office", p.value, 0.0) for p in Priority]
        out += [("centre", p, m * 60.0) for p, m in self.centre_after.items()]
        return out + [("provincial", p, m * 60.0) for p, m in self.provincial_after.items()]

    def patrol(self, mmsi: int) -> PatrolBoat | None:
        return next((p for p in self.patrols if p.mmsi == mmsi), None)

    @classmethod
    def from_sections(
        cls,
        sections: Mapping[str, Any],
        offices: frozenset[str] | None = None,
        channel_names: set[str] | None = None,
    ) -> CasePolicy:
        """The policy of `[cases]` and `[[patrol_vessels]]`; raises CaseConfigError with
        every problem (unknown priority or type, minutes < 0, centre after province...)."""
        table = sections.get("cases", {})
        problems: list[str] = []
        if not isinstance(table, dict):
            raise CaseConfigError(["cases: must be a table"])
        deadline = _minutes(table, "deadline_minutes", DEFAULT_DEADLINE, problems, positive=True)
        by_type = {k: dict(v) for k, v in DEFAULT_BY_TYPE.items()}
        raw_types = table.get("deadline_minutes_by_type", {})
        if not isinstance(raw_types, dict):
            problems.append("cases: deadline_minutes_by_type must be a table of types")
            raw_types = {}
        for case_type in raw_types:
            if case_type not in set(CaseType):
                problems.append(f"cases: deadline_minutes_by_type.{case_type}: unknown type")
                continue
            merged = dict(by_type.get(case_type, {}))
            merged.update(
                _minutes(raw_types, case_type, {}, problems, positive=True, where="by_type.")
            )
            by_type[case_type] = merged
        ack = _minutes(table, "ack_minutes", DEFAULT_ACK, problems, positive=True)
        centre = _minutes(table, "centre_after_minutes", DEFAULT_CENTRE_AFTER, problems)
        provincial = _minutes(table, "provincial_after_minutes", DEFAULT_PROVINCIAL_AFTER, problems)
        for priority, minutes in provincial.items():
            if minutes < centre.get(priority, 0.0):
                problems.append(
                    f"cases: provincial_after_minutes.{priority} is before the centre's"
                )
        sweep = _number(table, "sweep_interval_seconds", DEFAULT_SWEEP, problems)
        contact = _number(table, "patrol_contact_minutes", DEFAULT_CONTACT, problems)
        speed = _number(table, "patrol_service_speed_kn", DEFAULT_SERVICE_SPEED, problems)
        channel = table.get("provincial_channel")
        if channel is None:
            escalation = sections.get("escalation", {})
            channel = escalation.get("provincial_channel") if isinstance(escalation, dict) else None
        if channel is not None and (
            not isinstance(channel, str)
            or (channel_names is not None and channel not in channel_names)
        ):
            problems.append(f"cases: provincial_channel {channel!r} is not a [[channels]] name")
        patrols = _patrols(sections.get("patrol_vessels", []), offices, speed, problems)
        if problems:
            raise CaseConfigError(problems)
        return cls(
            deadline, by_type, ack, centre, provincial, sweep, contact, speed, channel, patrols
        )


def _minutes(
    table: Mapping[str, Any],
    key: str,
    default: Mapping[str, float],
    problems: list[str],
    *,
    positive: bool = False,
    where: str = "",
) -> dict[str, float]:
    value = table.get(key)
    out = {str(k): float(v) for k, v in default.items()}
    if value is None:
        return out
    if not isinstance(value, dict):
        problems.append(f"cases: {where}{key} must be a table of priority = minutes")
        return out
    for priority, minutes in value.items():
        if priority not in set(Priority):
            problems.append(f"cases: {where}{key}.{priority}: unknown priority")
        elif (
            isinstance(minutes, bool)
            or not isinstance(minutes, int | float)
            or minutes < 0
            or (positive and minutes == 0)
        ):
            bound = "> 0" if positive else ">= 0"
            problems.append(f"cases: {where}{key}.{priority} must be minutes {bound}")
        else:
            out[priority] = float(minutes)
    return out


def _number(table: Mapping[str, Any], key: str, default: float, problems: list[str]) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        problems.append(f"cases: {key} must be a positive number")
        return default
    return float(value)


def _patrols(
    entries: Any, offices: frozenset[str] | None, speed: float, problems: list[str]
) -> tuple[PatrolBoat, ...]:
    if not isinstance(entries, list):
        problems.append("patrol_vessels: must be an array of tables [[patrol_vessels]]")
        return ()
    out: list[PatrolBoat] = []
    for n, entry in enumerate(entries):
        label = f"patrol_vessels #{n + 1}"
        if not isinstance(entry, dict):
            problems.append(f"{label}: not a table")
            continue
        mmsi, office = entry.get("mmsi"), entry.get("office")
        if isinstance(mmsi, bool) or not isinstance(mmsi, int) or not 0 < mmsi < 1_000_000_000:
            problems.append(f"{label}: mmsi must be a 9-digit number")
            continue
        if not isinstance(office, str) or (offices is not None and office not in offices):
            problems.append(f"patrol_vessels {mmsi}: unknown office {office!r}")
            continue
        own = entry.get("service_speed_kn", speed)
        if isinstance(own, bool) or not isinstance(own, int | float) or own <= 0:
            problems.append(f"patrol_vessels {mmsi}: service_speed_kn must be a positive number")
            own = speed
        if any(p.mmsi == mmsi for p in out):
            problems.append(f"patrol_vessels {mmsi}: listed twice")
            continue
        name = entry.get("name")
        out.append(
            PatrolBoat(
                mmsi,
                name if isinstance(name, str) and name else str(mmsi),
                office,
                entry.get("name_en") if isinstance(entry.get("name_en"), str) else None,
                float(own),
            )
        )
    return tuple(out)
