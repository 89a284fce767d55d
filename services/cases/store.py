"""The case store in PostgreSQL (migrations 0007-0009).

Each write is one transaction that locks the case row (`SELECT ... FOR UPDATE`), decides
with `model.plan` (the same function the memory store uses), writes the new state and
appends the history row: on any error the transaction rolls back and nothing is written.
History and reports are append-only in the database itself (a trigger refuses UPDATE,
DELETE and TRUNCATE).

The escalation sweep is set-based: one UPDATE ... RETURNING per (level, priority) marks
every case or instruction that is due and appends its history rows in the same statement,
so a sweep over 100,000 cases costs a few index scans, not a transaction per case.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson

from services.cases.config import CasePolicy
from services.cases.model import (
    FINISHED,
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
    escalation_note,
    report_note,
)

_OPEN_SQL = "(" + ", ".join(f"'{s.value}'" for s in sorted(OPEN)) + ")"

_CASE_COLUMNS = """
    id, type, title, office, status, priority, extract(epoch FROM deadline)::float8 AS deadline,
    extract(epoch FROM created_at)::float8 AS created_at, created_by,
    extract(epoch FROM updated_at)::float8 AS updated_at, mmsi, area, lat, lon, patrol_mmsi,
    alert_ids, note, outcome, measures, close_reason,
    extract(epoch FROM closed_at)::float8 AS closed_at, escalated_to, incident, instructed"""
_SELECT_CASE = f"SELECT {_CASE_COLUMNS} FROM cases"

_INSERT_CASE = """
INSERT INTO cases (id, type, title, office, status, priority, deadline, created_at, created_by,
                   updated_at, mmsi, area, lat, lon, patrol_mmsi, alert_ids, note, outcome,
                   measures, close_reason, closed_at, escalated_to, incident, instructed)
VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), to_timestamp($8), $9, to_timestamp($10),
        $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, to_timestamp($21), $22, $23, $24)
ON CONFLICT (id) DO NOTHING
RETURNING id"""

# the arguments of _INSERT_CASE without created_at ($8) and created_by ($9), renumbered
_UPDATE_CASE = """
UPDATE cases SET type = $2, title = $3, office = $4, status = $5, priority = $6,
    deadline = to_timestamp($7), updated_at = to_timestamp($8), mmsi = $9, area = $10,
    lat = $11, lon = $12, patrol_mmsi = $13, alert_ids = $14, note = $15, outcome = $16,
    measures = $17, close_reason = $18, closed_at = to_timestamp($19), escalated_to = $20,
    incident = $21, instructed = $22
