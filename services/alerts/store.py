"""The alert store in PostgreSQL (schema: migrations/0002_alerts.sql).

Every write is one transaction holding the alert's new state and its history row, so the
history never disagrees with the state. Writes are idempotent, because the bus delivers at
least once: a change is identified by (alert id, change, at) and a second copy changes
nothing. A RAISED alert whose key already has an open alert (the pipeline restarted and
raised the same condition again, with a new raised_at and so a new id) is merged into the
open one, and its id becomes an alias of it: the partial unique index
`alerts_one_open_per_key` makes this hold across processes, not only within one.

Times are Unix seconds in Python and timestamptz in the database.
"""

from __future__ import annotations

import builtins
from dataclasses import replace
from typing import Any

import asyncpg
import orjson

from services.alerts.model import Alert, AlertChange, Change, Silence
from services.alerts.store_api import (
    AlertNotFound,
    AlertPage,
    AlertQuery,
    ApplyResult,
    ChangeRecord,
    DeliveryReceipt,
    EscalationRecord,
    Report,
    ReportResult,
    TransitionResult,
    change_for,
    check_report,
    check_silence,
    decode_cursor,
    encode_cursor,
    merge,
    moved_by,
    operator_status,
    plan_report,
)

_ALERT_COLUMNS = """
    id, rule, mmsi, office, severity, status, lat, lon, other_mmsi, zone, cell, details,
    escalated_to, track, extract(epoch FROM raised_at)::float8 AS raised_at,
    extract(epoch FROM cleared_at)::float8 AS cleared_at,
    extract(epoch FROM acknowledged_at)::float8 AS acknowledged_at, acknowledged_by"""
_SELECT_ALERT = f"SELECT {_ALERT_COLUMNS} FROM alerts"
_RESOLVE = "SELECT coalesce((SELECT alert_id FROM alert_aliases WHERE alias = $1), $1)"

_INSERT_ALERT = """
INSERT INTO alerts (id, rule, mmsi, office, severity, status, lat, lon, other_mmsi, zone,
                    cell, details, escalated_to, raised_at, cleared_at, track)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, to_timestamp($14),
        to_timestamp($15), $16)
ON CONFLICT DO NOTHING
RETURNING id"""

_UPDATE_ALERT = """
UPDATE alerts SET severity = $2, status = $3, lat = $4, lon = $5, cell = $6, details = $7,
                  escalated_to = $8, cleared_at = to_timestamp($9),
                  acknowledged_at = to_timestamp($10), acknowledged_by = $11, updated_at = now()
WHERE id = $1"""

_INSERT_CHANGE = """
INSERT INTO alert_changes (alert_id, change, at, status, actor, note)
VALUES ($1, $2, to_timestamp($3), $4, $5, $6)
ON CONFLICT (alert_id, change, at) DO NOTHING
RETURNING id"""

# A report's row: no conflict target, so that either unique key (the report id, or the
# change's (alert, change, at)) makes a second copy a no-op.
_INSERT_REPORTED = """
INSERT INTO alert_changes (alert_id, change, at, status, actor, note, report_id)
VALUES ($1, $2, to_timestamp($3), $4, $5, $6, $7)
ON CONFLICT DO NOTHING"""
_REPORT_SEEN = "SELECT 1 FROM alert_changes WHERE alert_id = $1 AND report_id = $2"

_OPEN_HOLDER = f"""{_SELECT_ALERT}
WHERE rule = $1 AND mmsi IS NOT DISTINCT FROM $2 AND subject = $3
  AND status IN ('open', 'acknowledged') AND cleared_at IS NULL
FOR UPDATE"""

_SILENCE_COLUMNS = """
    id, mmsi, rule, actor, reason, extract(epoch FROM starts_at)::float8 AS start,
    extract(epoch FROM ends_at)::float8 AS "end", extract(epoch FROM created_at)::float8
    AS created_at"""


