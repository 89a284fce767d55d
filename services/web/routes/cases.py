"""Cases, instructions, reports, incidents and patrol boats (CONTRACTS §8, docs/cases.md).

Permissions are in `services/web/case_access.py`; values are checked by
`services.cases.service`; every change is pushed on /ws/live (`case_push`).
Unknown ids answer 404, another office's case 403, a transition the status does not allow
409 naming the allowed ones, a value that makes no sense 400 (422 for a malformed body).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from services.alerts.model import Alert
from services.cases.model import (
    OPEN,
    Action,
    Case,
    CaseNotFound,
    allowed_actions,
)
from services.cases.store_api import CaseQuery
from services.web.auth import Role, User
from services.web.case_access import (
    check_create,
    check_instruct,
    check_manage,
    check_see,
    may_ack,
    may_see,
    may_see_instruction,
)
from services.web.case_push import case_json
from services.web.case_schemas import (
    AssignIn,
    CaseIn,
    CaseUpdateIn,
    CloseIn,
    IncidentIn,
    InstructionIn,
    LinkIn,
    NoteIn,
    ReasonIn,
    ReportIn,
    seconds,
)
from services.web.deps import CurrentUser, Runtime
from services.web.runtime import WebRuntime

router = APIRouter(prefix="/api", tags=["cases"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "a value that makes no sense"},
    403: {"description": "another office's case, or not for this role"},
    404: {"description": "no such case"},
    409: {"description": "the case's status does not allow it (allowed actions named)"},
}


async def _case(runtime: WebRuntime, user: User, case_id: str) -> Case:
    case = await runtime.cases.store.get(case_id)
    if case is None:
        raise CaseNotFound("case", case_id)
    check_see(user, case)
    return case


async def _alerts(runtime: WebRuntime, user: User, ids: list[str]) -> list[Alert]:
    out = []
    for alert_id in dict.fromkeys(ids):
        alert = await runtime.alerts.get(alert_id)
        if alert is None or not user.may_see_office(alert.office):
            raise HTTPException(400, f"unknown alert {alert_id!r}")
        out.append(alert)
    return out


def _now(runtime: WebRuntime) -> float:
    return runtime.case_clock()


async def _changed(
    runtime: WebRuntime, case: Case, change: str, user: User, note: str | None
) -> None:
    """Push the change to this process's clients and, through the store, to the others'."""
    await runtime.cases.events.case(case, _now(runtime), change, user.name, note)


def _out(runtime: WebRuntime, case: Case) -> dict[str, Any]:
    out = case_json(case, _now(runtime))
    out["allowed_actions"] = allowed_actions_for(case)
    return out


def allowed_actions_for(case: Case) -> list[str]:
    from services.cases.model import Status

    return allowed_actions(Status(case.status))


# --- cases ------------------------------------------------------------------------------


@router.post("/cases", status_code=201, responses=_ERRORS)
async def create_case(runtime: Runtime, user: CurrentUser, body: CaseIn) -> dict[str, Any]:
    """Open a case by hand, from alerts (`alert_ids`: the first gives vessel, office and
    position unless set), a vessel (`mmsi`) or an area (`area`, GeoJSON)."""
    from services.cases.service import NewCase

    office = check_create(user, body.office)
    alerts = await _alerts(runtime, user, body.alert_ids)
    if office is None and alerts:
        office = alerts[0].office
    new = NewCase(
        type=body.type,
        title=body.title,
        office=office,
        priority=body.priority,
        deadline=seconds(body.deadline),
        mmsi=body.mmsi,
        area=body.area,
        patrol_mmsi=body.patrol_mmsi,
        alert_ids=tuple(a.id for a in alerts),
        note=body.note,
        lat=body.lat,
        lon=body.lon,
    )
    case = await runtime.cases.service.create(new, user.name, alerts)
    await _changed(runtime, case, "created", user, case.note)
    return _out(runtime, case)


@router.get("/cases", responses=_ERRORS)
async def list_cases(
    runtime: Runtime,
    user: CurrentUser,
    status: Annotated[
        str | None, Query(description="comma-separated; 'open' = every open one")
    ] = None,
    office: Annotated[str | None, Query(max_length=64)] = None,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    overdue: bool | None = None,
    patrol: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Open cases first, most urgent (earliest deadline) first. Office users get their
    office's (asking for another is 403); patrol users their boat's."""
    statuses: tuple[str, ...] = ()
    if status:
        parts: list[str] = []
        for part in (p for p in status.split(",") if p):
            parts += sorted(OPEN) if part == "open" else [part]
        statuses = tuple(dict.fromkeys(parts))
    if user.role == Role.OFFICE:
        if office is not None and office != user.office:
            raise HTTPException(403, f"you may only see the cases of office {user.office}")
        office = user.office
    elif user.role == Role.PATROL:
        if patrol is not None and patrol != user.mmsi:
            raise HTTPException(403, "a patrol crew sees only its own boat's cases")
        patrol = user.mmsi
    now = _now(runtime)
    query = CaseQuery(
        status=statuses,
        office=office,
        mmsi=mmsi,
        patrol_mmsi=patrol,
        overdue_at=now if overdue else None,
        limit=limit,
    )
    found = await runtime.cases.store.list(query)
    if overdue is False:
        found = [c for c in found if not c.overdue(now)]
    items = [case_json(c, now) for c in found if may_see(user, c)]
    return {"items": items, "count": len(items)}