WHERE id = $1"""

_INSERT_HISTORY = """
INSERT INTO case_history (case_id, at, change, actor, note, status)
VALUES ($1, to_timestamp($2), $3, $4, $5, $6)"""

_INSTRUCTION_COLUMNS = """
    id, case_id, receiver, text, extract(epoch FROM deadline)::float8 AS deadline,
    extract(epoch FROM created_at)::float8 AS created_at, created_by,
    extract(epoch FROM acknowledged_at)::float8 AS acknowledged_at, acknowledged_by,
    escalated_to"""

_REPORT_COLUMNS = """
    report_id, case_id, actor, extract(epoch FROM at)::float8 AS at,
    extract(epoch FROM received_at)::float8 AS received_at, outcome, measures, note, lat, lon,
    patrol_mmsi, attachments"""


class PgCaseStore:
    """A `CaseStore` on an asyncpg pool whose database has been migrated."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create(self, case: Case, note: str | None = None) -> Case:
        async with self.pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(_INSERT_CASE, *_case_args(case)) is None:
                raise CaseInputError(f"case {case.id} exists")
            await conn.execute(
                _INSERT_HISTORY,
                case.id,
                case.created_at,
                "created",
                case.created_by,
                note,
                case.status,
            )
        return case

    async def get(self, case_id: str) -> Case | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(f"{_SELECT_CASE} WHERE id = $1", case_id)
        return _case(row) if row is not None else None

    async def detail(self, case_id: str) -> CaseDetail | None:
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            row = await conn.fetchrow(f"{_SELECT_CASE} WHERE id = $1", case_id)
            if row is None:
                return None
            history = await conn.fetch(
                """SELECT case_id, change, actor, extract(epoch FROM at)::float8 AS at, note,
                          status
                   FROM case_history WHERE case_id = $1 ORDER BY at, id""",
                case_id,
            )
            instructions = await conn.fetch(
                f"""SELECT {_INSTRUCTION_COLUMNS} FROM case_instructions WHERE case_id = $1
                    ORDER BY created_at, id""",
                case_id,
            )
            reports = await conn.fetch(
                f"""SELECT {_REPORT_COLUMNS} FROM case_reports WHERE case_id = $1
                    ORDER BY received_at, report_id""",
                case_id,
            )
        return CaseDetail(
            _case(row),
            [HistoryEntry(**dict(h)) for h in history],
            [_instruction(i) for i in instructions],
            [_report(r) for r in reports],
        )

    async def list(self, query: CaseQuery) -> builtins.list[Case]:
        where, args = _filters(query)
        statuses = set(query.status)
        # cases.deadline, not the epoch seconds the SELECT names `deadline`: the indexes
        # (office, deadline, id) and (deadline, id) then give the order without a sort
        ordering = "cases.deadline, cases.id"
        if not statuses or not (statuses <= OPEN or statuses <= FINISHED):
            ordering = f"(cases.status NOT IN {_OPEN_SQL}), cases.deadline, cases.id"
        args.append(query.limit)
        sql = f"{_SELECT_CASE} {where} ORDER BY {ordering} LIMIT ${len(args)}"
        async with self.pool.acquire() as conn:
            return [_case(r) for r in await conn.fetch(sql, *args)]

    async def act(
        self,
        case_id: str,
        action: Action,
        actor: str | None,
        at: float,
        note: str | None = None,
        **params: Any,
    ) -> Case:
        async with self.pool.acquire() as conn, conn.transaction():
            step = plan(await _locked(conn, case_id), action, actor, at, note, **params)
            await _write(conn, step.case, step.entry)
            return step.case

    async def instruct(self, instruction: Instruction) -> Case:
        async with self.pool.acquire() as conn, conn.transaction():
            note = f"to {instruction.to}: {instruction.text}"
            current = await _locked(conn, instruction.case_id)
            step = plan(
                current,
                Action.INSTRUCT,
                instruction.by,
                instruction.created_at,
                note,
                to=instruction.to,
            )
            inserted = await conn.fetchval(
                """INSERT INTO case_instructions (id, case_id, receiver, text, deadline,
                                                  created_at, created_by)
                   VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), $7)
                   ON CONFLICT (id) DO NOTHING RETURNING id""",
                instruction.id,
                instruction.case_id,
                instruction.to,
                instruction.text,
                instruction.deadline,
                instruction.created_at,
                instruction.by,
            )
            if inserted is None:
                raise CaseInputError(f"instruction {instruction.id} exists")
            await _write(conn, step.case, step.entry)
            return step.case

    async def get_instruction(self, instruction_id: str) -> Instruction | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                f"SELECT {_INSTRUCTION_COLUMNS} FROM case_instructions WHERE id = $1",
                instruction_id,
            )
        return _instruction(row) if row is not None else None

    async def acknowledge(self, instruction_id: str, actor: str, at: float) -> AckResult:
        async with self.pool.acquire() as conn, conn.transaction():
            case_id = await conn.fetchval(
                "SELECT case_id FROM case_instructions WHERE id = $1", instruction_id
            )
            if case_id is None:
                raise CaseNotFound("instruction", instruction_id)
            case = await _locked(conn, case_id)  # the case first, as every writer does
            row = await conn.fetchrow(
                f"SELECT {_INSTRUCTION_COLUMNS} FROM case_instructions WHERE id = $1 FOR UPDATE",
                instruction_id,
            )
            instruction = _instruction(row)
            if instruction.acknowledged_at is not None:
                return AckResult(instruction, case, changed=False)
            await conn.execute(
                """UPDATE case_instructions SET acknowledged_at = to_timestamp($2),
                          acknowledged_by = $3 WHERE id = $1""",
                instruction_id,
                at,
                actor,
            )
            note = f"{instruction.to}: {instruction.text}"
            await conn.execute(
                _INSERT_HISTORY, case.id, at, "instruction_acknowledged", actor, note, case.status
            )
            if case.status in (Status.NEW, Status.ASSIGNED):
                step = plan(case, Action.ACKNOWLEDGE, actor, at, f"instruction {instruction_id}")
                await _write(conn, step.case, step.entry)
                case = step.case
            acked = _instruction(
                await conn.fetchrow(
                    f"SELECT {_INSTRUCTION_COLUMNS} FROM case_instructions WHERE id = $1",
                    instruction_id,
                )
            )
            return AckResult(acked, case, changed=True)

    async def report(self, report: Report) -> ReportResult:
        async with self.pool.acquire() as conn, conn.transaction():
            case = await _locked(conn, report.case_id)
            seen = await conn.fetchrow(
                f"SELECT {_REPORT_COLUMNS} FROM case_reports WHERE report_id = $1",
                report.report_id,
            )
            if seen is not None:
                stored = _report(seen)
                if stored.case_id != report.case_id:
                    raise CaseInputError(
                        f"report id {report.report_id} was used for case {stored.case_id}"
                    )
                return ReportResult(case, stored, duplicate=True)
            step = plan(
                case,
                Action.REPORT,
                report.actor,
                report.received_at,
                report_note(report),
                outcome=report.outcome,
                measures=report.measures,
            )
            try:
                await conn.execute(
                    """INSERT INTO case_reports (report_id, case_id, actor, at, received_at,
                           outcome, measures, note, lat, lon, patrol_mmsi, attachments)
                       VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($5), $6, $7, $8,
                               $9, $10, $11, $12)""",
                    report.report_id,
                    report.case_id,
                    report.actor,
                    report.at,
                    report.received_at,
                    report.outcome,
                    list(report.measures),
                    report.note,
                    report.lat,
                    report.lon,
                    report.patrol_mmsi,
                    orjson.dumps(list(report.attachments)).decode(),
                )
            except asyncpg.UniqueViolationError:
                # the same id sent for another case at this very moment
                raise CaseInputError(f"report id {report.report_id} is in use") from None
            await _write(conn, step.case, step.entry)
            return ReportResult(step.case, report, duplicate=False)

    async def instructions(
        self,
        *,
        pending: bool = False,
        receivers: Sequence[str] | None = None,
        office: str | None = None,
        limit: int = 500,
    ) -> builtins.list[Instruction]:
        sql = f"""
            SELECT i.id, i.case_id, i.receiver, extract(epoch FROM i.deadline)::float8 AS deadline,
                   i.text, extract(epoch FROM i.created_at)::float8 AS created_at, i.created_by,
                   extract(epoch FROM i.acknowledged_at)::float8 AS acknowledged_at,
                   i.acknowledged_by, i.escalated_to
            FROM case_instructions i JOIN cases c ON c.id = i.case_id
            WHERE c.status IN {_OPEN_SQL}
              AND (NOT $1 OR i.acknowledged_at IS NULL)
              AND ($2::text[] IS NULL OR i.receiver = ANY($2::text[]))
              AND ($3::text IS NULL OR c.office = $3)
            ORDER BY i.created_at, i.id LIMIT $4"""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                sql, pending, list(receivers) if receivers is not None else None, office, limit
            )
        return [_instruction(r) for r in rows]

    async def cases_of_alerts(self, alert_ids: Sequence[str]) -> dict[str, str]:
        if not alert_ids:
            return {}
        sql = """
            SELECT DISTINCT ON (a) a AS alert_id, id
            FROM cases, unnest(alert_ids) AS a
            WHERE alert_ids && $1::text[] AND a = ANY($1::text[])
            ORDER BY a, created_at DESC, id DESC"""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(sql, list(alert_ids))
        return {r["alert_id"]: r["id"] for r in rows}

    async def last_reports(self, patrol_mmsis: Sequence[int]) -> dict[int, Report]:
        if not patrol_mmsis:
            return {}
        sql = f"""
            SELECT DISTINCT ON (patrol_mmsi) {_REPORT_COLUMNS} FROM case_reports
            WHERE patrol_mmsi = ANY($1::integer[])
            ORDER BY patrol_mmsi, received_at DESC"""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(sql, list(patrol_mmsis))
        return {r["patrol_mmsi"]: _report(r) for r in rows}

    async def sweep(self, now: float, policy: CasePolicy) -> builtins.list[Escalation]:
        out: builtins.list[Escalation] = []
        levels: dict[str, tuple[builtins.list[str], builtins.list[float]]] = {}
        for level, priority, delay in policy.delays():
            priorities, cuts = levels.setdefault(level, ([], []))
            priorities.append(priority)
            cuts.append(now - delay)
        # (level, case id, deadline or instruction): the statements return only ids; each
        # case touched is read once at the end, in its final state, for the pushes
        found: builtins.list[tuple[str, str, float, Instruction | None]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            for level, (priorities, cuts) in levels.items():  # office, centre, provincial
                for row in await conn.fetch(_SWEEP_CASES, level, priorities, cuts, now):
                    found.append((level, row["id"], row["deadline"], None))
                for row in await conn.fetch(_SWEEP_INSTRUCTIONS, level, priorities, cuts, now):
                    sent = _instruction(row)
                    found.append((level, sent.case_id, sent.deadline, sent))
            if not found:
                return []
            ids = list({case_id for _, case_id, _, _ in found})
            cases = {
                r["id"]: _case(r)
                for r in await conn.fetch(f"{_SELECT_CASE} WHERE id = ANY($1::text[])", ids)
            }
        for level, case_id, deadline, instruction in found:
            what = (
                "case" if instruction is None else f"instruction to {instruction.to} unacknowledged"
            )
            note = escalation_note(level, now - deadline, what)
            out.append(Escalation(cases[case_id], level, now, instruction, note=note))
        return out

    async def record_delivery(self, record: DeliveryRecord) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO case_deliveries (case_id, level, channel, attempt, ok, at,
                                                status_code, error)
                   VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8)""",
                record.case_id,
                record.level,
                record.channel,
                record.attempt,
                record.ok,
                record.at,
                record.status_code,
                record.error,
            )

    async def deliveries(self, case_id: str) -> builtins.list[DeliveryRecord]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT case_id, level, channel, attempt, ok,
                          extract(epoch FROM at)::float8 AS at, status_code, error
                   FROM case_deliveries WHERE case_id = $1 ORDER BY at, id""",
                case_id,
            )
        return [DeliveryRecord(**dict(r)) for r in rows]


