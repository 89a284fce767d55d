"""What a case store offers; `memory_store.MemoryCaseStore` (demo, tests) and
`store.PgCaseStore` (PostgreSQL) implement it and pass the same tests.

Every write is all-or-nothing: the case's new state, its history row(s) and the
instruction or report they concern are written together or not at all, and the decision
(which action is allowed, what it changes) is `model.plan`, shared by both stores.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.cases.config import CasePolicy
from services.cases.model import (
    ALL,
    Action,
    Case,
    CaseDetail,
    CaseInputError,
    HistoryEntry,
    Instruction,
    Report,
)

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Filters for listing cases, most urgent first (overdue, then by deadline).

    `patrol_mmsi`: the cases assigned to that boat or holding an instruction to it.
    `overdue_at`: only the cases open and past their deadline at that time (instructions
    waiting too long are listed by `instructions(pending=True)`). `since`: created at or
    after (a vessel's record).
    """

    status: tuple[str, ...] = ()
    office: str | None = None
    mmsi: int | None = None
    patrol_mmsi: int | None = None
    overdue_at: float | None = None
    since: float | None = None
    limit: int = 200

    def __post_init__(self) -> None:
        for status in self.status:
            if status not in ALL:
                raise CaseInputError(f"unknown status {status!r} (use {', '.join(sorted(ALL))})")
        if not 1 <= self.limit <= MAX_PAGE:
            raise CaseInputError(f"limit must be between 1 and {MAX_PAGE}")


@dataclass(frozen=True, slots=True)
class AckResult:
    instruction: Instruction
    case: Case
    changed: bool  # False: it was acknowledged before (nothing new recorded)


@dataclass(frozen=True, slots=True)
class ReportResult:
    case: Case
    report: Report
    duplicate: bool  # the report id was stored before: nothing new recorded


@dataclass(frozen=True, slots=True)
class Escalation:
    """One escalation made by a sweep: of a case past its deadline, or of an instruction
    not acknowledged in time (`instruction` set)."""

    case: Case
    level: str
    at: float
    instruction: Instruction | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt to deliver a case escalation through a channel."""

    case_id: str
    level: str
    channel: str
    attempt: int
    ok: bool
    at: float
    status_code: int | None = None
    error: str | None = None


class CaseStore(Protocol):
    async def create(self, case: Case, note: str | None = None) -> Case:
        """Store a new case with its `created` history row; raises CaseInputError if the id
        exists."""

    async def get(self, case_id: str) -> Case | None: ...

    async def detail(self, case_id: str) -> CaseDetail | None:
        """The case with its history (oldest first), instructions and reports."""

    async def list(self, query: CaseQuery) -> builtins.list[Case]: ...

    async def act(
        self,
        case_id: str,
        action: Action,
        actor: str | None,
        at: float,
        note: str | None = None,
        **params: Any,
    ) -> Case:
        """Apply `model.plan` under a lock; raises CaseNotFound, InvalidCaseTransition."""

    async def instruct(self, instruction: Instruction) -> Case:
        """Store an instruction and its `instructed` history row; the case must be open."""

    async def get_instruction(self, instruction_id: str) -> Instruction | None: ...

    async def acknowledge(self, instruction_id: str, actor: str, at: float) -> AckResult:
        """Mark an instruction acknowledged (once; again is a no-op). A case still `new` or
        `assigned` becomes `acknowledged`."""

    async def report(self, report: Report) -> ReportResult:
        """Store a field report, idempotent on `report_id` (CaseInputError when that id was
        used for another case)."""

    async def instructions(
        self,
        *,
        pending: bool = False,
        receivers: Sequence[str] | None = None,
        office: str | None = None,
        limit: int = 500,
    ) -> builtins.list[Instruction]:
        """Instructions of open cases, oldest first: `pending` only unacknowledged ones;
        `receivers` addressed to one of these; `office` of that office's cases."""

    async def cases_of_alerts(self, alert_ids: Sequence[str]) -> dict[str, str]:
        """{alert id: id of the newest case linking it} for the ids that have one."""

    async def last_reports(self, patrol_mmsis: Sequence[int]) -> dict[int, Report]:
        """The newest report of each patrol boat's crews."""

    async def sweep(self, now: float, policy: CasePolicy) -> builtins.list[Escalation]:
        """Escalate every case and instruction due at `now` (once per level, recorded in
        the history and on the row, so a restart does not escalate twice)."""

    async def record_delivery(self, record: DeliveryRecord) -> None: ...

    async def deliveries(self, case_id: str) -> builtins.list[DeliveryRecord]: ...


def escalation_note(level: str, late_s: float, what: str) -> str:
    """The history note of an escalation (the PostgreSQL sweep writes the same words)."""
    return f"to {level}: {what} {int(max(0.0, late_s) // 60)} min past its deadline"


def due_levels(
    deadline: float, priority: str, escalated: tuple[str, ...], now: float, policy: CasePolicy
) -> builtins.list[str]:
    """The levels (in order) an item with this deadline reaches at `now`, not yet reached."""
    out = []
    for level, prio, delay in policy.delays():
        if prio == priority and level not in escalated and deadline + delay <= now:
            out.append(level)
    return out


def history_sorted(entries: builtins.list[HistoryEntry]) -> builtins.list[HistoryEntry]:
    return sorted(entries, key=lambda e: e.at)


def report_note(report: Report) -> str:
    """The history note of a report: its outcome, measures and text in one line."""
    parts = [report.outcome or "progress"]
    if report.measures:
        parts.append("measures: " + ", ".join(report.measures))
    if report.note:
        parts.append(report.note)
    return "; ".join(parts)
