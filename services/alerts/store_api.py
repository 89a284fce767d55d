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

_RANK = {Status.OPEN: 0, Status.ACKNOWLEDGED: 1, Status.RESOLVED: 2, Status.FALSE_ALARM: 2}
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
_PIPELINE_FIELDS = {Change.RAISED, Change.UPDATED, Change.CLEARED}
MAX_PAGE = 1000


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

    async def history(self, alert_id: str) -> builtins.list[ChangeRecord]: ...

    async def unacknowledged(
        self,
        raised_before: float,
        *,
        severity: str | None = None,
        not_escalated_to: str | None = None,
        limit: int = 500,
    ) -> builtins.list[Alert]:
        """Alerts still `open` (nobody acknowledged them) raised at or before the time,
        oldest first; optionally of one severity and not yet escalated to a level (so
        alerts already escalated do not crowd the new ones out of `limit`)."""

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


def change_for(action: str) -> str:
    return ACTION_CHANGES[Action(action)].value


def check_silence(silence: Silence) -> None:
    if silence.end <= silence.start:
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