# $1 level, $2 priorities, $3 their deadline cuts (now - delay), $4 now: one statement per
# level. The notes are the words of `escalation_note`, so both stores write the same.
_DUE = "SELECT * FROM unnest($2::text[], $3::float8[]) AS d (priority, cut)"

_SWEEP_CASES = f"""
WITH due AS (
    UPDATE cases SET escalated_to = array_append(escalated_to, $1::text),
                     updated_at = to_timestamp($4)
    FROM ({_DUE}) AS d
    WHERE cases.status IN {_OPEN_SQL} AND cases.priority = d.priority
      AND cases.deadline <= to_timestamp(d.cut)
      AND NOT ($1::text = ANY(cases.escalated_to))
    RETURNING cases.*
), logged AS (
    INSERT INTO case_history (case_id, at, change, actor, note, status)
    SELECT id, to_timestamp($4), 'escalated', NULL,
           format('to %s: case %s min past its deadline', $1::text,
                  floor(greatest(0, $4 - extract(epoch FROM deadline)) / 60)::int),
           status
    FROM due
)
SELECT id, extract(epoch FROM deadline)::float8 AS deadline FROM due
ORDER BY due.deadline, id"""

_SWEEP_INSTRUCTIONS = f"""
WITH due AS (
    UPDATE case_instructions i SET escalated_to = array_append(i.escalated_to, $1::text)
    FROM cases c, ({_DUE}) AS d
    WHERE c.id = i.case_id AND c.status IN {_OPEN_SQL} AND c.priority = d.priority
      AND i.acknowledged_at IS NULL AND i.deadline <= to_timestamp(d.cut)
      AND NOT ($1::text = ANY(i.escalated_to))
    RETURNING i.*, c.status AS case_status
), logged AS (
    INSERT INTO case_history (case_id, at, change, actor, note, status)
    SELECT case_id, to_timestamp($4), 'escalated', NULL,
           format('to %s: instruction to %s unacknowledged %s min past its deadline', $1::text,
                  receiver, floor(greatest(0, $4 - extract(epoch FROM deadline)) / 60)::int),
           case_status
    FROM due
)
SELECT {_INSTRUCTION_COLUMNS} FROM due ORDER BY due.deadline, id"""


