"""Escalation: an alert nobody acknowledges goes up the chain.

An alert still `open` (not acknowledged, resolved or dismissed) some minutes after it was
raised is escalated to the centre; critical ones still open later go on to the provincial
centre, through a configured delivery channel. Each escalation is recorded once per level
in the store (several dispatchers may run: the store's unique (alert, level) decides which
one escalates) and comes out as an ESCALATED `AlertChange` for the bus and the channels.

An alert that cleared on its own is still escalated to the centre if nobody acknowledged
it (the vessel left the restricted zone, but an officer still has to look at why it went
in), and no further: a situation that has ended is the administration's to review, not an
emergency for the provincial centre.

Configuration, `[escalation]` in seagrid.toml (all optional; docs/alerts-delivery.md):

    [escalation]
    interval_seconds = 15
    provincial_channel = "province"       # a [[channels]] name
    [escalation.centre_after_minutes]
    info = 60
    warning = 15
    critical = 5
    [escalation.provincial_after_minutes]
    critical = 15
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.alerts.model import AlertChange, Change, Severity
from services.alerts.store_api import AlertStore

log = logging.getLogger(__name__)

CENTRE = "centre"
PROVINCIAL = "provincial"

# Minutes an alert may stay unacknowledged. Critical (distress, ...) is the time a duty
# officer needs to see and take a call, not more: SAR response starts from acknowledgement.
# Warning matches the 15-minute AIS-loss threshold operators already work with; info, one
# look per hour.
DEFAULT_CENTRE_AFTER = {
    Severity.INFO.value: 60.0,
    Severity.WARNING.value: 15.0,
    Severity.CRITICAL.value: 5.0,
}
# Only critical alerts leave the administration: ten minutes after the centre was told.
DEFAULT_PROVINCIAL_AFTER = {Severity.CRITICAL.value: 15.0}
DEFAULT_INTERVAL = 15.0  # seconds: small against the shortest escalation time


class EscalationConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    centre_after: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CENTRE_AFTER))
    provincial_after: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_PROVINCIAL_AFTER)
    )
    interval: float = DEFAULT_INTERVAL
    provincial_channel: str | None = None

    def levels(self) -> list[tuple[str, str, float]]:
        """(level, severity, seconds after raising), centre before provincial."""
        out = [(CENTRE, s, m * 60.0) for s, m in self.centre_after.items()]
        return out + [(PROVINCIAL, s, m * 60.0) for s, m in self.provincial_after.items()]

    @classmethod
    def from_sections(
        cls, sections: Mapping[str, Any], channel_names: set[str] | None = None
    ) -> EscalationPolicy:
        """The policy of seagrid.toml's `[escalation]`; raises EscalationConfigError listing
        every problem (unknown severity, negative minutes, provincial before centre, a
        provincial_channel that is not a [[channels]] name)."""
        table = sections.get("escalation", {})
        if not isinstance(table, dict):
            raise EscalationConfigError(["escalation: must be a table"])
        problems: list[str] = []
        centre = _minutes(table, "centre_after_minutes", DEFAULT_CENTRE_AFTER, problems)
        provincial = _minutes(table, "provincial_after_minutes", DEFAULT_PROVINCIAL_AFTER, problems)
        for severity, minutes in provincial.items():
            if severity in centre and minutes < centre[severity]:
                problems.append(
                    f"escalation: provincial_after_minutes.{severity} is before the centre's"
                )
        interval = table.get("interval_seconds", DEFAULT_INTERVAL)
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
            problems.append("escalation: interval_seconds must be a positive number")
            interval = DEFAULT_INTERVAL
        channel = table.get("provincial_channel")
        if channel is not None and (
            not isinstance(channel, str)
            or (channel_names is not None and channel not in channel_names)
        ):
            problems.append(
                f"escalation: provincial_channel {channel!r} is not a [[channels]] name"
            )
        if problems:
            raise EscalationConfigError(problems)
        return cls(centre, provincial, float(interval), channel)


def _minutes(
    table: dict[str, Any], key: str, default: dict[str, float], problems: list[str]
) -> dict[str, float]:
    value = table.get(key)
    if value is None:
        return dict(default)
    if not isinstance(value, dict):
        problems.append(f"escalation: {key} must be a table of severity = minutes")
        return dict(default)
    out: dict[str, float] = {}
    for severity, minutes in value.items():
        if severity not in set(Severity):
            problems.append(f"escalation: {key}.{severity}: unknown severity")
        elif isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 0:
            problems.append(f"escalation: {key}.{severity} must be minutes >= 0")
        else:
            out[severity] = float(minutes)
    return out


class Escalator:
    """Escalates overdue alerts of a store; `check(now)` is called on a clock."""

    def __init__(self, store: AlertStore, policy: EscalationPolicy, centre_id: str) -> None:
        self.store, self.policy, self.centre_id = store, policy, centre_id

    async def check(self, now: float) -> list[AlertChange]:
        """Escalate what is due at `now`; the ESCALATED changes, in order."""
        changes: list[AlertChange] = []
        for level, severity, delay in self.policy.levels():
            overdue = await self.store.unacknowledged(
                now - delay,
                severity=severity,
                not_escalated_to=level,
                include_cleared=level == CENTRE,
            )
            for alert in overdue:
                updated = await self.store.record_escalation(
                    alert.id, level, self._target(level), now
                )
                if updated is None:
                    continue  # another dispatcher escalated it first
                note = f"to {level}: unacknowledged for {delay / 60:g} min"
                changes.append(AlertChange(Change.ESCALATED.value, updated, now, None, note))
        if changes:
            log.info("escalated %d alert(s)", len(changes))
        return changes

    def _target(self, level: str) -> str:
        if level == CENTRE:
            return self.centre_id
        return self.policy.provincial_channel or PROVINCIAL
