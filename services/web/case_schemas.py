"""Request bodies of the case API (CONTRACTS §8). Unknown fields are refused (422), so a
misspelt field is an error rather than silently ignored; times are ISO-8601 (UTC when no
offset is given)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

MMSI = Annotated[int, Field(ge=0, le=999_999_999)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=2000)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


def seconds(value: datetime | None) -> float | None:
    """Unix seconds of an ISO time; one without an offset is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseIn(_Body):
    type: str = Field(
        description="inspection, verification, escort, search_rescue, pollution, other"
    )
    title: Annotated[str, Field(max_length=200)] | None = None
    office: Annotated[str, Field(max_length=64)] | None = None
    priority: str = "normal"
    deadline: datetime | None = Field(None, description="default: by type and priority ([cases])")
    mmsi: MMSI | None = None
    area: dict[str, Any] | None = Field(None, description="GeoJSON geometry (WGS84)")
    patrol_mmsi: MMSI | None = None
    alert_ids: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)] = []
    note: Text | None = None
    lat: Lat | None = None
    lon: Lon | None = None


class CaseUpdateIn(_Body):
    title: Annotated[str, Field(max_length=200)] | None = None
    priority: str | None = None
    deadline: datetime | None = None
    note: Text | None = None


class NoteIn(_Body):
    note: Text | None = None


class AssignIn(_Body):
    patrol_mmsi: MMSI
    note: Text | None = None


class ReasonIn(_Body):
    reason: Reason


class CloseIn(_Body):
    reason: Reason
    outcome: str | None = Field(None, description="violation, no_violation, not_checked")
    measures: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=20)] = []


class LinkIn(_Body):
    alert_ids: Annotated[
        list[Annotated[str, Field(max_length=100)]], Field(min_length=1, max_length=50)
    ]


class InstructionIn(_Body):
    to: Annotated[
        str, Field(min_length=1, max_length=64, description="an office id or patrol:MMSI")
    ]
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    deadline: datetime | None = Field(
        None, description="acknowledge by; default [cases] ack_minutes"
    )


class ReportIn(_Body):
    report_id: Annotated[str, Field(min_length=1, max_length=64)]
    outcome: str | None = Field(
        None, description="violation, no_violation, not_checked; null: a progress report"
    )
    measures: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=20)] = []
    note: Text | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    at: datetime | None = Field(None, description="when it was written (default: arrival)")


class IncidentIn(_Body):
    kind: str = Field(
        description="distress, collision, fire, man_overboard, pollution, grounding, other"
    )
    lat: Lat
    lon: Lon
    mmsi: MMSI | None = None
    radius_nm: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 5.0
    title: Annotated[str, Field(max_length=200)] | None = None
    note: Text | None = None
    alert_id: Annotated[str, Field(max_length=100)] | None = None