async def _locked(conn: asyncpg.Connection, case_id: str) -> Case:
    row = await conn.fetchrow(f"{_SELECT_CASE} WHERE id = $1 FOR UPDATE", case_id)
    if row is None:
        raise CaseNotFound("case", case_id)
    return _case(row)


async def _write(conn: asyncpg.Connection, case: Case, entry: HistoryEntry) -> None:
    args = _case_args(case)
    await conn.execute(_UPDATE_CASE, *args[:7], *args[9:])
    await conn.execute(
        _INSERT_HISTORY,
        entry.case_id,
        entry.at,
        entry.change,
        entry.actor,
        entry.note,
        entry.status,
    )


def _case_args(c: Case) -> tuple[Any, ...]:
    return (
        c.id,
        c.type,
        c.title,
        c.office,
        c.status,
        c.priority,
        c.deadline,
        c.created_at,
        c.created_by,
        c.updated_at,
        c.mmsi,
        _json(c.area),
        c.lat,
        c.lon,
        c.patrol_mmsi,
        list(c.alert_ids),
        c.note,
        c.outcome,
        list(c.measures),
        c.close_reason,
        c.closed_at,
        list(c.escalated_to),
        _json(c.incident),
        list(c.instructed),
    )


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _case(row: asyncpg.Record) -> Case:
    d = dict(row)
    d["area"] = orjson.loads(d["area"]) if d["area"] is not None else None
    d["incident"] = orjson.loads(d["incident"]) if d["incident"] is not None else None
    for key in ("alert_ids", "measures", "escalated_to", "instructed"):
        d[key] = tuple(d[key])
    return Case(**d)


