"""The alert vocabulary shared by the rules, the lifecycle, the store and the web.

Three layers, each with its own type:
- a rule sees a vessel's behaviour and emits `Observation`s ("the condition holds now" or
  "it has ended"), pure and stateless apart from the track state it is given;
- the lifecycle (`AlertBook`) turns observations into `Alert`s: minimum duration before
  raising, hysteresis before clearing, one open alert per key, silences, routing;
- every change of an alert travels as an `AlertChange` on topic ALERTS, to the store, the
  delivery channels and the web.
Times are event times in Unix seconds (CONTRACTS §2); the JSON form (CONTRACTS §4) uses
ISO-8601 UTC strings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Rule(StrEnum):
    """Rule names (CONTRACTS §4, plus predicted_entry)."""

    ZONE_ENTRY = "zone_entry"
    SPEEDING = "speeding"
    ANCHORING_PROHIBITED = "anchoring_prohibited"
    ANCHOR_DRAG = "anchor_drag"
    LOITERING = "loitering"
    AIS_GAP = "ais_gap"
    CLOSE_QUARTERS = "close_quarters"
    POSITION_JUMP = "position_jump"
    WATCHLIST = "watchlist"
    DISTRESS = "distress"
    PREDICTED_ENTRY = "predicted_entry"
    # the information centre's rules (docs/infocentre.md)
    SUSPENDED_MOVING = "suspended_moving"  # a watchlisted vessel that must not sail moves
    TYPHOON_SHELTER = "typhoon_shelter"  # typhoon mode: small craft outside a shelter
    NEIGHBOUR_NOTICE = "neighbour_notice"  # a neighbouring MSA's handover notice
    RADAR_ONLY = "radar_only"  # CONTRACTS §12, services/radar
    POSITION_MISMATCH = "position_mismatch"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Status(StrEnum):
    """Operator-driven state; `cleared_at` (the condition ended by itself) is separate."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"


OPEN_STATUSES = frozenset({Status.OPEN, Status.ACKNOWLEDGED})


class Change(StrEnum):
    """What happened to an alert (one AlertChange per event, all recorded)."""

    RAISED = "raised"
    UPDATED = "updated"  # new position/details while open (not every report: rate-limited)
    CLEARED = "cleared"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"
    ESCALATED = "escalated"
    REPORTED = "reported"  # a field report (现场反馈): note, actor, time; status may not move


# (rule, mmsi, zone id or other MMSI or radar track or ""); mmsi None: a radar-only target
AlertKey = tuple[str, int | None, str]


def alert_key(
    rule: str,
    mmsi: int | None,
    zone: str | None,
    other_mmsi: int | None,
    track: dict[str, Any] | None = None,
) -> AlertKey:
    """The key of which at most one alert may be open (CONTRACTS §4)."""
    if zone is not None:
        subject = zone
    elif other_mmsi is not None:
        subject = str(other_mmsi)
    elif mmsi is None:  # radar-only: the track is the subject
        subject = track_subject(track)
    else:
        subject = ""
    return (rule, mmsi, subject)


def track_subject(track: dict[str, Any] | None) -> str:
    """`radar:target` of a radar track (CONTRACTS §12 `track`), "" without one."""
    return "" if not track else f"{track['radar']}:{track['target']}"


_ALERT_NS = uuid.UUID("6f1d3c52-51a4-4c39-9a4e-5e6a7c2b9d10")


def alert_id(key: AlertKey, raised_at: float) -> str:
    """Deterministic id: re-processing the same input yields the same alert, not a copy."""
    rule, mmsi, subject = key
    return str(uuid.uuid5(_ALERT_NS, f"{rule}|{mmsi}|{subject}|{raised_at:.3f}"))