@router.get("/cases/{case_id}", responses=_ERRORS)
async def get_case(runtime: Runtime, user: CurrentUser, case_id: str) -> dict[str, Any]:
    """The case with `history` (oldest first), `instructions`, `reports` and, when it
    concerns a vessel, `vessel_record` (its alerts, cases and outcomes of 12 months)."""
    await _case(runtime, user, case_id)
    detail = await runtime.cases.store.detail(case_id)
    if detail is None:
        raise CaseNotFound("case", case_id)
    now = _now(runtime)
    out = _out(runtime, detail.case)
    out["history"] = [h.to_json() for h in detail.history]
    out["instructions"] = [
        i.to_json(now) for i in detail.instructions if may_see_instruction(user, i, detail.case)
    ]
    out["reports"] = [r.to_json() for r in detail.reports]
    if detail.case.mmsi is not None:
        from services.web.case_record import vessel_record

        out["vessel_record"] = await vessel_record(runtime, user, detail.case.mmsi)
    return out


@router.patch("/cases/{case_id}", responses=_ERRORS)
async def update_case(
    runtime: Runtime, user: CurrentUser, case_id: str, body: CaseUpdateIn
) -> dict[str, Any]:
    """Change title, priority, deadline or note (recorded in the history)."""
    case = await _case(runtime, user, case_id)
    check_manage(user, case)
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "deadline" in fields:
        fields["deadline"] = seconds(body.deadline)
        if fields["deadline"] is None:
            raise HTTPException(400, "deadline cannot be removed")
    if "priority" in fields and fields["priority"] is None:
        raise HTTPException(400, "priority cannot be removed")
    updated = await runtime.cases.service.update(case, fields, user.name, None)
    await _changed(runtime, updated, "updated", user, None)
    return _out(runtime, updated)


async def _act(
    runtime: WebRuntime, user: User, case_id: str, action: Action, note: str | None, **params: Any
) -> dict[str, Any]:
    case = await _case(runtime, user, case_id)
    check_manage(user, case)
    updated = await runtime.cases.service.act(case, action, user.name, note, **params)
    await _changed(runtime, updated, action.value, user, note)
    return _out(runtime, updated)


@router.post("/cases/{case_id}/assign", responses=_ERRORS)
async def assign(
    runtime: Runtime, user: CurrentUser, case_id: str, body: AssignIn
) -> dict[str, Any]:
    """Assign (or re-assign) a patrol boat of the case's office: status `assigned`."""
    return await _act(
        runtime, user, case_id, Action.ASSIGN, body.note, patrol_mmsi=body.patrol_mmsi
    )


@router.post("/cases/{case_id}/acknowledge", responses=_ERRORS)
async def acknowledge_case(
    runtime: Runtime, user: CurrentUser, case_id: str, body: NoteIn | None = None
) -> dict[str, Any]:
    """The office takes the case (`new`/`assigned` → `acknowledged`)."""
    return await _act(runtime, user, case_id, Action.ACKNOWLEDGE, body.note if body else None)


@router.post("/cases/{case_id}/start", responses=_ERRORS)
async def start(
    runtime: Runtime, user: CurrentUser, case_id: str, body: NoteIn | None = None
) -> dict[str, Any]:
    """Work has begun (under way, on scene): `in_progress`."""
    return await _act(runtime, user, case_id, Action.START, body.note if body else None)


