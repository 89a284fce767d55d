"""What an alert store offers, and the pure rules both stores follow.

Two implementations: `store.PgAlertStore` (PostgreSQL, production) and
`memory_store.MemoryAlertStore` (the demo, which runs without a database). They pass the same
test suite, and the decisions that matter (how a change merges into the stored alert, which
operator transitions are allowed) live here, once, as pure functions.

Merging, because the bus delivers at least once and several producers write the same alert:
- an operator's decision is never undone by the pipeline: status only moves forward
  (open -> acknowledged -> resolved | false_alarm), whatever order changes arrive in;
- `cleared_at` is set once: a condition that comes back is a new alert with a new id;
- position, severity and details follow the pipeline (raised, updated, cleared);
- `escalated_to` only grows.
- `updated` changes (the pipeline's latest figures, at most one a minute) move the stored
  alert but add no history row: the case history keeps the changes a person acts on.
  An update that changes nothing is a duplicate.

Field reports (`report`): a crew's feedback from the scene is a history row of its own
(change `reported`, with actor, time and note), whatever the alert's status, so a report on
an alert someone else already closed is still recorded rather than refused. A report may also
move the status: one on an `open` alert acknowledges it (a crew on scene is someone on it, so
it must not escalate as unattended), and its `outcome` (resolved / false_alarm) closes the
case when the status allows; when it does not (already closed otherwise), the report is kept
and the refusal is returned beside it. Reports are idempotent on the client's report id.
"""

from __future__ import annotations

import base64
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from services.alerts.model import (
    ACTION_CHANGES,
    Action,
    Alert,
    AlertChange,
    Change,
    Severity,
    Silence,
    Status,
)
from services.core.text import text_problem

_RANK = {Status.OPEN: 0, Status.ACKNOWLEDGED: 1, Status.RESOLVED: 2, Status.FALSE_ALARM: 2}
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
_PIPELINE_FIELDS = {Change.RAISED, Change.UPDATED, Change.CLEARED}
MAX_PAGE = 1000
MAX_NOTE = 2000
MAX_REPORT_ID = 64
REPORT_OUTCOMES = {
    Status.RESOLVED.value: Action.RESOLVE,
    Status.FALSE_ALARM.value: Action.FALSE_ALARM,
}


class StoreError(Exception):
    """Base of the store's domain errors (the web maps them to HTTP in one place)."""


class AlertNotFound(StoreError):
    def __init__(self, alert_id: str) -> None:
        super().__init__(f"no alert {alert_id!r}")
        self.alert_id = alert_id


class InvalidTransition(StoreError):
    """An operator action that the alert's status does not allow (resolve a false alarm)."""

    def __init__(self, alert_id: str, status: str, action: str) -> None:
        super().__init__(f"alert {alert_id}: cannot {action} an alert that is {status}")
        self.alert_id, self.status, self.action = alert_id, status, action


class InvalidQuery(StoreError, ValueError):
    """A filter, cursor or silence that makes no sense (bad status, end before start...)."""


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters for listing alerts, newest `raised_at` first; every filter is optional.

    `since`/`until` bound `raised_at` (since <= raised_at < until). `active` True keeps the
    alerts whose condition still holds (not cleared), False the cleared ones. `cursor` is
    the `next_cursor` of the previous page.
    """

    status: tuple[str, ...] = ()
    office: str | None = None
    rule: str | None = None
    mmsi: int | None = None
    since: float | None = None
    until: float | None = None
    active: bool | None = None
    limit: int = 100
    cursor: str | None = None

    def __post_init__(self) -> None:
        for status in self.status:
            if status not in Status.__members__.values():
                raise InvalidQuery(f"unknown status {status!r}")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidQuery(f"limit must be between 1 and {MAX_PAGE}, not {self.limit}")
        if self.cursor is not None:
            decode_cursor(self.cursor)


@dataclass(frozen=True, slots=True)
class AlertPage:
    items: list[Alert]
    next_cursor: str | None  # None on the last page


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What `apply` did: `applied` (new state or history), `duplicate` (seen before: nothing
    to deliver again) or `merged` (a second open alert for a key, folded into `alert`)."""

    outcome: str
    alert: Alert

    @property
    def is_new(self) -> bool:
        return self.outcome == "applied"


@dataclass(frozen=True, slots=True)
class TransitionResult:
    """An operator action's result; `change` is None when the alert was already there."""

    alert: Alert
    change: AlertChange | None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One row of an alert's history."""

    alert_id: str
    change: str
    at: float
    status: str
    actor: str | None = None
    note: str | None = None
    report_id: str | None = None  # set on `reported` rows: the client's id of the report
    recorded_at: float | None = None  # server's wall clock when stored (the order of history)


