"""The AlertBook: rule observations in, alert changes out (pure: no I/O, no asyncio).

Per alert key (rule, vessel, zone or other vessel) it keeps one small state machine:

    idle --active--> pending --active, held min_duration--> OPEN --inactive--> clearing
      ^                 |                                    ^   |                 |
      +----inactive-----+                                    +-active (same alert) |
      +---------------------- inactive for clear_after: CLEARED -------------------+

- Raising needs an active observation at least `min_duration_s` after the first one of an
  unbroken run (confirmation by data, never by a timer: an alert must rest on a report).
  Its id is a function of key and raising time, so re-processing the same input after a
  restart produces the same alert, which the store recognises.
- Clearing is by the clock: `clear_after_s` after the first inactive observation, with no
  active one since. `cleared_at` is when the condition ended (that first inactive
  observation); the CLEARED change is dated at the deadline. Both depend only on the
  observations, not on when `advance` happens to be called, so replays are deterministic.
- An operator who resolves (or marks as false alarm) an alert whose condition still holds
  has decided about this occurrence: the key stays quiet until the condition has been gone
  for `clear_after_s`; only then can a new occurrence raise a new alert.
- A `predicted_entry` closes itself (status `resolved`, actor none): when the prediction
  ends (the vessel turned away; note `turned_away`) and at once when the vessel's
  `zone_entry` for that zone is raised (note `zone_entry`): a prediction that did not come
  true, or that the entry alert now covers, is nothing left for a person to decide.
- Silences are checked against the observation's time (behaviour time). Behaviour under a
  silence neither raises nor counts towards a minimum duration; an alert already open
  before the silence stays open for the operator to close.

Operator actions reach the book as `OperatorCommand`s; the store records them itself (the
web writes it), so the changes `command` returns are for the caller to inspect, not to be
published again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from services.alerts.model import (
    ACTION_CHANGES,
    OPEN_STATUSES,
    Action,
    Alert,
    AlertChange,
    AlertKey,
    Change,
    Observation,
    OperatorCommand,
    Rule,
    Severity,
    Status,
    alert_id,
    alert_key,
)
from services.alerts.routing import Router
from services.alerts.silences import SilenceList
from services.alerts.timing import AlertTiming

log = logging.getLogger(__name__)

_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
_CLOSED = frozenset({Status.RESOLVED, Status.FALSE_ALARM})


class CommandError(ValueError):
    """An operator command the book cannot apply (unknown alert, forbidden transition)."""


@dataclass(slots=True)
class _KeyState:
    pending_since: float | None = None  # first active observation of an unbroken run
    last_active: float | None = None
    alert: Alert | None = None  # the open (not cleared) alert of this key
    inactive_since: float | None = None  # clearing started (alert open or suppressed)
    suppressed: bool = False  # closed by an operator while the condition still held
    last_update: float = 0.0

    @property
    def idle(self) -> bool:
        return self.pending_since is None and self.alert is None and not self.suppressed


class AlertBook:
    def __init__(
        self,
        router: Router,
        timing: AlertTiming | None = None,
        silences: SilenceList | None = None,
    ) -> None:
        self.router = router
        self.timing = timing or AlertTiming()
        self.silences = silences or SilenceList()
        self._keys: dict[AlertKey, _KeyState] = {}
        self._clearing: dict[AlertKey, float] = {}  # key -> clear deadline
        self._alerts: dict[str, Alert] = {}  # every alert an operator has not closed yet
        self.clock = float("-inf")
        self._swept = float("-inf")

    # --- queries ---------------------------------------------------------------------

    def get(self, alert_id: str) -> Alert | None:
        return self._alerts.get(alert_id)

    def open_alerts(self) -> list[Alert]:
        """Alerts whose condition holds and that no operator has closed."""
        return [s.alert for s in self._keys.values() if s.alert is not None]

    def pending(self) -> int:
        """Keys whose condition holds but not yet for its minimum duration."""
        return sum(1 for s in self._keys.values() if s.pending_since is not None)

    # --- pipeline --------------------------------------------------------------------

    def observe(self, observations: Iterable[Observation]) -> list[AlertChange]:
        """Apply observations in the order given (event time order per key)."""
        out: list[AlertChange] = []
        for obs in observations:
            state = self._keys.get(obs.key)
            if state is None:
                if not obs.active:
                    continue  # the common case: nothing was going on for this key
                state = self._keys[obs.key] = _KeyState()
            deadline = self._clearing.get(obs.key)
            if deadline is not None and deadline <= obs.ts:
                self._clear(obs.key, state, out)
            if obs.active:
                self._active(obs, state, out)
            else:
                self._inactive(obs, state, out)
            if state.idle:
                del self._keys[obs.key]
            self.clock = max(self.clock, obs.ts)
        return out

    def advance(self, now: float) -> list[AlertChange]:
        """Move the event clock to `now`: clear what has been gone long enough."""
        self.clock = max(self.clock, now)
        out: list[AlertChange] = []
        due = sorted((d, k) for k, d in self._clearing.items() if d <= now)
        for _, key in due:
            state = self._keys[key]
            self._clear(key, state, out)
            if state.idle:
                del self._keys[key]
        if now - self._swept >= self.timing.pending_gap_s:
            self._sweep(now)
        return out

    def _sweep(self, now: float) -> None:
        """Drop pending runs whose vessel went quiet: they would start over anyway, and
        without this every vessel that once dipped under a threshold stays in memory."""
        self._swept = now
        horizon = now - self.timing.pending_gap_s
        for key, state in list(self._keys.items()):
            if state.alert is None and not state.suppressed and _before(state.last_active, horizon):
                del self._keys[key]

    def _active(self, obs: Observation, state: _KeyState, out: list[AlertChange]) -> None:
        if state.inactive_since is not None:  # came back before clearing: same alert
            state.inactive_since = None
            self._clearing.pop(obs.key, None)
        if state.suppressed:
            return
        if state.alert is not None:
            self._maybe_update(obs, state, out)
            return
        if obs.mmsi is not None and self.silences.covers(
            obs.rule, obs.mmsi, obs.other_mmsi, obs.ts
        ):
            state.pending_since = None
            return
        gap = self.timing.pending_gap_s
        last = state.last_active
        if state.pending_since is None or (last is not None and obs.ts - last > gap):
            state.pending_since = obs.ts
        state.last_active = obs.ts
        timing = self.timing.for_alert(obs.rule, obs.zone)
        if obs.ts - state.pending_since >= timing.min_duration_s:
            self._raise(obs, state, out)

    def _inactive(self, obs: Observation, state: _KeyState, out: list[AlertChange]) -> None:
        state.pending_since = None
        if state.alert is None and not state.suppressed:
            return
        if state.inactive_since is None:
            state.inactive_since = obs.ts
            wait = self.timing.for_alert(obs.rule, obs.zone).clear_after_s
            self._clearing[obs.key] = obs.ts + wait
        if self._clearing[obs.key] <= obs.ts:
            self._clear(obs.key, state, out)

    def _raise(self, obs: Observation, state: _KeyState, out: list[AlertChange]) -> None:
        details = dict(obs.details)
        if state.pending_since is not None and state.pending_since < obs.ts:
            details.setdefault("since", state.pending_since)
        if obs.modes:  # the rule set in force when raised, kept for the alert's life
            details["modes"] = list(obs.modes)
        alert = Alert(
            id=alert_id(obs.key, obs.ts),
            rule=obs.rule,
            mmsi=obs.mmsi,
            office=self.router.office_for(obs.cell),
            severity=obs.severity,
            status=Status.OPEN.value,
            raised_at=obs.ts,
            lat=obs.lat,
            lon=obs.lon,
            other_mmsi=obs.other_mmsi,
            zone=obs.zone,
            cell=obs.cell,
            details=details,
            track=obs.track,
        )
        state.alert, state.pending_since, state.last_update = alert, None, obs.ts
        self._alerts[alert.id] = alert
        out.append(AlertChange(Change.RAISED.value, alert, obs.ts))
        if obs.rule == Rule.ZONE_ENTRY:
            self._supersede_prediction(obs, out)

    def _supersede_prediction(self, obs: Observation, out: list[AlertChange]) -> None:
        """The vessel entered: its prediction for this zone came true and closes itself."""
        key = alert_key(Rule.PREDICTED_ENTRY.value, obs.mmsi, obs.zone, None)
        state = self._keys.get(key)
        if state is None or state.alert is None:
            return
        prediction, state.alert = state.alert, None
        state.inactive_since = None
        self._clearing.pop(key, None)
        self._alerts.pop(prediction.id, None)
        closed = replace(prediction, cleared_at=obs.ts, status=Status.RESOLVED.value)
        out.append(AlertChange(Change.CLEARED.value, closed, obs.ts, note="zone_entry"))
        if state.idle:
            del self._keys[key]

    def _maybe_update(self, obs: Observation, state: _KeyState, out: list[AlertChange]) -> None:
        alert = state.alert
        assert alert is not None
        higher = _SEVERITY_RANK[Severity(obs.severity)] > _SEVERITY_RANK[Severity(alert.severity)]
        due = obs.ts - state.last_update >= self.timing.update_interval_s
        raised = alert.details
        if "modes" in raised:  # not the rule's finding: no reason to update
            raised = {k: v for k, v in raised.items() if k != "modes"}
        moved = (obs.lat, obs.lon) != (alert.lat, alert.lon) or obs.details != raised
        if not (higher or (due and moved)):
            return
        severity = obs.severity if higher else alert.severity
        details = dict(obs.details)
        for kept in ("since", "modes"):  # from the raise: when it began, which modes then
            if kept in alert.details:
                details.setdefault(kept, alert.details[kept])
        updated = replace(alert, lat=obs.lat, lon=obs.lon, severity=severity, details=details)
        self._store(state, updated)
        state.last_update = obs.ts
        out.append(AlertChange(Change.UPDATED.value, updated, obs.ts))

    def _clear(self, key: AlertKey, state: _KeyState, out: list[AlertChange]) -> None:
        deadline = self._clearing.pop(key)
        ended, state.inactive_since = state.inactive_since, None
        state.suppressed = False
        if state.alert is None:
            return
        cleared = replace(state.alert, cleared_at=ended)
        state.alert = None
        note = None
        if cleared.rule == Rule.PREDICTED_ENTRY and cleared.status in OPEN_STATUSES:
            cleared, note = replace(cleared, status=Status.RESOLVED.value), "turned_away"
            self._alerts.pop(cleared.id, None)
        elif cleared.status in OPEN_STATUSES:
            self._alerts[cleared.id] = cleared  # still for an operator to close
        out.append(AlertChange(Change.CLEARED.value, cleared, deadline, note=note))

    def _store(self, state: _KeyState, alert: Alert) -> None:
        state.alert = alert
        self._alerts[alert.id] = alert

    # --- operators -------------------------------------------------------------------

    def command(self, command: OperatorCommand) -> list[AlertChange]:
        """Apply an operator's command; raises CommandError when it cannot apply."""
        action = Action(command.action)
        if action == Action.SILENCE:
            if command.silence is None:
                raise CommandError("silence command without a silence")
            try:
                self.silences.add(command.silence)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            return []
        if action == Action.UNSILENCE:
            if command.silence_id is None or not self.silences.remove(command.silence_id):
                raise CommandError(f"no silence {command.silence_id!r}")
            return []
        change = self._operator_change(command, action)
        return [] if change is None else [change]

    def _operator_change(self, command: OperatorCommand, action: Action) -> AlertChange | None:
        alert = self._find(command)
        change = ACTION_CHANGES[action]
        target = Status(change.value)
        if alert.status == target:
            return None  # a repeat (redelivered or resent): already applied, nothing to say
        if Status(alert.status) in _CLOSED or (
            Status(alert.status) == Status.ACKNOWLEDGED and target == Status.ACKNOWLEDGED
        ):
            raise CommandError(f"alert {alert.id}: cannot {action} an alert that is {alert.status}")
        updated = replace(alert, status=target.value)
        state = self._keys.get(alert.key)
        mine = state is not None and state.alert is not None and state.alert.id == alert.id
        if target in _CLOSED:
            del self._alerts[alert.id]
            if mine:
                assert state is not None
                state.alert, state.suppressed = None, True
        else:
            self._alerts[alert.id] = updated
            if mine:
                assert state is not None
                state.alert = updated
        return AlertChange(
            change.value, updated, command.at, actor=command.actor, note=command.note
        )

    def _find(self, command: OperatorCommand) -> Alert:
        """By id; failing that by key (a restarted book knows the open alert, not old ids)."""
        if command.alert_id is not None and command.alert_id in self._alerts:
            return self._alerts[command.alert_id]
        key = command.key
        state = self._keys.get(key) if key is not None else None
        if state is not None and state.alert is not None:
            return state.alert
        raise CommandError(f"no open alert {command.alert_id or key!r}")

    def restore(self, alerts: Iterable[Alert]) -> None:
        """Take over open alerts from the store at start-up, so a restart does not re-raise.

        Alerts already cleared or closed are ignored; of two open alerts for one key (which
        the store prevents), the later one wins.
        """
        for alert in sorted(alerts, key=lambda a: a.raised_at):
            if not alert.is_open:
                continue
            state = self._keys.setdefault(alert.key, _KeyState())
            state.alert, state.last_update = alert, alert.raised_at
            self._alerts[alert.id] = alert


def _before(ts: float | None, horizon: float) -> bool:
    return ts is not None and ts < horizon
