"""The case store in memory, for `seagrid serve --demo` and tests: same behaviour as the
PostgreSQL store (the same tests run on both); nothing survives the process.

One asyncio lock serialises writes, playing the part of the database's row locks, and each
write builds every new value before it stores any, so an error leaves nothing half-written.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from services.cases.config import CasePolicy
from services.cases.model import (
    OPEN,
    Action,
    Case,
    CaseDetail,
    CaseInputError,
    CaseNotFound,
    HistoryEntry,
    Instruction,
    Report,
    Status,
    plan,
)
from services.cases.store_api import (
    AckResult,
    CaseQuery,
    DeliveryRecord,
    Escalation,
    ReportResult,
    due_levels,
    escalation_note,
    report_note,
)


class MemoryCaseStore:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.history: dict[str, list[HistoryEntry]] = {}
        self.instruction_rows: dict[str, Instruction] = {}
        self.reports: dict[str, Report] = {}
        self.delivery_rows: list[DeliveryRecord] = []
        self._lock = asyncio.Lock()

    async def create(self, case: Case, note: str | None = None) -> Case:
        async with self._lock:
            if case.id in self.cases:
                raise CaseInputError(f"case {case.id} exists")
            self.cases[case.id] = case
            entry = HistoryEntry(
                case.id, "created", case.created_by, case.created_at, note, case.status
            )
            self.history[case.id] = [entry]
            return case

    async def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    async def detail(self, case_id: str) -> CaseDetail | None:
        case = self.cases.get(case_id)
        if case is None:
            return None
        instructions = sorted(
            (i for i in self.instruction_rows.values() if i.case_id == case_id),
            key=lambda i: (i.created_at, i.id),
        )
        reports = sorted(
            (r for r in self.reports.values() if r.case_id == case_id),
            key=lambda r: (r.received_at, r.report_id),
        )
        return CaseDetail(case, list(self.history[case_id]), instructions, reports)

    async def list(self, query: CaseQuery) -> builtins.list[Case]:
        found = [c for c in self.cases.values() if self._matches(c, query)]
        found.sort(key=lambda c: (c.status not in OPEN, c.deadline, c.id))
        return found[: query.limit]

    def _matches(self, c: Case, q: CaseQuery) -> bool:
        if q.status and c.status not in q.status:
            return False
        if q.office is not None and c.office != q.office:
            return False
        if q.mmsi is not None and c.mmsi != q.mmsi:
            return False
        if q.since is not None and c.created_at < q.since:
            return False
        if q.overdue_at is not None and not c.overdue(q.overdue_at):
            return False
        if q.patrol_mmsi is not None and c.patrol_mmsi != q.patrol_mmsi:
            target = f"patrol:{q.patrol_mmsi}"
            return any(i.case_id == c.id and i.to == target for i in self.instruction_rows.values())
        return True

    async def act(
        self,
        case_id: str,
        action: Action,
        actor: str | None,
        at: float,
        note: str | None = None,
        **params: Any,
    ) -> Case:
        async with self._lock:
            step = plan(self._case(case_id), action, actor, at, note, **params)
            self.cases[case_id] = step.case
            self.history[case_id].append(step.entry)
            return step.case

    def _case(self, case_id: str) -> Case:
        case = self.cases.get(case_id)
        if case is None:
            raise CaseNotFound("case", case_id)
        return case

    async def instruct(self, instruction: Instruction) -> Case:
        async with self._lock:
            if instruction.id in self.instruction_rows:
                raise CaseInputError(f"instruction {instruction.id} exists")
            note = f"to {instruction.to}: {instruction.text}"
            step = plan(
                self._case(instruction.case_id),
                Action.INSTRUCT,
                instruction.by,
                instruction.created_at,
                note,
                to=instruction.to,
            )
            self.instruction_rows[instruction.id] = instruction
            self.cases[step.case.id] = step.case
            self.history[step.case.id].append(step.entry)
            return step.case

    async def get_instruction(self, instruction_id: str) -> Instruction | None:
        return self.instruction_rows.get(instruction_id)

    async def acknowledge(self, instruction_id: str, actor: str, at: float) -> AckResult:
        async with self._lock:
            instruction = self.instruction_rows.get(instruction_id)
            if instruction is None:
                raise CaseNotFound("instruction", instruction_id)
            case = self._case(instruction.case_id)
            if instruction.acknowledged_at is not None:
                return AckResult(instruction, case, changed=False)
            acked = replace(instruction, acknowledged_at=at, acknowledged_by=actor)
            entries = [
                HistoryEntry(
                    case.id,
                    "instruction_acknowledged",
                    actor,
                    at,
                    f"{instruction.to}: {instruction.text}",
                    case.status,
                )
            ]
            if case.status in (Status.NEW, Status.ASSIGNED):
                step = plan(case, Action.ACKNOWLEDGE, actor, at, f"instruction {instruction.id}")
                case = step.case
                entries.append(step.entry)
            self.instruction_rows[instruction_id] = acked
            self.cases[case.id] = case
            self.history[case.id].extend(entries)
            return AckResult(acked, case, changed=True)

    async def report(self, report: Report) -> ReportResult:
        async with self._lock:
            seen = self.reports.get(report.report_id)
            if seen is not None:
                if seen.case_id != report.case_id:
                    raise CaseInputError(
                        f"report id {report.report_id} was used for case {seen.case_id}"
                    )
                return ReportResult(self._case(seen.case_id), seen, duplicate=True)
            step = plan(
                self._case(report.case_id),
                Action.REPORT,
                report.actor,
                report.received_at,
                report_note(report),
                outcome=report.outcome,
                measures=report.measures,
            )
            self.reports[report.report_id] = report
            self.cases[step.case.id] = step.case
            self.history[step.case.id].append(step.entry)
            return ReportResult(step.case, report, duplicate=False)

    async def instructions(
        self,
        *,
        pending: bool = False,
        receivers: Sequence[str] | None = None,
        office: str | None = None,
        limit: int = 500,
    ) -> builtins.list[Instruction]:
        out = []
        for i in self.instruction_rows.values():
            case = self.cases[i.case_id]
            if case.status not in OPEN or (pending and i.acknowledged_at is not None):
                continue
            if receivers is not None and i.to not in receivers:
                continue
            if office is not None and case.office != office:
                continue
            out.append(i)
        out.sort(key=lambda i: (i.created_at, i.id))
        return out[:limit]

    async def cases_of_alerts(self, alert_ids: Sequence[str]) -> dict[str, str]:
        wanted = set(alert_ids)
        out: dict[str, tuple[float, str]] = {}
        for case in self.cases.values():
            for alert_id in wanted.intersection(case.alert_ids):
                if alert_id not in out or out[alert_id] < (case.created_at, case.id):
                    out[alert_id] = (case.created_at, case.id)
        return {a: c for a, (_, c) in out.items()}

    async def last_reports(self, patrol_mmsis: Sequence[int]) -> dict[int, Report]:
        wanted = set(patrol_mmsis)
        out: dict[int, Report] = {}
        for r in self.reports.values():
            m = r.patrol_mmsi
            if (
                m in wanted
                and m is not None
                and (m not in out or out[m].received_at < r.received_at)
            ):
                out[m] = r
        return out

    async def sweep(self, now: float, policy: CasePolicy) -> builtins.list[Escalation]:
        async with self._lock:
            out: list[Escalation] = []
            for case in list(self.cases.values()):
                if case.status not in OPEN:
                    continue
                for level in due_levels(
                    case.deadline, case.priority, case.escalated_to, now, policy
                ):
                    note = escalation_note(level, now - case.deadline, "case")
                    step = plan(self.cases[case.id], Action.ESCALATE, None, now, note, level=level)
                    self.cases[case.id] = step.case
                    self.history[case.id].append(step.entry)
                    out.append(Escalation(step.case, level, now, note=note))
            for i in list(self.instruction_rows.values()):
                case = self.cases[i.case_id]
                if case.status not in OPEN or i.acknowledged_at is not None:
                    continue
                for level in due_levels(i.deadline, case.priority, i.escalated_to, now, policy):
                    i = replace(i, escalated_to=(*i.escalated_to, level))
                    note = escalation_note(
                        level, now - i.deadline, f"instruction to {i.to} unacknowledged"
                    )
                    entry = HistoryEntry(case.id, "escalated", None, now, note, case.status)
                    self.instruction_rows[i.id] = i
                    self.history[case.id].append(entry)
                    out.append(Escalation(case, level, now, instruction=i, note=note))
            return out

    async def record_delivery(self, record: DeliveryRecord) -> None:
        self.delivery_rows.append(record)

    async def deliveries(self, case_id: str) -> builtins.list[DeliveryRecord]:
        return [d for d in self.delivery_rows if d.case_id == case_id]
