"""Seasonal and weather modes: what is defined, what is in force, switching, warnings.

`GET /api/modes` is what every screen's mode indicator shows. A supervisor switches a mode
on for a period (everywhere, or for an area) and off again; a weather warning posted by the
centre (visibility, wind force, typhoon signal, for an area) switches on every mode whose
trigger it meets, for the warning's area and period. Each switch is recorded with its actor
and reason (`/history`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field
from shapely.geometry import mapping

from services.alerts.model import iso_utc
from services.infocentre.model import InfoError, ModeActivation, NotFound, parse_area
from services.web.deps import CurrentUser
from services.web.infocentre import Forecaster, Info, Moment, Supervisor, seconds
from services.web.routes.waterworks import unwrap_area

router = APIRouter(prefix="/api", tags=["modes"])
ActivationId = Annotated[str, Path(min_length=1, max_length=64)]
FOREVER = 4_102_444_800.0  # 2100-01-01: "until switched off"


class ActivationIn(BaseModel):
    mode: str = Field(min_length=1, max_length=64)
    active_from: Moment | None = Field(None, description="default: now")
    active_to: Moment | None = Field(None, description="default: until switched off")
    area: dict[str, Any] | None = Field(None, description="GeoJSON polygon; none: everywhere")
    reason: str = Field("", max_length=2000)


class WarningIn(BaseModel):
    kind: Literal["visibility", "wind", "typhoon"]
    value: float = Field(ge=0, le=100_000, allow_inf_nan=False,
                         description="metres of visibility, Beaufort force, or signal number")  # fmt: skip
    area: dict[str, Any] | None = None
    valid_from: Moment | None = None
    valid_to: Moment
    text: str = Field("", max_length=2000)
    source: str = Field("", max_length=200)


def activation_out(a: ModeActivation, now: float) -> dict[str, Any]:
    return {
        **a.to_json(),
        "area": mapping(a.area) if a.area is not None else None,
        "active_from": iso_utc(a.active_from),
        "active_to": iso_utc(a.active_to) if a.active_to < FOREVER else None,
        "created_at": iso_utc(a.created_at),
        "in_force": a.in_force(now),
    }


@router.get("/modes")
async def modes(info: Info, _user: CurrentUser) -> dict[str, Any]:
    """Defined modes, the activations in force now and those scheduled later."""
    now = info.clock()
    activations = await info.activations()
    return {
        "modes": [spec.to_json() for spec in info.modes.values()],
        "active": [activation_out(a, now) for a in activations if a.in_force(now)],
        "scheduled": [activation_out(a, now) for a in activations if a.active_from > now],
    }


@router.post("/modes/activations", status_code=201)
async def switch_on(info: Info, user: Supervisor, body: ActivationIn) -> dict[str, Any]:
    now = info.clock()
    activation = ModeActivation(
        id="",
        mode=body.mode,
        active_from=seconds(body.active_from) or now,
        active_to=seconds(body.active_to) or FOREVER,
        area=parse_area(unwrap_area(body.area)) if body.area is not None else None,
        reason=body.reason.strip(),
    )
    return activation_out(await info.activate(activation, user.name), now)


@router.delete("/modes/activations/{activation_id}", status_code=204)
async def switch_off(info: Info, user: Supervisor, activation_id: ActivationId) -> Response:
    await info.deactivate(activation_id, user.name)
    return Response(status_code=204)


@router.get("/modes/activations/{activation_id}/history")
async def activation_history(
    info: Info, _user: CurrentUser, activation_id: ActivationId
) -> list[dict[str, Any]]:
    changes = await info.history("mode", activation_id)
    if not changes:
        raise NotFound(f"no mode activation {activation_id}")
    return [{**c, "at": iso_utc(c["at"])} for c in changes]


@router.post("/weather", status_code=201)
async def weather_warning(info: Info, user: Forecaster, body: WarningIn) -> dict[str, Any]:
    """Switch on the modes this warning triggers, for its area and period (201 with the
    activations; an empty list when it triggers none)."""
    now = info.clock()
    start = seconds(body.valid_from) or now
    end = body.valid_to.timestamp()
    if not start < end:
        raise InfoError(["valid_to must be after valid_from"])
    area = parse_area(unwrap_area(body.area)) if body.area is not None else None
    reason = f"{body.kind} {body.value:g}" + (f": {body.text.strip()}" if body.text else "")
    made = []
    for spec in info.modes.values():
        if spec.triggered_by(body.kind, body.value):
            activation = ModeActivation(
                "", spec.name, start, end, area, reason, "weather",
                details={"kind": body.kind, "value": body.value, "source": body.source},
            )  # fmt: skip
            made.append(await info.activate(activation, user.name))
    return {"activated": [activation_out(a, now) for a in made]}
