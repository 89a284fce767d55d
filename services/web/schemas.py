"""Response and request bodies: the OpenAPI schema of every route comes from these."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from services.web.validation import Line, RequestModel, Text


class ErrorOut(BaseModel):
    """Every error a client sees (services/web/errors.py)."""

    detail: str


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str | None = None


class ValidationErrorOut(BaseModel):
    """422: `detail` names the first problem; `errors` lists them all."""

    detail: str
    errors: list[ValidationIssue]


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: float = Field(description="Unix seconds")
    user: UserOut


class UserOut(BaseModel):
    name: str
    role: str
    office: str | None = None
    mmsi: int | None = None


class UserIn(RequestModel):
    name: Line = Field(min_length=1, max_length=64)
    role: Literal["operator", "supervisor", "office", "patrol", "admin"]
    office: Line | None = Field(None, max_length=64)
    mmsi: int | None = None
    password: str = Field(min_length=8, max_length=1024)


class LiveVesselOut(BaseModel):
    """A vessel as the map draws it (also the WebSocket's `vessels` items)."""

    mmsi: int
    lat: float | None
    lon: float | None
    speed: float | None = None
    course: float | None = None
    heading: int | None = None
    status: int | None = None
    ts: float | None = Field(None, description="event time of the position, Unix seconds")
    name: str | None = None
    ship_type: int | None = None
    cell: str | None = None
    office: str | None = None


class VesselList(BaseModel):
    count: int
    vessels: list[LiveVesselOut]


class VesselDetail(BaseModel):
    """Static and dynamic data of one vessel (services.core.vessels.VesselState)."""

    mmsi: int
    mmsi_class: str | None = None
    ts: float | None = None
    lat: float | None = None
    lon: float | None = None
    speed: float | None = None
    course: float | None = None
    heading: int | None = None
    status: int | None = None
    turn: float | None = None
    shipname: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    ship_type_text: str | None = None
    ais_class: str | None = None
    length: int | None = None
    beam: int | None = None
    draught: float | None = None
    destination: str | None = None
    eta: str | None = None
    last_seen: float | None = None
    cell: str | None = None
    office: str | None = None
    live: bool = Field(description="in the live picture now (else: from the database)")
    record: dict[str, Any] | None = Field(
        None, description="earlier alerts, cases, outcomes and measures (12 months)"
    )


class TrackPoint(BaseModel):
    ts: float
    lat: float
    lon: float
    speed: float | None = None
    course: float | None = None
    heading: int | None = None


class Track(BaseModel):
    mmsi: int
    since: float | None
    until: float | None
    points: list[TrackPoint]


class HistoryPoint(BaseModel):
    mmsi: int
    ts: float
    lat: float
    lon: float
    speed: float | None = None
    course: float | None = None
    heading: int | None = None


class HistoryOut(BaseModel):
    since: float
    until: float
    truncated: bool
    points: list[HistoryPoint]


class OfficeOut(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    parent: str | None = None
    centre: bool = False
    vessels: int = Field(0, description="vessels in the office's cells now")
    open_alerts: int = 0


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]


class CellCount(BaseModel):
    cell: str
    office: str
    vessels: int


class AlertOut(BaseModel):
    """CONTRACTS §4, plus `escalated_to`."""

    id: str
    rule: str
    mmsi: int | None  # None: a radar-only target (CONTRACTS §12)
    other_mmsi: int | None
    zone: str | None
    cell: str | None
    office: str
    severity: str
    status: str
    raised_at: str
    cleared_at: str | None
    lat: float
    lon: float
    details: dict[str, Any]
    escalated_to: list[str] = []
    acknowledged_at: str | None = Field(
        None, description="when a person first took it out of open (server clock), if yet"
    )
    acknowledged_by: str | None = Field(None, description="who did (user name)")
    case_id: str | None = None  # the newest case linking this alert (docs/cases.md)
    track: dict[str, Any] | None = None  # radar rules: {"radar", "target"}
    name: str | None = Field(None, description="the vessel's name, when known")
    other_name: str | None = Field(None, description="the other vessel's name, when known")


class SearchPlace(BaseModel):
    """A place of the configuration that a search matched (`services/web/search.py`)."""

    kind: str = Field(description="centre, office, zone or cell")
    id: str
    name: str = Field(description="the configured (Chinese) name")
    name_en: str | None = None
    office: str | None = None
    bbox: list[float] | None = Field(None, description="minlon, minlat, maxlon, maxlat")
    zone_kind: str | None = None


class SearchVessel(BaseModel):
    mmsi: int
    name: str | None = Field(None, description="the configured name, else the AIS name")
    name_en: str | None = None
    ais_name: str | None = None
    office: str | None = None
    lat: float | None = None
    lon: float | None = None
    live: bool = Field(description="in the live picture now")


class SearchOut(BaseModel):
    places: list[SearchPlace]
    vessels: list[SearchVessel]


class TaskOut(BaseModel):
    alert: AlertOut
    distance_nm: float | None = Field(description="from the user's own vessel, if live")
    bearing_deg: float | None = Field(description="degrees true, from the user's own vessel")


class AlertPageOut(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class AlertHistoryItem(BaseModel):
    change: str = Field(
        description="raised, updated, cleared, acknowledged, resolved, "
        "false_alarm, escalated or reported (a field report)"
    )
    at: float = Field(
        description="Unix seconds: event time (the reports' clock) for raised, updated and "
        "cleared; the server's wall clock for operator actions, reports and escalations"
    )
    status: str = Field(description="the alert's status after this change")
    actor: str | None = Field(description="user name; null for the pipeline")
    note: str | None
    report_id: str | None = Field(None, description="the client's id of a field report")
    recorded_at: float | None = Field(
        None,
        description="Unix seconds, the server's wall clock when the change was stored; the "
        "history is in this order (`at` is the change's own time: event time for the "
        "pipeline's changes, wall clock for operators')",
    )


class ReportIn(RequestModel):
    """A field report (现场反馈). `report_id`, chosen by the client when the report is written,
    makes a resend (an offline outbox) harmless: the same id is stored once."""

    note: Text = Field(min_length=1, max_length=2000, description="what the crew found or did")
    outcome: Literal["resolved", "false_alarm"] | None = Field(
        None, description="closes the case, if its status allows"
    )
    report_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")

    @field_validator("note")
    @classmethod
    def _not_blank(cls, note: str) -> str:
        if not note.strip():
            raise ValueError("a report needs a note")
        return note


class ReportOut(BaseModel):
    alert: AlertOut
    report_id: str = Field(description="the client's, or one given by the server")
    duplicate: bool = Field(description="this report id was already stored; nothing changed")
    changes: list[str] = Field(description="what was recorded: reported, then any status change")
    outcome_refused: str | None = Field(
        description="why the outcome was not applied (the report is recorded all the same)"
    )


class ActionIn(RequestModel):
    note: Text | None = Field(None, max_length=2000)


class AlertSilenceIn(RequestModel):
    minutes: float = Field(60.0, gt=0, le=7 * 24 * 60, description="how long from now")
    reason: Text | None = Field(None, max_length=2000)


class SilenceIn(RequestModel):
    mmsi: int = Field(ge=0, le=999_999_999)
    start: float = Field(ge=0, le=4_102_444_800, description="Unix seconds (behaviour time)")
    end: float = Field(ge=0, le=4_102_444_800)
    rule: Line | None = Field(None, max_length=64)
    reason: Text | None = Field(None, max_length=2000)


class SilenceOut(BaseModel):
    id: str
    mmsi: int
    start: float
    end: float
    rule: str | None
    actor: str | None
    reason: str | None
    created_at: float | None


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    ready: bool
    checks: dict[str, str]


class UIConfig(BaseModel):
    centre: OfficeOut
    offices: list[OfficeOut]
    tile_url: str | None
    language: str
    default_lang: str = Field(description="same as language (the map's name for it)")
    languages: list[str]
    bbox: list[float] = Field(description="extent of the grid: minlon, minlat, maxlon, maxlat")
    tick: float
    stale_after: float
    demo: bool
    patrol_vessels: list[dict[str, Any]]
    user: UserOut


Token.model_rebuild()