class PgAlertStore:
    """An `AlertStore` on an asyncpg pool whose database has been migrated."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def apply(self, change: AlertChange) -> ApplyResult:
        async with self.pool.acquire() as conn, conn.transaction():
            alert_id = await conn.fetchval(_RESOLVE, change.alert.id)
            current = await _fetch_alert(conn, alert_id, lock=True)
            if current is not None:
                return await _apply_to(conn, current, change, "applied")
            if await _insert(conn, change):
                return ApplyResult("applied", _inserted(change))
            return await _merge_into_holder(conn, change)

    async def get(self, alert_id: str) -> Alert | None:
        async with self.pool.acquire() as conn:
            resolved = await conn.fetchval(_RESOLVE, alert_id)
            return await _fetch_alert(conn, resolved)

    async def list(self, query: AlertQuery) -> AlertPage:
        where, args = _filters(query)
        args.append(query.limit + 1)
        sql = f"{_SELECT_ALERT} {where} ORDER BY alerts.raised_at DESC, id DESC LIMIT ${len(args)}"
        async with self.pool.acquire() as conn:
            rows = [_alert(r) for r in await conn.fetch(sql, *args)]
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return AlertPage(page, encode_cursor(page[-1]) if more else None)

    async def transition(
        self, alert_id: str, action: str, actor: str, at: float, note: str | None = None
    ) -> TransitionResult:
        async with self.pool.acquire() as conn, conn.transaction():
            resolved = await conn.fetchval(_RESOLVE, alert_id)
            current = await _fetch_alert(conn, resolved, lock=True)
            if current is None:
                raise AlertNotFound(alert_id)
            status = operator_status(current, action)
            if status is None:
                return TransitionResult(current, None)
            alert = moved_by(current, status, actor, at)
            change = AlertChange(change_for(action), alert, at, actor, note)
            await _update(conn, alert)
            await conn.execute(_INSERT_CHANGE, alert.id, change.change, at, status, actor, note)
            return TransitionResult(alert, change)

    async def report(self, report: Report) -> ReportResult:
        check_report(report)
        async with self.pool.acquire() as conn, conn.transaction():
            resolved = await conn.fetchval(_RESOLVE, report.alert_id)
            current = await _fetch_alert(conn, resolved, lock=True)
            if current is None:
                raise AlertNotFound(report.alert_id)
            # the row lock above serialises two copies of one report arriving together
            if await conn.fetchval(_REPORT_SEEN, current.id, report.report_id):
                return ReportResult(current, [], duplicate=True)
            result = plan_report(current, report)
            reported, *moved = result.changes
            await conn.execute(
                _INSERT_REPORTED,
                current.id,
                reported.change,
                report.at,
                result.alert.status,
                report.actor,
                report.note,
                report.report_id,
            )
            for change in moved:
                await conn.execute(
                    _INSERT_CHANGE,
                    current.id,
                    change.change,
                    change.at,
                    result.alert.status,
                    change.actor,
                    change.note,
                )
            if result.alert != current:
                await _update(conn, result.alert)
            return result

    async def history(self, alert_id: str) -> builtins.list[ChangeRecord]:
        # In the order stored: one clock for every row. `at` is each change's own time
        # (event time for the pipeline's, wall clock for operators'), and the two drift
        # apart in a replay at --speed 10: ordering by it put acknowledgements before raises.
        sql = """
            SELECT alert_id, change, extract(epoch FROM at)::float8 AS at, status, actor, note,
                   report_id, extract(epoch FROM recorded_at)::float8 AS recorded_at
            FROM alert_changes WHERE alert_id = ($1) ORDER BY id"""
        async with self.pool.acquire() as conn:
            resolved = await conn.fetchval(_RESOLVE, alert_id)
            return [ChangeRecord(**dict(r)) for r in await conn.fetch(sql, resolved)]

    async def unacknowledged(
        self,
        raised_before: float,
        *,
        severity: str | None = None,
        not_escalated_to: str | None = None,
        include_cleared: bool = True,
        limit: int = 500,
    ) -> builtins.list[Alert]:
        sql = f"""{_SELECT_ALERT}
            WHERE status = 'open' AND alerts.raised_at <= to_timestamp($1)
              AND ($2::text IS NULL OR severity = $2)
              AND ($3::text IS NULL OR NOT ($3 = ANY(escalated_to)))
              AND ($5 OR cleared_at IS NULL)
            ORDER BY alerts.raised_at, id LIMIT $4"""
        args = (raised_before, severity, not_escalated_to, limit, include_cleared)
        async with self.pool.acquire() as conn:
            return [_alert(r) for r in await conn.fetch(sql, *args)]

    async def record_escalation(
        self, alert_id: str, level: str, target: str, at: float
    ) -> Alert | None:
        async with self.pool.acquire() as conn, conn.transaction():
            resolved = await conn.fetchval(_RESOLVE, alert_id)
            current = await _fetch_alert(conn, resolved, lock=True)
            if current is None:
                raise AlertNotFound(alert_id)
            inserted = await conn.fetchval(
                """INSERT INTO escalations (alert_id, level, target, at, severity)
                   VALUES ($1, $2, $3, to_timestamp($4), $5)
                   ON CONFLICT (alert_id, level) DO NOTHING RETURNING id""",
                current.id,
                level,
                target,
                at,
                current.severity,
            )
            if inserted is None:
                return None
            alert = replace(current, escalated_to=(*current.escalated_to, level))
            await _update(conn, alert)
            await conn.execute(
                _INSERT_CHANGE,
                alert.id,
                Change.ESCALATED.value,
                at,
                alert.status,
                None,
                f"to {level}",
            )
            return alert

    async def escalations(self, alert_id: str) -> builtins.list[EscalationRecord]:
        sql = """SELECT alert_id, level, target, extract(epoch FROM at)::float8 AS at, severity
                 FROM escalations WHERE alert_id = $1 ORDER BY at, id"""
        async with self.pool.acquire() as conn:
            resolved = await conn.fetchval(_RESOLVE, alert_id)
            return [EscalationRecord(**dict(r)) for r in await conn.fetch(sql, resolved)]

    async def record_delivery(self, receipt: DeliveryReceipt) -> None:
        sql = """
            INSERT INTO deliveries (alert_id, change, channel, attempt, ok, at, status_code,
                                    latency_ms, error)
            VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8, $9)"""
        async with self.pool.acquire() as conn:
            resolved = await conn.fetchval(_RESOLVE, receipt.alert_id)
            try:
                await conn.execute(
                    sql,
                    resolved,
                    receipt.change,
                    receipt.channel,
                    receipt.attempt,
                    receipt.ok,
                    receipt.at,
                    receipt.status_code,
                    receipt.latency_ms,
                    receipt.error,
                )
            except asyncpg.ForeignKeyViolationError:
                raise AlertNotFound(receipt.alert_id) from None

    async def deliveries(self, alert_id: str) -> builtins.list[DeliveryReceipt]:
        sql = """
            SELECT alert_id, change, channel, attempt, ok, extract(epoch FROM at)::float8 AS at,
                   status_code, latency_ms, error
            FROM deliveries WHERE alert_id = $1 ORDER BY at, id"""
        async with self.pool.acquire() as conn:
            resolved = await conn.fetchval(_RESOLVE, alert_id)
            return [DeliveryReceipt(**dict(r)) for r in await conn.fetch(sql, resolved)]

    async def add_silence(self, silence: Silence) -> Silence:
        check_silence(silence)
        sql = """
            INSERT INTO silences (id, mmsi, rule, actor, reason, starts_at, ends_at, created_at)
            VALUES ($1, $2, $3, $4, $5, to_timestamp($6), to_timestamp($7),
                    coalesce(to_timestamp($8), now()))
            ON CONFLICT (id) DO NOTHING"""
        async with self.pool.acquire() as conn:
            await conn.execute(
                sql,
                silence.id,
                silence.mmsi,
                silence.rule,
                silence.actor,
                silence.reason,
                silence.start,
                silence.end,
                silence.created_at,
            )
            row = await conn.fetchrow(
                f"SELECT {_SILENCE_COLUMNS} FROM silences WHERE id = $1", silence.id
            )
        return Silence(**dict(row))

    async def silences(
        self, mmsi: int | None = None, active_at: float | None = None
    ) -> builtins.list[Silence]:
        sql = f"""
            SELECT {_SILENCE_COLUMNS} FROM silences
            WHERE deleted_at IS NULL AND ($1::integer IS NULL OR mmsi = $1)
              AND ($2::float8 IS NULL OR (starts_at <= to_timestamp($2)
                                          AND to_timestamp($2) < ends_at))
            ORDER BY starts_at, id"""
        async with self.pool.acquire() as conn:
            return [Silence(**dict(r)) for r in await conn.fetch(sql, mmsi, active_at)]

    async def delete_silence(self, silence_id: str, actor: str, at: float) -> bool:
        sql = """UPDATE silences SET deleted_at = to_timestamp($3), deleted_by = $2
                 WHERE id = $1 AND deleted_at IS NULL"""
        async with self.pool.acquire() as conn:
            status = await conn.execute(sql, silence_id, actor, at)
        return bool(status == "UPDATE 1")


async def _apply_to(
    conn: asyncpg.Connection, current: Alert, change: AlertChange, outcome: str
) -> ApplyResult:
    """Merge `change` into the stored `current` unless this change was recorded before."""
    merged = merge(current, change)
    if change.change == Change.UPDATED:
        # No history row: the latest figures live on the alert, and a row a minute would
        # bury the changes a person needs. The same update again changes nothing.
        if merged == current:
            return ApplyResult("duplicate", current)
        await _update(conn, merged)
        return ApplyResult(outcome, merged)
    note = change.note
    if outcome == "merged":
        note = f"{change.change} again as {change.alert.id}"
    recorded = await conn.fetchval(
        _INSERT_CHANGE, current.id, change.change, change.at, merged.status, change.actor, note
    )
    if recorded is None:
        return ApplyResult("duplicate", current)
    if merged != current:
        await _update(conn, merged)
    return ApplyResult(outcome, merged)


async def _insert(conn: asyncpg.Connection, change: AlertChange) -> bool:
    """Insert the change's alert; False when its key already has an open alert."""
    a = _inserted(change)
    inserted = await conn.fetchval(
        _INSERT_ALERT,
        a.id,
        a.rule,
        a.mmsi,
        a.office,
        a.severity,
        a.status,
        a.lat,
        a.lon,
        a.other_mmsi,
        a.zone,
        a.cell,
        _json(a.details),
        list(a.escalated_to),
        a.raised_at,
        a.cleared_at,
        None if a.track is None else _json(a.track),
    )
    if inserted is None:
        return False
    await conn.execute(
        _INSERT_CHANGE, a.id, change.change, change.at, a.status, change.actor, change.note
    )
    return True