@router.post("/cases/{case_id}/close", responses=_ERRORS)
async def close(runtime: Runtime, user: CurrentUser, case_id: str, body: CloseIn) -> dict[str, Any]:
    """Close with a reason; `outcome`/`measures` default to the latest report's."""
    return await _act(
        runtime,
        user,
        case_id,
        Action.CLOSE,
        body.reason,
        outcome=body.outcome,
        measures=body.measures,
    )


@router.post("/cases/{case_id}/cancel", responses=_ERRORS)
async def cancel(
    runtime: Runtime, user: CurrentUser, case_id: str, body: ReasonIn
) -> dict[str, Any]:
    return await _act(runtime, user, case_id, Action.CANCEL, body.reason)


@router.post("/cases/{case_id}/reopen", responses=_ERRORS)
async def reopen(
    runtime: Runtime, user: CurrentUser, case_id: str, body: ReasonIn
) -> dict[str, Any]:
    """A closed or cancelled case again: `assigned` when it has a boat, else `new`."""
    return await _act(runtime, user, case_id, Action.REOPEN, body.reason)


@router.post("/cases/{case_id}/alerts", responses=_ERRORS)
async def link_alerts(
    runtime: Runtime, user: CurrentUser, case_id: str, body: LinkIn
) -> dict[str, Any]:
    """Link more alerts to the case (an alert then shows this case)."""
    alerts = await _alerts(runtime, user, body.alert_ids)
    ids = [a.id for a in alerts]
    return await _act(runtime, user, case_id, Action.LINK, ", ".join(ids), alert_ids=ids)


# --- instructions -----------------------------------------------------------------------


@router.post("/cases/{case_id}/instructions", status_code=201, responses=_ERRORS)
async def instruct(
    runtime: Runtime, user: CurrentUser, case_id: str, body: InstructionIn
) -> dict[str, Any]:
    """Instruct an office (`to`: its id) or a patrol boat (`patrol:MMSI`); it must be
    acknowledged by `deadline` (default by the case's priority) or it escalates."""
    case = await _case(runtime, user, case_id)
    check_instruct(user, case, body.to, runtime.cases.policy)
    instruction, updated = await runtime.cases.service.instruct(
        case, body.to, body.text, seconds(body.deadline), user.name
    )
    now = _now(runtime)
    await runtime.cases.events.instruction(instruction, updated, now, "sent")
    await _changed(runtime, updated, "instructed", user, f"to {body.to}")
    return instruction.to_json(now)


