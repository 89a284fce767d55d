"""The case model and its transitions table (CONTRACTS §8): pure, no IO.

A case is the unit of field enforcement that outlives any alert: it links alerts, carries
a deadline and a patrol boat, receives instructions (which must be acknowledged) and field
reports, and is closed with a reason. Both stores (memory and PostgreSQL) apply changes
through `plan`, so the rules of which action is allowed from which status live here once.

Times are Unix seconds (float) inside; the API speaks ISO-8601 UTC (`iso_utc`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from services.alerts.model import iso_utc


class CaseType(StrEnum):
    INSPECTION = "inspection"  # 现场检查
    VERIFICATION = "verification"  # 核查 (an alert that needs eyes on the vessel)
    ESCORT = "escort"  # 护航
    SEARCH_RESCUE = "search_rescue"  # 搜救
    POLLUTION = "pollution"  # 污染应急
    OTHER = "other"


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Outcome(StrEnum):
    VIOLATION = "violation"
    NO_VIOLATION = "no_violation"
    NOT_CHECKED = "not_checked"


class Action(StrEnum):
    """What a user (or the system) does to a case; each is one history `change`."""

    CREATE = "created"
    ASSIGN = "assign"  # set or change the patrol boat
    ACKNOWLEDGE = "acknowledge"  # the office or crew took it (also: an instruction acked)
    START = "start"  # under way / on scene
    REPORT = "report"  # a field report (an outcome moves the case to `reported`)
    CLOSE = "close"
    CANCEL = "cancel"
    REOPEN = "reopen"
    UPDATE = "update"  # title, priority, deadline, note
    LINK = "link"  # more alerts linked
    INSTRUCT = "instruct"  # an instruction sent
    ESCALATE = "escalate"  # overdue: to the office, the centre, the province


OPEN = frozenset(
    {Status.NEW, Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REPORTED}
)
FINISHED = frozenset({Status.CLOSED, Status.CANCELLED})
ALL = OPEN | FINISHED

# action -> (statuses it is allowed from, status it leads to; None = unchanged).
# ASSIGN from acknowledged/in_progress re-assigns: the new boat must acknowledge again.
# REPORT is accepted in every status (a crew's report is never lost, see `plan`), but only
# moves an open case; ACKNOWLEDGE from `new` is an office taking a case with no boat yet.
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.ASSIGN: (
        frozenset({Status.NEW, Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS}),
        Status.ASSIGNED,
    ),
    Action.ACKNOWLEDGE: (frozenset({Status.NEW, Status.ASSIGNED}), Status.ACKNOWLEDGED),
    Action.START: (
        frozenset({Status.NEW, Status.ASSIGNED, Status.ACKNOWLEDGED}),
        Status.IN_PROGRESS,
    ),
    Action.CLOSE: (OPEN, Status.CLOSED),
    Action.CANCEL: (OPEN, Status.CANCELLED),
    Action.REOPEN: (FINISHED, None),  # to `assigned` with a boat, else `new`
    Action.UPDATE: (OPEN, None),
    Action.LINK: (ALL, None),
    Action.INSTRUCT: (OPEN, None),
    Action.ESCALATE: (OPEN, None),
}

CENTRE_LEVEL = "centre"
OFFICE_LEVEL = "office"
PROVINCIAL_LEVEL = "provincial"
LEVELS = (OFFICE_LEVEL, CENTRE_LEVEL, PROVINCIAL_LEVEL)

MAX_TEXT = 2000
MAX_TITLE = 200
MAX_MEASURES = 20


class CaseError(Exception):
    """Base of the case domain errors (the web maps them to HTTP in one place)."""


class CaseNotFound(CaseError):
    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"no {what} {ident!r}")


class InvalidCaseTransition(CaseError):
    """409: the case's status does not allow the action; names the allowed actions."""

    def __init__(self, case_id: str, status: str, action: str) -> None:
        allowed = allowed_actions(Status(status))
        super().__init__(
            f"case {case_id} is {status}: cannot {action} "
            f"(allowed now: {', '.join(allowed) or 'none'})"
        )
        self.allowed = allowed


class CaseInputError(CaseError, ValueError):
    """400: a value that makes no sense (unknown office, deadline in the past...)."""