def _inserted(change: AlertChange) -> Alert:
    alert = change.alert
    if change.change == Change.CLEARED and alert.cleared_at is None:
        return replace(alert, cleared_at=change.at)
    return alert


async def _merge_into_holder(conn: asyncpg.Connection, change: AlertChange) -> ApplyResult:
    rule, mmsi, subject = change.alert.key
    row = await conn.fetchrow(_OPEN_HOLDER, rule, mmsi, subject)
    if row is None:
        # The conflict was on the id: another transaction inserted it meanwhile.
        current = await _fetch_alert(conn, change.alert.id, lock=True)
        if current is None:
            raise RuntimeError(f"alert {change.alert.id} conflicts with nothing")
        return await _apply_to(conn, current, change, "applied")
    holder = _alert(row)
    await conn.execute(
        "INSERT INTO alert_aliases (alias, alert_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        change.alert.id,
        holder.id,
    )
    return await _apply_to(conn, holder, change, "merged")


async def _fetch_alert(
    conn: asyncpg.Connection, alert_id: str, *, lock: bool = False
) -> Alert | None:
    sql = f"{_SELECT_ALERT} WHERE id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, alert_id)
    return _alert(row) if row is not None else None


async def _update(conn: asyncpg.Connection, a: Alert) -> None:
    await conn.execute(
        _UPDATE_ALERT,
        a.id,
        a.severity,
        a.status,
        a.lat,
        a.lon,
        a.cell,
        _json(a.details),
        list(a.escalated_to),
        a.cleared_at,
        a.acknowledged_at,
        a.acknowledged_by,
    )