@dataclass(frozen=True, slots=True)
class Report:
    """A field report (现场反馈) on an alert; `at` is wall-clock time of its arrival.

    `report_id` is chosen by the client once, when the report is written, so a report kept
    offline and sent again is recognised as the same report.
    """

    alert_id: str
    actor: str
    note: str
    at: float
    report_id: str
    outcome: str | None = None  # resolved | false_alarm


@dataclass(frozen=True, slots=True)
class ReportResult:
    """What `report` did. `changes` are the recorded changes in order (`reported` first,
    then the status change it caused, if any); empty when `duplicate`. `refused` says why
    the outcome was not applied, the report itself being recorded all the same."""

    alert: Alert
    changes: list[AlertChange]
    duplicate: bool = False
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    alert_id: str
    level: str  # "centre" or "provincial"
    target: str
    at: float
    severity: str


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """One attempt to deliver one change of an alert through one channel."""

    alert_id: str
    change: str
    channel: str
    attempt: int
    ok: bool
    at: float
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class AlertStore(Protocol):
    """Implemented by PgAlertStore and MemoryAlertStore (tests/alerts/test_store.py)."""

    async def apply(self, change: AlertChange) -> ApplyResult:
        """Record a change from the bus; idempotent (same change twice = `duplicate`)."""

    async def get(self, alert_id: str) -> Alert | None: ...

    async def list(self, query: AlertQuery) -> AlertPage: ...

    async def transition(
        self, alert_id: str, action: str, actor: str, at: float, note: str | None = None
    ) -> TransitionResult:
        """An operator's acknowledge/resolve/false_alarm. Raises AlertNotFound,
        InvalidTransition, or ValueError for an action that is not one of those."""

    async def report(self, report: Report) -> ReportResult:
        """Record a field report (see the module docstring). Raises AlertNotFound, and
        InvalidQuery for an empty or overlong note, a bad report id or an unknown outcome."""

    async def history(self, alert_id: str) -> builtins.list[ChangeRecord]: ...

    async def unacknowledged(
        self,
        raised_before: float,
        *,
        severity: str | None = None,
        not_escalated_to: str | None = None,
        include_cleared: bool = True,
        limit: int = 500,
    ) -> builtins.list[Alert]:
        """Alerts still `open` (nobody acknowledged them) raised at or before the time,
        oldest first; optionally of one severity and not yet escalated to a level (so
        alerts already escalated do not crowd the new ones out of `limit`), and without
        the ones whose situation has ended (`include_cleared=False`)."""

    async def record_escalation(
        self, alert_id: str, level: str, target: str, at: float
    ) -> Alert | None:
        """Escalate once per level: the updated alert, or None if already escalated."""

    async def escalations(self, alert_id: str) -> builtins.list[EscalationRecord]: ...

    async def record_delivery(self, receipt: DeliveryReceipt) -> None: ...

    async def deliveries(self, alert_id: str) -> builtins.list[DeliveryReceipt]: ...

    async def add_silence(self, silence: Silence) -> Silence:
        """Store a silence (same id again: the stored one is returned, unchanged)."""

    async def silences(
        self, mmsi: int | None = None, active_at: float | None = None
    ) -> builtins.list[Silence]:
        """Silences not deleted, optionally of one vessel and in force at a time."""

    async def delete_silence(self, silence_id: str, actor: str, at: float) -> bool:
        """True if it existed and was not already deleted."""


def merge(current: Alert, change: AlertChange) -> Alert:
    """The stored alert after `change` (see the module docstring for the rules)."""
    incoming = change.alert
    merged = current
    if change.change in _PIPELINE_FIELDS:
        merged = replace(
            merged,
            lat=incoming.lat,
            lon=incoming.lon,
            cell=incoming.cell,
            details=dict(incoming.details),
            severity=higher_severity(current.severity, incoming.severity),
        )
    if _RANK[Status(incoming.status)] > _RANK[Status(current.status)]:
        merged = replace(merged, status=incoming.status)
    if current.cleared_at is None and incoming.cleared_at is not None:
        merged = replace(merged, cleared_at=incoming.cleared_at)
    if change.change == Change.CLEARED and merged.cleared_at is None:
        merged = replace(merged, cleared_at=change.at)
    if merged.acknowledged_at is None and incoming.acknowledged_at is not None:
        merged = replace(
            merged,
            acknowledged_at=incoming.acknowledged_at,
            acknowledged_by=incoming.acknowledged_by,
        )
    extra = tuple(level for level in incoming.escalated_to if level not in merged.escalated_to)
    if extra:
        merged = replace(merged, escalated_to=merged.escalated_to + extra)
    return merged