@router.get("/instructions")
async def list_instructions(
    runtime: Runtime,
    user: CurrentUser,
    pending: bool = False,
    office: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """Instructions of open cases (`pending=true`: not yet acknowledged), oldest first, with
    how long each has waited: the sender's "who has and has not acknowledged"."""
    store = runtime.cases.store
    receivers: list[str] | None = None
    if user.role == Role.PATROL:
        receivers = [f"patrol:{user.mmsi}"]
        office = None
    elif user.role == Role.OFFICE:
        if office is not None and office != user.office:
            raise HTTPException(403, f"you may only see the instructions of office {user.office}")
        office = None  # filtered below: to the office, or on its cases
    found = await store.instructions(pending=pending, receivers=receivers, office=office)
    now = _now(runtime)
    items = []
    for instruction in found:
        case = await store.get(instruction.case_id)
        if case is not None and may_see_instruction(user, instruction, case):
            items.append({**instruction.to_json(now), "case": case_json(case, now)})
    return {"items": items, "count": len(items)}


@router.post("/instructions/{instruction_id}/ack", responses=_ERRORS)
async def acknowledge_instruction(
    runtime: Runtime, user: CurrentUser, instruction_id: str
) -> dict[str, Any]:
    """The receiver acknowledges (again: nothing changes). Crews for their boat; offices
    for themselves or their boats."""
    store = runtime.cases.store
    instruction = await store.get_instruction(instruction_id)
    case = await store.get(instruction.case_id) if instruction else None
    if instruction is None or case is None:
        raise CaseNotFound("instruction", instruction_id)
    if not may_ack(user, instruction, case, runtime.cases.policy):
        raise HTTPException(403, f"only the receiver ({instruction.to}) acknowledges it")
    result = await runtime.cases.service.acknowledge(instruction_id, user.name)
    now = _now(runtime)
    if result.changed:
        await runtime.cases.events.instruction(result.instruction, result.case, now, "acknowledged")
        await _changed(runtime, result.case, "instruction_acknowledged", user, instruction.to)
    return {**result.instruction.to_json(now), "case": case_json(result.case, now)}


# --- reports ----------------------------------------------------------------------------


@router.post("/cases/{case_id}/reports", status_code=201, responses=_ERRORS)
async def report(runtime: Runtime, user: CurrentUser, case_id: str, body: ReportIn) -> JSONResponse:
    """A field report: 201 when stored, 200 with `duplicate: true` when this `report_id`
    was stored before (a tablet resending from its outbox). Never refused for the case's
    status: a report on a closed case is recorded without changing it."""
    case = await _case(runtime, user, case_id)
    result = await runtime.cases.service.report(
        case,
        user.name,
        body.report_id or uuid.uuid4().hex,
        outcome=body.outcome,
        measures=body.measures,
        note=body.note,
        lat=body.lat,
        lon=body.lon,
        at=seconds(body.at),
        patrol_mmsi=user.mmsi if user.role == Role.PATROL else None,
    )
    if not result.duplicate:
        await _changed(runtime, result.case, "reported", user, body.note)
    out = {
        "report": result.report.to_json(),
        "duplicate": result.duplicate,
        "case": _out(runtime, result.case),
    }
    return JSONResponse(out, status_code=200 if result.duplicate else 201)


# --- incidents and assistance -----------------------------------------------------------


@router.post("/incidents", status_code=201, responses=_ERRORS)
async def incident(runtime: Runtime, user: CurrentUser, body: IncidentIn) -> dict[str, Any]:
    """Open an emergency case (critical) at a position: `assist` ranks the patrol boats (at
    their service speed) and the vessels within `radius_nm` (at their speed) by time to
    reach; `incident.within_radius` lists every vessel inside the radius."""
    office = check_create(user, None)
    alerts = await _alerts(runtime, user, [body.alert_id]) if body.alert_id else []
    case = await runtime.cases.service.incident(
        body.kind,
        body.lat,
        body.lon,
        body.radius_nm,
        user.name,
        mmsi=body.mmsi,
        title=body.title,
        note=body.note,
        office=office,
        alerts=alerts,
    )
    await _changed(runtime, case, "created", user, case.note)
    return _out(runtime, case)


@router.get("/cases/{case_id}/assist", responses=_ERRORS)
async def assist(
    runtime: Runtime,
    user: CurrentUser,
    case_id: str,
    radius_nm: Annotated[float | None, Query(gt=0, le=100)] = None,
) -> dict[str, Any]:
    """Who could assist now (live positions), ranked as for `POST /api/incidents`."""
    case = await _case(runtime, user, case_id)
    if case.lat is None or case.lon is None:
        raise HTTPException(400, f"case {case.id} has no position")
    radius = radius_nm or float((case.incident or {}).get("radius_nm", 5.0))
    ranked, inside = runtime.cases.service.assist(case.lat, case.lon, radius, exclude=case.mmsi)
    return {"radius_nm": radius, "assist": ranked, "within_radius": inside}


# --- patrol boats -----------------------------------------------------------------------


@router.get("/patrols")
async def patrols(
    runtime: Runtime,
    user: CurrentUser,
    office: Annotated[str | None, Query(max_length=64)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> dict[str, Any]:
    """Each configured patrol boat: position, speed, `state` (`free`, `on_task`,
    `out_of_contact`), current task and last report. With `lat`/`lon`: distance and time
    to reach at service speed, nearest first, and `suggested` = the nearest free boat."""
    from services.web.case_patrols import patrol_board

    if user.role != Role.OFFICE and not user.is_centre:
        office = user.office
    elif user.role == Role.OFFICE:
        if office is not None and office != user.office:
            raise HTTPException(403, f"you may only see the boats of office {user.office}")
        office = user.office
    if (lat is None) != (lon is None):
        raise HTTPException(400, "give both lat and lon, or neither")
    return await patrol_board(runtime, office, lat, lon)


@router.get("/cases/{case_id}/suggestion", responses=_ERRORS)
async def suggestion(runtime: Runtime, user: CurrentUser, case_id: str) -> dict[str, Any]:
    """The nearest free patrol boat of the case's office (any office for the centre's
    cases), or `suggested: null` when none is free and in contact."""
    from services.web.case_patrols import patrol_board

    case = await _case(runtime, user, case_id)
    check_manage(user, case)
    office = None if case.office == runtime.config.centre.id else case.office
    if case.lat is None or case.lon is None:
        raise HTTPException(400, f"case {case.id} has no position to measure from")
    board = await patrol_board(runtime, office, case.lat, case.lon)
    return {"case_id": case.id, "suggested": board["suggested"], "patrols": board["items"]}