def _alert(row: asyncpg.Record) -> Alert:
    data = dict(row)
    data["details"] = orjson.loads(data["details"])
    data["escalated_to"] = tuple(data["escalated_to"])
    data["track"] = None if data["track"] is None else orjson.loads(data["track"])
    return Alert(**data)


def _json(value: dict[str, Any]) -> str:
    return orjson.dumps(value).decode()


def _filters(query: AlertQuery) -> tuple[str, builtins.list[Any]]:
    """The WHERE clause and its arguments for `query` (all values as parameters)."""
    clauses: builtins.list[str] = []
    args: builtins.list[Any] = []

    def add(sql: str, value: Any) -> None:
        args.append(value)
        clauses.append(sql.replace("?", f"${len(args)}"))

    if query.status:
        add("status = ANY(?::text[])", list(query.status))
    for column in ("office", "rule", "mmsi"):
        value = getattr(query, column)
        if value is not None:
            add(f"{column} = ?", value)
    if query.since is not None:
        add("alerts.raised_at >= to_timestamp(?)", query.since)
    if query.until is not None:
        add("alerts.raised_at < to_timestamp(?)", query.until)
    if query.active is not None:
        clauses.append("cleared_at IS NULL" if query.active else "cleared_at IS NOT NULL")
    if query.cursor is not None:
        raised, alert_id = decode_cursor(query.cursor)
        args.extend([raised, alert_id])
        clauses.append(f"(alerts.raised_at, id) < (to_timestamp(${len(args) - 1}), ${len(args)})")
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args