@dataclass(frozen=True, slots=True)
class Observation:
    """A rule's finding about one vessel (or pair) at event time `ts`.

    `active=True`: the condition holds now (the rule has applied its own dwell logic, e.g.
    anchored longer than the dwell time). `active=False`: the rule knows it no longer holds
    (left the zone by more than the hysteresis distance, CPA opened again...).
    """

    rule: str
    mmsi: int | None  # None: a radar track no AIS vessel accounts for (`track` says which)
    ts: float
    active: bool
    lat: float
    lon: float
    cell: str | None = None
    zone: str | None = None
    other_mmsi: int | None = None
    severity: str = Severity.WARNING.value
    details: dict[str, Any] = field(default_factory=dict)
    track: dict[str, Any] | None = None  # {"radar": id, "target": number} (CONTRACTS §12)
    # the seasonal/weather modes in force where and when it holds (alerts/modes.py `stamp`)
    modes: tuple[str, ...] = ()

    @property
    def key(self) -> AlertKey:
        return alert_key(self.rule, self.mmsi, self.zone, self.other_mmsi, self.track)


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert record (CONTRACTS §4). `office` is the office owning `cell`, else the centre."""

    id: str
    rule: str
    mmsi: int | None
    office: str
    severity: str
    status: str
    raised_at: float
    lat: float
    lon: float
    other_mmsi: int | None = None
    zone: str | None = None
    cell: str | None = None
    cleared_at: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    escalated_to: tuple[str, ...] = ()  # centre / provincial centre, in order
    track: dict[str, Any] | None = None  # radar rules: {"radar", "target"} (CONTRACTS §12)
    # Who first took the alert out of `open` (acknowledge, resolve, false alarm or a field
    # report) and when, by the server's clock: the time to acknowledge of the statistics
    # and of the cards, the same on every screen and after a reload.
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None

    @property
    def key(self) -> AlertKey:
        return alert_key(self.rule, self.mmsi, self.zone, self.other_mmsi, self.track)

    @property
    def is_open(self) -> bool:
        """Counts against the one-open-per-key rule: not closed by an operator, not cleared."""
        return self.status in OPEN_STATUSES and self.cleared_at is None

    def to_json(self) -> dict[str, Any]:
        """The CONTRACTS §4 object."""
        return {
            "id": self.id,
            "rule": self.rule,
            "mmsi": self.mmsi,
            "other_mmsi": self.other_mmsi,
            "zone": self.zone,
            "cell": self.cell,
            "office": self.office,
            "severity": self.severity,
            "status": self.status,
            "raised_at": iso_utc(self.raised_at),
            "cleared_at": iso_utc(self.cleared_at),
            "lat": self.lat,
            "lon": self.lon,
            "details": dict(self.details),
            **({"track": dict(self.track)} if self.track is not None else {}),
            # only once someone has acted: the pipeline's records (--alerts-out) stay as
            # CONTRACTS §4 shows them
            **(
                {
                    "acknowledged_at": iso_utc(self.acknowledged_at),
                    "acknowledged_by": self.acknowledged_by,
                }
                if self.acknowledged_at is not None
                else {}
            ),
        }


@dataclass(frozen=True, slots=True)
class AlertChange:
    """One event in an alert's life, as carried on topic ALERTS and stored in the database."""

    change: str
    alert: Alert
    at: float  # event time for pipeline changes, wall-clock time for operator actions
    actor: str | None = None  # user name for operator actions, None for the pipeline
    note: str | None = None


_DATES: dict[int, str] = {}  # day number since the epoch -> its ISO date


def iso_utc(ts: float | None) -> str | None:
    """Unix seconds to ISO-8601 UTC ending in Z (millisecond precision when needed)."""
    if ts is None:
        return None
    if not ts % 1:
        # whole seconds, the usual case: the date once per day, the time by arithmetic
        # (a datetime per call was a twentieth of a replay writing --positions-out)
        day, seconds = divmod(int(ts), 86400)
        date = _DATES.get(day)
        if date is None:
            if len(_DATES) > 4096:
                _DATES.clear()
            date = _DATES[day] = datetime.fromtimestamp(day * 86400, tz=UTC).date().isoformat()
        hours, rest = divmod(seconds, 3600)
        return f"{date}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"
    moment = datetime.fromtimestamp(ts, tz=UTC)
    text = moment.isoformat(timespec="milliseconds" if ts % 1 else "seconds")
    return text.replace("+00:00", "Z")


# --- Operator actions and silences (appended by delivery & store) -------------------------
# The web calls the AlertStore for an operator's action; the same action must reach the
# pipeline's AlertBook, which owns "one open alert per key" and the silences by behaviour
# time. So every action is also published as an `OperatorCommand` on topic ALERT_COMMANDS.


