"""The alert store in memory, for `seagrid serve --demo` (no database) and for tests.

Same behaviour as the PostgreSQL store, checked by the same test suite: the merge and
transition rules come from `store_api`, and "one open alert per key" is kept by an index
that plays the part of the database's partial unique index. Nothing survives a restart.
"""

from __future__ import annotations

import builtins
import time
from dataclasses import replace

from services.alerts.model import Alert, AlertChange, AlertKey, Change, Silence
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


class MemoryAlertStore:
    """An `AlertStore` held in dictionaries; not shared between processes."""

    def __init__(self) -> None:
        self._alerts: dict[str, Alert] = {}
        self._aliases: dict[str, str] = {}
        self._open: dict[AlertKey, str] = {}
        self._history: dict[str, list[ChangeRecord]] = {}
        self._seen: set[tuple[str, str, float]] = set()
        self._reports: set[tuple[str, str]] = set()  # (alert id, client's report id)
        self._escalations: dict[str, list[EscalationRecord]] = {}
        self._deliveries: dict[str, list[DeliveryReceipt]] = {}
        self._silences: dict[str, Silence] = {}
        self._deleted: set[str] = set()

    async def apply(self, change: AlertChange) -> ApplyResult:
        alert_id = self._aliases.get(change.alert.id, change.alert.id)
        current = self._alerts.get(alert_id)
        if current is None:
            return self._insert(change)
        if (alert_id, change.change, change.at) in self._seen:
            return ApplyResult("duplicate", current)
        merged = merge(current, change)
        if change.change == Change.UPDATED:
            # the latest figures live on the alert; the history keeps what a person needs
            if merged == current:
                return ApplyResult("duplicate", current)
            self._save(merged)
            return ApplyResult("applied", merged)
        self._save(merged)
        self._record(alert_id, change.change, change.at, merged.status, change.actor, change.note)
        return ApplyResult("applied", merged)

    def _insert(self, change: AlertChange) -> ApplyResult:
        alert = change.alert
        holder = self._open.get(alert.key) if alert.is_open else None
        if holder is not None:
            self._aliases[alert.id] = holder
            merged = merge(self._alerts[holder], change)
            self._save(merged)
            note = f"{change.change} again as {alert.id}"
            self._record(holder, change.change, change.at, merged.status, change.actor, note)
            return ApplyResult("merged", merged)
        if change.change == Change.CLEARED and alert.cleared_at is None:
            alert = replace(alert, cleared_at=change.at)
        self._save(alert)
        self._record(alert.id, change.change, change.at, alert.status, change.actor, change.note)
        return ApplyResult("applied", alert)

    def _save(self, alert: Alert) -> None:
        self._alerts[alert.id] = alert
        if alert.is_open:
            self._open[alert.key] = alert.id
        elif self._open.get(alert.key) == alert.id:
            del self._open[alert.key]

    def _record(
        self,
        alert_id: str,
        change: str,
        at: float,
        status: str,
        actor: str | None,
        note: str | None,
        report_id: str | None = None,
    ) -> None:
        if (alert_id, change, at) in self._seen:
            return
        self._seen.add((alert_id, change, at))
        record = ChangeRecord(alert_id, change, at, status, actor, note, report_id, time.time())
        self._history.setdefault(alert_id, []).append(record)

    async def get(self, alert_id: str) -> Alert | None:
        return self._alerts.get(self._aliases.get(alert_id, alert_id))

    async def list(self, query: AlertQuery) -> AlertPage:
        rows = sorted(
            (a for a in self._alerts.values() if _matches(a, query)),
            key=lambda a: (a.raised_at, a.id),
            reverse=True,
        )
        if query.cursor is not None:
            after = decode_cursor(query.cursor)
            rows = [a for a in rows if (a.raised_at, a.id) < after]
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return AlertPage(page, encode_cursor(page[-1]) if more else None)

    async def transition(
        self, alert_id: str, action: str, actor: str, at: float, note: str | None = None
    ) -> TransitionResult:
        current = await self.get(alert_id)
        if current is None:
            raise AlertNotFound(alert_id)
        status = operator_status(current, action)
        if status is None:
            return TransitionResult(current, None)
        alert = moved_by(current, status, actor, at)
        self._save(alert)
        change = AlertChange(change_for(action), alert, at, actor, note)
        self._record(alert.id, change.change, at, status, actor, note)
        return TransitionResult(alert, change)

    async def report(self, report: Report) -> ReportResult:
        check_report(report)
        current = await self.get(report.alert_id)
        if current is None:
            raise AlertNotFound(report.alert_id)
        if (current.id, report.report_id) in self._reports:
            return ReportResult(current, [], duplicate=True)
        self._reports.add((current.id, report.report_id))
        result = plan_report(current, report)
        self._save(result.alert)
        status = result.alert.status
        for change in result.changes:
            rid = report.report_id if change.change == Change.REPORTED else None
            self._record(
                current.id, change.change, change.at, status, change.actor, change.note, rid
            )
        return result

    async def history(self, alert_id: str) -> builtins.list[ChangeRecord]:
        alert_id = self._aliases.get(alert_id, alert_id)
        # In the order stored (one clock: the store's), like PgAlertStore's ORDER BY id.
        return list(self._history.get(alert_id, []))

    async def unacknowledged(
        self,
        raised_before: float,
        *,
        severity: str | None = None,
        not_escalated_to: str | None = None,
        include_cleared: bool = True,
        limit: int = 500,
    ) -> builtins.list[Alert]:
        rows = [
            a
            for a in self._alerts.values()
            if a.status == "open"
            and a.raised_at <= raised_before
            and (severity is None or a.severity == severity)
            and (not_escalated_to is None or not_escalated_to not in a.escalated_to)
            and (include_cleared or a.cleared_at is None)
        ]
        return sorted(rows, key=lambda a: (a.raised_at, a.id))[:limit]

    async def record_escalation(
        self, alert_id: str, level: str, target: str, at: float
    ) -> Alert | None:
        current = await self.get(alert_id)
        if current is None:
            raise AlertNotFound(alert_id)
        done = self._escalations.setdefault(current.id, [])
        if any(e.level == level for e in done):
            return None
        done.append(EscalationRecord(current.id, level, target, at, current.severity))
        alert = replace(current, escalated_to=(*current.escalated_to, level))
        self._save(alert)
        self._record(alert.id, Change.ESCALATED.value, at, alert.status, None, f"to {level}")
        return alert

    async def escalations(self, alert_id: str) -> builtins.list[EscalationRecord]:
        return list(self._escalations.get(self._aliases.get(alert_id, alert_id), []))

    async def record_delivery(self, receipt: DeliveryReceipt) -> None:
        alert_id = self._aliases.get(receipt.alert_id, receipt.alert_id)
        if alert_id not in self._alerts:
            raise AlertNotFound(receipt.alert_id)
        self._deliveries.setdefault(alert_id, []).append(replace(receipt, alert_id=alert_id))

    async def deliveries(self, alert_id: str) -> builtins.list[DeliveryReceipt]:
        return list(self._deliveries.get(self._aliases.get(alert_id, alert_id), []))

    async def add_silence(self, silence: Silence) -> Silence:
        check_silence(silence)
        if silence.created_at is None:
            silence = replace(silence, created_at=time.time())
        return self._silences.setdefault(silence.id, silence)

    async def silences(
        self, mmsi: int | None = None, active_at: float | None = None
    ) -> builtins.list[Silence]:
        found = [
            s
            for s in self._silences.values()
            if s.id not in self._deleted
            and (mmsi is None or s.mmsi == mmsi)
            and (active_at is None or s.start <= active_at < s.end)
        ]
        return sorted(found, key=lambda s: (s.start, s.id))

    async def delete_silence(self, silence_id: str, actor: str, at: float) -> bool:  # noqa: ARG002
        if silence_id not in self._silences or silence_id in self._deleted:
            return False
        self._deleted.add(silence_id)
        return True


def _matches(alert: Alert, query: AlertQuery) -> bool:
    checks = (
        not query.status or alert.status in query.status,
        query.office is None or alert.office == query.office,
        query.rule is None or alert.rule == query.rule,
        query.mmsi is None or alert.mmsi == query.mmsi,
        query.since is None or alert.raised_at >= query.since,
        query.until is None or alert.raised_at < query.until,
        query.active is None or (alert.cleared_at is None) == query.active,
    )
    return all(checks)
