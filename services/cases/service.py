"""Creating and changing cases with everything checked against the configuration.

The routes decide who may act (services/web/routes/cases.py); this module decides whether
the values make sense (a known office, a patrol boat of the case's office, a deadline in
the future, a valid area) and fills in what the creator left out (the deadline by type
and priority, the office, vessel and position from a linked alert or the incident's
cell). Every check happens before the store writes anything.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shapely.geometry import Point, shape
from shapely.prepared import prep

from services.alerts.model import Alert
from services.cases.assist import Fix, rank
from services.cases.config import CasePolicy
from services.cases.model import (
    MAX_MEASURES,
    MAX_TEXT,
    MAX_TITLE,
    Action,
    Case,
    CaseInputError,
    CaseNotFound,
    CaseType,
    Instruction,
    Outcome,
    Priority,
    Report,
    Status,
    patrol_of,
)
from services.cases.store_api import AckResult, CaseStore, ReportResult
from services.core.config import SeagridConfig

INCIDENT_KINDS = (
    "distress",
    "collision",
    "fire",
    "man_overboard",
    "pollution",
    "grounding",
    "other",
)
MAX_RADIUS_NM = 100.0
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPolygon")


class AlertLookup(Protocol):
    async def get(self, alert_id: str) -> Alert | None: ...


def new_id(prefix: str, now: float) -> str:
    """Sortable by time, unguessable enough: `C-20260302-1a2b3c4d`-like ids read well on
    a radio and in a report."""
    day = time.strftime("%Y%m%d", time.gmtime(now))
    return f"{prefix}-{day}-{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class NewCase:
    """The fields a creator sets (CONTRACTS §8); None = default or inherited."""

    type: str
    title: str | None = None
    office: str | None = None
    priority: str = Priority.NORMAL.value
    deadline: float | None = None
    mmsi: int | None = None
    area: dict[str, Any] | None = None
    patrol_mmsi: int | None = None
    alert_ids: tuple[str, ...] = ()
    note: str | None = None
    lat: float | None = None
    lon: float | None = None


class CaseService:
    def __init__(
        self,
        store: CaseStore,
        config: SeagridConfig,
        policy: CasePolicy,
        alerts: AlertLookup,
        fixes: Callable[[], Iterable[Fix]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.config, self.policy = store, config, policy
        self.alerts, self.fixes, self.clock = alerts, fixes, clock
        self.offices = config.office_ids() | {config.centre.id}
        self._cells = [(prep(c.geometry), c.office) for c in config.cells]

    # --- lookups ----------------------------------------------------------------------

    def office_at(self, lat: float, lon: float) -> str:
        """The office owning the cell at the point, the centre outside every cell."""
        point = Point(lon, lat)
        for geometry, office in self._cells:
            if geometry.covers(point):
                return office
        return self.config.centre.id

    def fix(self, mmsi: int) -> Fix | None:
        return next((f for f in self.fixes() if f.mmsi == mmsi), None)

    async def get(self, case_id: str) -> Case:
        case = await self.store.get(case_id)
        if case is None:
            raise CaseNotFound("case", case_id)
        return case

    # --- creating ---------------------------------------------------------------------

    async def create(self, new: NewCase, actor: str, extra_alerts: Sequence[Alert] = ()) -> Case:
        """`extra_alerts`: the linked alerts, already fetched and checked by the caller."""
        now = self.clock()
        _choice(new.type, CaseType, "type")
        _choice(new.priority, Priority, "priority")
        first = extra_alerts[0] if extra_alerts else None
        office = new.office or (first.office if first else None)
        mmsi = new.mmsi if new.mmsi is not None else (first.mmsi if first else None)
        lat, lon = new.lat, new.lon
        if lat is None and first is not None:
            lat, lon = first.lat, first.lon
        area = check_area(new.area) if new.area is not None else None
        if lat is None and area is not None:
            c = shape(area).centroid
            lat, lon = c.y, c.x
        if lat is None and mmsi is not None and (f := self.fix(mmsi)) is not None:
            lat, lon = f.lat, f.lon
        _check_point(lat, lon)
        if office is None:
            office = self.office_at(lat, lon) if lat is not None and lon is not None else None
        if office is None:
            raise CaseInputError(
                "a case needs an office (or an alert, area or position to find it)"
            )
        self.check_office(office)
        deadline = self.check_deadline(new.deadline, now)
        if deadline is None:
            deadline = now + self.policy.deadline_seconds(new.type, new.priority)
        status = Status.NEW.value
        if new.patrol_mmsi is not None:
            self.check_patrol(new.patrol_mmsi, office)
            status = Status.ASSIGNED.value
        title = _text(new.title, "title", MAX_TITLE) or _default_title(new.type, mmsi, first)
        case = Case(
            id=new_id("C", now),
            type=new.type,
            title=title,
            office=office,
            status=status,
            priority=new.priority,
            deadline=deadline,
            created_at=now,
            created_by=actor,
            updated_at=now,
            mmsi=mmsi,
            area=area,
            lat=lat,
            lon=lon,
            patrol_mmsi=new.patrol_mmsi,
            alert_ids=tuple(dict.fromkeys(new.alert_ids)),
            note=_text(new.note, "note", MAX_TEXT),
        )
        return await self.store.create(case, case.note)

    async def incident(
        self,
        kind: str,
        lat: float,
        lon: float,
        radius_nm: float,
        actor: str,
        *,
        mmsi: int | None = None,
        title: str | None = None,
        note: str | None = None,
        office: str | None = None,
        alerts: Sequence[Alert] = (),
    ) -> Case:
        """An emergency case (search_rescue, or pollution) with the ranked assist list."""
        if kind not in INCIDENT_KINDS:
            raise CaseInputError(
                f"unknown incident kind {kind!r} (use {', '.join(INCIDENT_KINDS)})"
            )
        _check_point(lat, lon)
        if not 0 < radius_nm <= MAX_RADIUS_NM:
            raise CaseInputError(f"radius_nm must be in (0, {MAX_RADIUS_NM:g}]")
        assist, inside = self.assist(lat, lon, radius_nm, exclude=mmsi)
        case_type = CaseType.POLLUTION if kind == "pollution" else CaseType.SEARCH_RESCUE
        new = NewCase(
            type=case_type.value,
            title=title or f"{kind} {lat:.4f}, {lon:.4f}",
            office=office or self.office_at(lat, lon),
            priority=Priority.CRITICAL.value,
            mmsi=mmsi,
            alert_ids=tuple(a.id for a in alerts),
            note=note,
            lat=lat,
            lon=lon,
        )
        case = await self.create(new, actor, alerts)
        incident = {"kind": kind, "radius_nm": radius_nm, "assist": assist, "within_radius": inside}
        return await self.store.act(
            case.id,
            Action.UPDATE,
            actor,
            case.created_at,
            f"incident {kind}",
            fields={"incident": incident},
        )

    def assist(
        self, lat: float, lon: float, radius_nm: float, exclude: int | None = None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        speeds = {p.mmsi: p.service_speed_kn for p in self.policy.patrols}
        names = {p.mmsi: p.name for p in self.policy.patrols}
        return rank(lat, lon, radius_nm, self.fixes(), speeds, names, exclude)

    # --- checks -----------------------------------------------------------------------

    def check_office(self, office: str) -> None:
        if office not in self.offices:
            known = ", ".join(sorted(self.offices))
            raise CaseInputError(f"unknown office {office!r} (known: {known})")

    def check_patrol(self, mmsi: int, office: str) -> None:
        """A case's boat must be one of its office's (the centre's cases take any boat)."""
        boat = self.policy.patrol(mmsi)
        if boat is None:
            raise CaseInputError(f"{mmsi} is not a configured patrol boat ([[patrol_vessels]])")
        if office != self.config.centre.id and boat.office != office:
            raise CaseInputError(
                f"patrol boat {mmsi} ({boat.name}) belongs to office {boat.office}, not to {office}"
            )

    def check_deadline(self, deadline: float | None, now: float) -> float | None:
        if deadline is None:
            return None
        if not math.isfinite(deadline) or deadline <= now:
            raise CaseInputError("the deadline is in the past: give a time after now (UTC)")
        return deadline

    def check_receiver(self, to: str) -> str:
        """An office id or `patrol:MMSI` of a configured boat."""
        mmsi = patrol_of(to)
        if to.startswith("patrol:"):
            if mmsi is None or self.policy.patrol(mmsi) is None:
                raise CaseInputError(f"{to!r} is not a configured patrol boat (patrol:MMSI)")
            return to
        if to not in self.config.office_ids():
            raise CaseInputError(
                f"unknown receiver {to!r}: an office id "
                f"({', '.join(sorted(self.config.office_ids()))}) or patrol:MMSI"
            )
        return to

    # --- changing ---------------------------------------------------------------------

    async def instruct(
        self, case: Case, to: str, text: str, deadline: float | None, actor: str
    ) -> tuple[Instruction, Case]:
        now = self.clock()
        self.check_receiver(to)
        body = _text(text, "text", MAX_TEXT)
        if not body:
            raise CaseInputError("an instruction needs a text")
        due = self.check_deadline(deadline, now)
        if due is None:
            due = now + self.policy.ack_seconds(case.priority)
        instruction = Instruction(new_id("I", now), case.id, to, body, due, now, actor)
        updated = await self.store.instruct(instruction)
        return instruction, updated

    async def acknowledge(self, instruction_id: str, actor: str) -> AckResult:
        return await self.store.acknowledge(instruction_id, actor, self.clock())

    async def act(
        self, case: Case, action: Action, actor: str, note: str | None, **params: Any
    ) -> Case:
        if action in (Action.CLOSE, Action.CANCEL, Action.REOPEN) and not (note or "").strip():
            raise CaseInputError(f"{action.value} needs a reason")
        if action == Action.ASSIGN:
            self.check_patrol(params["patrol_mmsi"], case.office)
        if "outcome" in params and params["outcome"] is not None:
            _choice(params["outcome"], Outcome, "outcome")
        if "measures" in params:
            params["measures"] = check_measures(params["measures"])
        return await self.store.act(
            case.id, action, actor, self.clock(), _text(note, "note", MAX_TEXT), **params
        )

    async def update(
        self, case: Case, fields: dict[str, Any], actor: str, note: str | None
    ) -> Case:
        now = self.clock()
        if "priority" in fields:
            _choice(fields["priority"], Priority, "priority")
        if "deadline" in fields:
            self.check_deadline(fields["deadline"], now)
        if "title" in fields:
            fields["title"] = _text(fields["title"], "title", MAX_TITLE) or case.title
        if "note" in fields:
            fields["note"] = _text(fields["note"], "note", MAX_TEXT)
        if not fields:
            raise CaseInputError("nothing to update (title, priority, deadline, note)")
        summary = note or ", ".join(f"{k}" for k in sorted(fields))
        return await self.store.act(case.id, Action.UPDATE, actor, now, summary, fields=fields)

    async def report(
        self,
        case: Case,
        actor: str,
        report_id: str,
        *,
        outcome: str | None,
        measures: Sequence[str],
        note: str | None,
        lat: float | None,
        lon: float | None,
        at: float | None,
        patrol_mmsi: int | None,
    ) -> ReportResult:
        now = self.clock()
        if not report_id or len(report_id) > 64 or not report_id.isprintable():
            raise CaseInputError("report_id: 1 to 64 printable characters, chosen by the client")
        if outcome is not None:
            _choice(outcome, Outcome, "outcome")
        _check_point(lat, lon)
        if at is not None and (not math.isfinite(at) or at > now + 300):
            raise CaseInputError("a report's time is in the future")
        report = Report(
            report_id=report_id,
            case_id=case.id,
            actor=actor,
            at=at if at is not None else now,
            received_at=now,
            outcome=outcome,
            measures=check_measures(measures),
            note=_text(note, "note", MAX_TEXT),
            lat=lat,
            lon=lon,
            patrol_mmsi=patrol_mmsi,
        )
        return await self.store.report(report)


def check_area(area: Any) -> dict[str, Any]:
    """A GeoJSON geometry in WGS84 that shapely accepts and finds valid; else 400."""
    if not isinstance(area, dict) or area.get("type") not in GEOMETRY_TYPES:
        raise CaseInputError(f"area: a GeoJSON geometry of type {', '.join(GEOMETRY_TYPES)}")
    try:
        geometry = shape(area)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise CaseInputError(f"area: malformed {area.get('type')} coordinates ({exc})") from None
    if geometry.is_empty or not geometry.is_valid:
        from shapely.validation import explain_validity

        raise CaseInputError(f"area: invalid geometry ({explain_validity(geometry)})")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise CaseInputError("area: coordinates are [lon, lat] in degrees (WGS84)")
    return dict(area)


def check_measures(measures: Sequence[str]) -> tuple[str, ...]:
    if len(measures) > MAX_MEASURES:
        raise CaseInputError(f"at most {MAX_MEASURES} measures")
    out = []
    for m in measures:
        text = _text(m, "measure", 200)
        if text:
            out.append(text)
    return tuple(out)


def _check_point(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise CaseInputError("give both lat and lon, or neither")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CaseInputError("lat must be in [-90, 90] and lon in [-180, 180]")


def _choice(value: str, enum: Any, name: str) -> None:
    if value not in set(enum):
        raise CaseInputError(f"unknown {name} {value!r} (use {', '.join(e.value for e in enum)})")


def _text(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if len(text) > limit:
        raise CaseInputError(f"{name}: at most {limit} characters")
    if any(ch < " " and ch not in "\t\n\r" for ch in text):
        raise CaseInputError(f"{name}: control characters are not allowed")
    return text or None


def _default_title(case_type: str, mmsi: int | None, alert: Alert | None) -> str:
    if alert is not None:
        return f"{alert.rule} {alert.mmsi}"
    if mmsi is not None:
        return f"{case_type} {mmsi}"
    return case_type