def _instruction(row: asyncpg.Record) -> Instruction:
    d = dict(row)
    d["to"] = d.pop("receiver")
    d["by"] = d.pop("created_by")
    d["escalated_to"] = tuple(d["escalated_to"])
    d.pop("case_status", None)
    return Instruction(**d)


def _report(row: asyncpg.Record) -> Report:
    d = dict(row)
    d["measures"] = tuple(d["measures"])
    d["attachments"] = tuple(orjson.loads(d["attachments"]))
    return Report(**d)


def _filters(query: CaseQuery) -> tuple[str, builtins.list[Any]]:
    """WHERE and its arguments. Statuses are inlined (they are checked against the enum):
    the planner can then match the partial indexes on open cases."""
    clauses: builtins.list[str] = []
    args: builtins.list[Any] = []

    def add(sql: str, value: Any) -> None:
        args.append(value)
        clauses.append(sql.replace("?", f"${len(args)}"))

    if query.status:
        clauses.append(
            "status IN (" + ", ".join(f"'{Status(s).value}'" for s in query.status) + ")"
        )
    if query.office is not None:
        add("office = ?", query.office)
    if query.mmsi is not None:
        add("mmsi = ?", query.mmsi)
    if query.since is not None:
        add("created_at >= to_timestamp(?)", query.since)
    if query.patrol_mmsi is not None:
        args.extend([query.patrol_mmsi, [f"patrol:{query.patrol_mmsi}"]])
        clauses.append(f"(patrol_mmsi = ${len(args) - 1} OR instructed @> ${len(args)}::text[])")
    if query.overdue_at is not None:
        clauses.append(f"status IN {_OPEN_SQL}")
        add("deadline <= to_timestamp(?)", query.overdue_at)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args