class Action(StrEnum):
    """What an operator did; the alert actions match the `Change` they produce."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    FALSE_ALARM = "false_alarm"
    SILENCE = "silence"
    UNSILENCE = "unsilence"


ACTION_CHANGES = {
    Action.ACKNOWLEDGE: Change.ACKNOWLEDGED,
    Action.RESOLVE: Change.RESOLVED,
    Action.FALSE_ALARM: Change.FALSE_ALARM,
}


@dataclass(frozen=True, slots=True)
class Silence:
    """No alerts for `mmsi` (one `rule`, or every rule when None) for behaviour in [start, end).

    Behaviour time, not creation time: a silence set at 10:05 for 10:00-11:00 also covers an
    observation made at 10:02 whose alert would only be raised after its minimum duration.
    """

    id: str
    mmsi: int
    start: float
    end: float
    rule: str | None = None
    actor: str | None = None
    reason: str | None = None
    created_at: float | None = None

    def covers(self, rule: str, mmsi: int, ts: float) -> bool:
        return (
            mmsi == self.mmsi
            and (self.rule is None or self.rule == rule)
            and self.start <= ts < self.end
        )


@dataclass(frozen=True, slots=True)
class OperatorCommand:
    """An operator's action, as carried on topic ALERT_COMMANDS (JSON: `command_to_json`).

    - acknowledge / resolve / false_alarm: `alert_id` plus the alert's key fields (`rule`,
      `mmsi`, `zone`, `other_mmsi`), so a consumer that does not know the id (restarted,
      or the alert was raised by another instance) can still find the open alert by key;
    - silence: `silence` holds the new silence; unsilence: `silence_id`.
    `at` is wall-clock time of the action; `actor` the user name.
    """

    action: str
    actor: str
    at: float
    alert_id: str | None = None
    rule: str | None = None
    mmsi: int | None = None
    zone: str | None = None
    other_mmsi: int | None = None
    silence: Silence | None = None
    silence_id: str | None = None
    note: str | None = None

    @property
    def key(self) -> AlertKey | None:
        if self.rule is None or self.mmsi is None:
            return None
        return alert_key(self.rule, self.mmsi, self.zone, self.other_mmsi)


def command_for(
    action: str, alert: Alert, actor: str, at: float, note: str | None = None
) -> OperatorCommand:
    """The command announcing an operator's action on `alert`."""
    return OperatorCommand(
        action=action,
        actor=actor,
        at=at,
        alert_id=alert.id,
        rule=alert.rule,
        mmsi=alert.mmsi,
        zone=alert.zone,
        other_mmsi=alert.other_mmsi,
        note=note,
    )


def command_to_json(command: OperatorCommand) -> dict[str, Any]:
    data = {name: getattr(command, name) for name in OperatorCommand.__slots__}
    data["silence"] = silence_to_json(command.silence) if command.silence else None
    return data


def command_from_json(data: dict[str, Any]) -> OperatorCommand:
    """Raises ValueError (or KeyError/TypeError for a malformed payload)."""
    silence = data.get("silence")
    known = {k: v for k, v in data.items() if k in OperatorCommand.__slots__}
    known["silence"] = silence_from_json(silence) if silence else None
    command = OperatorCommand(**known)
    Action(command.action)  # rejects an unknown action
    return command


def silence_to_json(silence: Silence) -> dict[str, Any]:
    return {name: getattr(silence, name) for name in Silence.__slots__}


def silence_from_json(data: dict[str, Any]) -> Silence:
    return Silence(**{k: v for k, v in data.items() if k in Silence.__slots__})


def alert_change_to_json(change: AlertChange) -> dict[str, Any]:
    """The ALERTS payload: the change with its alert in the CONTRACTS §4 form (ISO times).

    `escalated_to` is added to the §4 object (extensions are allowed); `at` stays in Unix
    seconds like every other bus time.
    """
    alert = change.alert.to_json()
    alert["escalated_to"] = list(change.alert.escalated_to)
    return {
        "change": change.change,
        "alert": alert,
        "at": change.at,
        "actor": change.actor,
        "note": change.note,
    }


def alert_change_from_json(data: dict[str, Any]) -> AlertChange:
    """Inverse of `alert_change_to_json`; also accepts the plain dataclass form (`codec.encode`
    of an AlertChange, Unix-second times), so either producer works. Raises ValueError,
    KeyError or TypeError for a malformed payload."""
    return AlertChange(
        change=Change(data["change"]).value,
        alert=alert_from_json(data["alert"]),
        at=float(data["at"]),
        actor=data.get("actor"),
        note=data.get("note"),
    )


def alert_from_json(data: dict[str, Any]) -> Alert:
    """An Alert from its §4 object (ISO times) or its dataclass form (Unix seconds)."""
    names = Alert.__slots__
    known = {k: v for k, v in data.items() if k in names}
    known["raised_at"] = unix_seconds(data["raised_at"])
    known["cleared_at"] = unix_seconds(data.get("cleared_at"))
    known["acknowledged_at"] = unix_seconds(data.get("acknowledged_at"))
    known["escalated_to"] = tuple(data.get("escalated_to") or ())
    known["details"] = dict(data.get("details") or {})
    track = data.get("track")
    known["track"] = dict(track) if isinstance(track, dict) else None
    return Alert(**known)


def unix_seconds(value: float | int | str | None) -> float | None:
    """A time as Unix seconds, from Unix seconds or an ISO-8601 string (`Z` allowed)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