def higher_severity(a: str, b: str) -> str:
    """Severity only rises while an alert is open: a downgrade would hide a critical alert."""
    return a if _SEVERITY_RANK[Severity(a)] >= _SEVERITY_RANK[Severity(b)] else b


def operator_status(alert: Alert, action: str) -> str | None:
    """The status `action` leads to, None if the alert is already there.

    Raises ValueError for an unknown action and InvalidTransition for a closed alert being
    moved to another closed status or back to acknowledged.
    """
    try:
        change = ACTION_CHANGES[Action(action)]
    except (ValueError, KeyError):
        raise ValueError(f"{action!r} is not an alert action") from None
    target = Status(change.value)
    current = Status(alert.status)
    if current == target:
        return None
    if _RANK[current] >= _RANK[target]:
        raise InvalidTransition(alert.id, alert.status, action)
    return target.value


def moved_by(alert: Alert, status: str, actor: str, at: float) -> Alert:
    """`alert` moved to `status` by a person at `at`: the first move out of `open` also
    records who and when (`acknowledged_at`, `acknowledged_by`), later ones keep them."""
    if alert.acknowledged_at is None and alert.status == Status.OPEN and status != Status.OPEN:
        return replace(alert, status=status, acknowledged_at=at, acknowledged_by=actor)
    return replace(alert, status=status)


def change_for(action: str) -> str:
    return ACTION_CHANGES[Action(action)].value


def check_note(note: str | None, what: str = "note") -> None:
    """Free text for the history (notes, reasons): the rule of services/core/text.py, so both
    stores refuse alike what PostgreSQL could not store (NUL) or a screen should not show."""
    problem = text_problem(note) if note is not None else None
    if problem is not None:
        raise InvalidQuery(f"the {what} has a {problem}")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidQuery(f"the {what} is at most {MAX_NOTE} characters")


def check_report(report: Report) -> None:
    if not report.note.strip():
        raise InvalidQuery("a report needs a note")
    if len(report.note) > MAX_NOTE:
        raise InvalidQuery(f"a report's note is at most {MAX_NOTE} characters")
    check_note(report.note)
    if not report.report_id or len(report.report_id) > MAX_REPORT_ID:
        raise InvalidQuery(f"a report id has 1 to {MAX_REPORT_ID} characters")
    if report.outcome is not None and report.outcome not in REPORT_OUTCOMES:
        raise InvalidQuery(f"a report's outcome is resolved or false_alarm, not {report.outcome!r}")


def plan_report(current: Alert, report: Report) -> ReportResult:
    """The changes a (new, checked) report makes to `current`: pure, shared by both stores."""
    action, refused = _report_action(current, report.outcome)
    alert, moved = current, []
    if action is not None:
        alert = moved_by(current, ACTION_CHANGES[action].value, report.actor, report.at)
        moved = [AlertChange(change_for(action), alert, report.at, report.actor)]
    reported = AlertChange(Change.REPORTED.value, alert, report.at, report.actor, report.note)
    return ReportResult(alert, [reported, *moved], refused=refused)


def _report_action(current: Alert, outcome: str | None) -> tuple[Action | None, str | None]:
    """(the action the report takes, or None; why its outcome was refused, or None)."""
    if outcome is None:
        return (Action.ACKNOWLEDGE if current.status == Status.OPEN else None), None
    action = REPORT_OUTCOMES[outcome]
    try:
        status = operator_status(current, action.value)
    except InvalidTransition as exc:
        return None, str(exc)
    return (action if status is not None else None), None


def check_silence(silence: Silence) -> None:
    check_note(silence.reason, "silence's reason")
    # In whole microseconds, as PostgreSQL stores them: 0 and 1e-7 s are the same instant
    # there, and its CHECK (end > start) would fail after this check passed.
    if round(silence.end * 1e6) <= round(silence.start * 1e6):
        raise InvalidQuery(f"silence {silence.id}: end must be after start")
    if not silence.id:
        raise InvalidQuery("a silence needs an id")


def encode_cursor(alert: Alert) -> str:
    """Keyset cursor: the last item's (raised_at, id), so pages stay stable while alerts
    keep arriving (an offset would skip or repeat rows)."""
    raw = f"{alert.raised_at!r}|{alert.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raised, alert_id = base64.urlsafe_b64decode(padded).decode().split("|", 1)
        return float(raised), alert_id
    except (ValueError, UnicodeDecodeError):
        raise InvalidQuery(f"bad cursor {cursor!r}") from None


def statuses(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """A status filter from a comma-separated string (the web's query string) or a list."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [v for v in values.split(",") if v]
    return tuple(values)
