"""Operator actions on alerts and silences: what the web calls.

Each action is written to the store first (the record of who did what, and the answer the
web returns), then announced on the bus: as an `OperatorCommand` on ALERT_COMMANDS, for the
pipeline's AlertBook (so it knows an alert was resolved, or a vessel silenced), and, for
alert actions, as the `AlertChange` on ALERTS, for live views in every process. The store
has already recorded that change, so the dispatcher sees it as a duplicate and does not
forward it to the delivery channels.

If the bus is down the action is stored and `BusError` is raised: the caller can report
that the pipeline was not told, and repeating the action is harmless (the store sees no
change and the announcement is sent again).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import orjson

from services.alerts.model import (
    ACTION_CHANGES,
    Action,
    Alert,
    AlertChange,
    Change,
    OperatorCommand,
    Silence,
    alert_change_to_json,
    command_for,
    command_to_json,
)
from services.alerts.store_api import (
    AlertStore,
    Report,
    ReportResult,
    TransitionResult,
    check_note,
    check_silence,
)
from services.core import topics
from services.core.bus import Bus


class AlertActions:
    def __init__(self, store: AlertStore, bus: Bus, clock: Callable[[], float] = time.time) -> None:
        self.store, self.bus, self.clock = store, bus, clock

    async def acknowledge(self, alert_id: str, actor: str, note: str | None = None) -> Alert:
        return (await self.act(alert_id, Action.ACKNOWLEDGE, actor, note)).alert

    async def resolve(self, alert_id: str, actor: str, note: str | None = None) -> Alert:
        return (await self.act(alert_id, Action.RESOLVE, actor, note)).alert

    async def false_alarm(self, alert_id: str, actor: str, note: str | None = None) -> Alert:
        return (await self.act(alert_id, Action.FALSE_ALARM, actor, note)).alert

    async def act(
        self, alert_id: str, action: str, actor: str, note: str | None = None
    ) -> TransitionResult:
        """Raises AlertNotFound, InvalidTransition, InvalidQuery (a note with control
        characters), ValueError (not an alert action), BusError.

        Repeating an action already applied answers the alert as it is and announces
        nothing: there is no change for the pipeline to hear of.
        """
        check_note(note)
        now = self.clock()
        result = await self.store.transition(alert_id, action, actor, now, note)
        if result.change is None:
            return result
        command = command_for(Action(action).value, result.alert, actor, now, note)
        await self._announce(command)
        payload = orjson.dumps(alert_change_to_json(result.change))
        await self.bus.publish(topics.ALERTS, [payload])
        return result

    async def report(
        self,
        alert_id: str,
        actor: str,
        note: str,
        *,
        outcome: str | None = None,
        report_id: str | None = None,
    ) -> ReportResult:
        """A field report; a client that may resend it (an offline outbox) gives `report_id`.

        Raises AlertNotFound, InvalidQuery (bad note, id or outcome), BusError. A resent
        report already stored is announced no more: the first copy's announcement stood.
        """
        rid = report_id if report_id is not None else uuid.uuid4().hex
        report = Report(alert_id, actor, note, self.clock(), rid, outcome)
        result = await self.store.report(report)
        for change in result.changes:
            if change.change != Change.REPORTED:
                await self._announce(_command_of(change))
        if result.changes:
            payloads = [orjson.dumps(alert_change_to_json(c)) for c in result.changes]
            await self.bus.publish(topics.ALERTS, payloads)
        return result

    async def silence(
        self,
        mmsi: int,
        start: float,
        end: float,
        actor: str,
        *,
        rule: str | None = None,
        reason: str | None = None,
    ) -> Silence:
        """Silence a vessel (one rule, or all) for behaviour in [start, end).

        Raises InvalidQuery when end is not after start, BusError when the bus is down.
        """
        now = self.clock()
        silence = Silence(uuid.uuid4().hex, mmsi, start, end, rule, actor, reason, now)
        check_silence(silence)
        stored = await self.store.add_silence(silence)
        await self._announce(OperatorCommand(Action.SILENCE.value, actor, now, silence=stored))
        return stored

    async def unsilence(self, silence_id: str, actor: str) -> bool:
        """False when there was no such silence (nothing is announced then)."""
        now = self.clock()
        if not await self.store.delete_silence(silence_id, actor, now):
            return False
        command = OperatorCommand(Action.UNSILENCE.value, actor, now, silence_id=silence_id)
        await self._announce(command)
        return True

    async def _announce(self, command: OperatorCommand) -> None:
        await self.bus.publish(topics.ALERT_COMMANDS, [orjson.dumps(command_to_json(command))])


def _command_of(change: AlertChange) -> OperatorCommand:
    """The pipeline's command for a status change a report made (acknowledged, resolved...)."""
    action = next(a for a, c in ACTION_CHANGES.items() if c == change.change)
    return command_for(action.value, change.alert, change.actor or "", change.at)