def allowed_actions(status: Status) -> list[str]:
    """The user actions allowed from `status`, for error messages and the UI."""
    user_actions = (
        Action.ASSIGN,
        Action.ACKNOWLEDGE,
        Action.START,
        Action.CLOSE,
        Action.CANCEL,
        Action.REOPEN,
    )
    out = [a.value for a in user_actions if status in TRANSITIONS[a][0]]
    out.append(Action.REPORT.value)
    if status in OPEN:
        out.append("instruct")
    return out


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    type: str
    title: str
    office: str
    status: str
    priority: str
    deadline: float
    created_at: float
    created_by: str
    updated_at: float
    mmsi: int | None = None
    area: dict[str, Any] | None = None  # GeoJSON geometry
    lat: float | None = None  # where it is (from an alert, incident, area or vessel)
    lon: float | None = None
    patrol_mmsi: int | None = None
    alert_ids: tuple[str, ...] = ()
    note: str | None = None
    outcome: str | None = None  # the deciding report's or the close's outcome
    measures: tuple[str, ...] = ()
    close_reason: str | None = None
    closed_at: float | None = None
    escalated_to: tuple[str, ...] = ()  # levels reached (office, centre, provincial)
    incident: dict[str, Any] | None = None  # kind, radius_nm, assist (emergency cases)
    instructed: tuple[str, ...] = ()  # every receiver of its instructions (who may see it)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, now: float) -> bool:
        return self.is_open and self.deadline <= now

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "office": self.office,
            "status": self.status,
            "priority": self.priority,
            "deadline": iso_utc(self.deadline),
            "overdue": self.overdue(now),
            "mmsi": self.mmsi,
            "area": self.area,
            "lat": self.lat,
            "lon": self.lon,
            "patrol_mmsi": self.patrol_mmsi,
            "alert_ids": list(self.alert_ids),
            "note": self.note,
            "outcome": self.outcome,
            "measures": list(self.measures),
            "close_reason": self.close_reason,
            "closed_at": iso_utc(self.closed_at),
            "escalated_to": list(self.escalated_to),
            "incident": self.incident,
            "instructed": list(self.instructed),
            "created_at": iso_utc(self.created_at),
            "created_by": self.created_by,
            "updated_at": iso_utc(self.updated_at),
        }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of a case's append-only history."""

    case_id: str
    change: str
    actor: str | None
    at: float
    note: str | None = None
    status: str | None = None  # the case's status after the change

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "actor": self.actor,
            "at": iso_utc(self.at),
            "note": self.note,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class Instruction:
    id: str
    case_id: str
    to: str  # an office id, or "patrol:MMSI"
    text: str
    deadline: float  # to be acknowledged by
    created_at: float
    by: str  # who sent it
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    escalated_to: tuple[str, ...] = ()

    @property
    def patrol_mmsi(self) -> int | None:
        return patrol_of(self.to)

    def overdue(self, now: float) -> bool:
        return self.acknowledged_at is None and self.deadline <= now

    def to_json(self, now: float) -> dict[str, Any]:
        waited_until = self.acknowledged_at if self.acknowledged_at is not None else now
        return {
            "id": self.id,
            "case_id": self.case_id,
            "to": self.to,
            "text": self.text,
            "deadline": iso_utc(self.deadline),
            "created_at": iso_utc(self.created_at),
            "by": self.by,
            "acknowledged_at": iso_utc(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "waited_s": round(max(0.0, waited_until - self.created_at), 1),
            "overdue": self.overdue(now),
            "escalated_to": list(self.escalated_to),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """A field report (现场反馈); `report_id` is the client's, so a resend is recognised.

    `attachments` is a list of `{"kind", "url" or "ref", "name", "size"}` objects kept as
    JSON: photos are not uploaded yet, but the column is there so adding them later needs
    no migration of existing rows.
    """

    report_id: str
    case_id: str
    actor: str
    at: float  # when the crew wrote it (client time; the arrival time if not given)
    received_at: float
    outcome: str | None = None  # None: a progress report ("on scene")
    measures: tuple[str, ...] = ()
    note: str | None = None
    lat: float | None = None
    lon: float | None = None
    patrol_mmsi: int | None = None  # the reporting crew's boat
    attachments: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "case_id": self.case_id,
            "actor": self.actor,
            "at": iso_utc(self.at),
            "received_at": iso_utc(self.received_at),
            "outcome": self.outcome,
            "measures": list(self.measures),
            "note": self.note,
            "lat": self.lat,
            "lon": self.lon,
            "patrol_mmsi": self.patrol_mmsi,
            "attachments": list(self.attachments),
        }


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: Case
    history: list[HistoryEntry]
    instructions: list[Instruction]
    reports: list[Report]


def patrol_of(to: str) -> int | None:
    """The MMSI of a `patrol:MMSI` receiver, None for an office id."""
    if to.startswith("patrol:"):
        try:
            return int(to.removeprefix("patrol:"))
        except ValueError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class Step:
    """What one action does: the case after it and the history row it adds."""

    case: Case
    entry: HistoryEntry


def plan(
    case: Case, action: Action, actor: str | None, at: float, note: str | None = None, **params: Any
) -> Step:
    """The case after `action` (pure). Raises InvalidCaseTransition when the status does not
    allow it. `params`: `patrol_mmsi` (assign), `outcome`/`measures` (close, report),
    `fields` (update: a dict of changed fields), `alert_ids` (link), `level` (escalate)."""
    allowed, target = TRANSITIONS.get(action, (ALL, None))
    current = Status(case.status)
    if action != Action.REPORT and current not in allowed:
        raise InvalidCaseTransition(case.id, case.status, action.value)
    new = replace(case, updated_at=at)
    if target is not None:
        new = replace(new, status=target.value)
    effect = _EFFECTS.get(action)
    if effect is not None:
        new = effect(new, case, at, note, params)
    change = _CHANGE_NAMES.get(action, action.value)
    return Step(new, HistoryEntry(case.id, change, actor, at, note, new.status))


def _assign(new: Case, _case: Case, _at: float, _note: str | None, p: dict[str, Any]) -> Case:
    return replace(new, patrol_mmsi=p["patrol_mmsi"])


def _close(new: Case, case: Case, at: float, note: str | None, p: dict[str, Any]) -> Case:
    outcome = p.get("outcome") or case.outcome
    measures = tuple(p.get("measures") or ()) or case.measures
    return replace(new, closed_at=at, close_reason=note, outcome=outcome, measures=measures)


def _cancel(new: Case, _case: Case, at: float, note: str | None, _p: dict[str, Any]) -> Case:
    return replace(new, closed_at=at, close_reason=note)


def _reopen(new: Case, case: Case, _at: float, _note: str | None, _p: dict[str, Any]) -> Case:
    status = Status.ASSIGNED if case.patrol_mmsi is not None else Status.NEW
    # a reopened case starts its escalation afresh: the earlier levels were for before
    return replace(new, status=status.value, closed_at=None, close_reason=None, escalated_to=())


def _report(new: Case, case: Case, _at: float, _note: str | None, p: dict[str, Any]) -> Case:
    return _reported(new, Status(case.status), p.get("outcome"), p.get("measures") or ())


def _update(new: Case, _case: Case, _at: float, _note: str | None, p: dict[str, Any]) -> Case:
    new = replace(new, **p["fields"])
    if "deadline" in p["fields"]:
        new = replace(new, escalated_to=())  # a new deadline: escalation starts afresh
    return new


def _link(new: Case, case: Case, _at: float, _note: str | None, p: dict[str, Any]) -> Case:
    extra = tuple(a for a in p["alert_ids"] if a not in case.alert_ids)
    return replace(new, alert_ids=case.alert_ids + extra)


def _instruct(new: Case, case: Case, _at: float, _note: str | None, p: dict[str, Any]) -> Case:
    if p["to"] in case.instructed:
        return new
    return replace(new, instructed=(*case.instructed, p["to"]))


def _escalate(new: Case, case: Case, _at: float, _note: str | None, p: dict[str, Any]) -> Case:
    return replace(new, escalated_to=(*case.escalated_to, p["level"]))


_EFFECTS = {
    Action.ASSIGN: _assign,
    Action.CLOSE: _close,
    Action.CANCEL: _cancel,
    Action.REOPEN: _reopen,
    Action.REPORT: _report,
    Action.UPDATE: _update,
    Action.LINK: _link,
    Action.INSTRUCT: _instruct,
    Action.ESCALATE: _escalate,
}

_CHANGE_NAMES = {
    Action.ASSIGN: "assigned",
    Action.ACKNOWLEDGE: "acknowledged",
    Action.START: "started",
    Action.REPORT: "reported",
    Action.CLOSE: "closed",
    Action.CANCEL: "cancelled",
    Action.REOPEN: "reopened",
    Action.UPDATE: "updated",
    Action.LINK: "linked",
    Action.INSTRUCT: "instructed",
    Action.ESCALATE: "escalated",
}


def _reported(case: Case, current: Status, outcome: str | None, measures: Any) -> Case:
    """A report moves an open case: with an outcome to `reported` (and the outcome and
    measures are the case's), without one (a progress report) to `in_progress`. On a
    closed or cancelled case it is recorded and changes nothing."""
    if current not in OPEN:
        return replace(case, status=current.value)
    if outcome is None:
        if current in (Status.NEW, Status.ASSIGNED, Status.ACKNOWLEDGED):
            return replace(case, status=Status.IN_PROGRESS.value)
        return case
    return replace(case, status=Status.REPORTED.value, outcome=outcome, measures=tuple(measures))
