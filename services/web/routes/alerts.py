"""Alerts: list (filter, paginate), one alert and its history, operator actions, silences.

Who may do what (docs/web.md): centre users (operator, supervisor, admin) see and act on
every alert; office users only on their office's; patrol crews see their office's alerts
and may acknowledge them and report from the scene (`/report`). Resolving by the bare
`/resolve` is the office's decision, but a crew's report may close its own office's case with
an outcome (resolved / false_alarm): the crew is who verified it on scene, and such a close
always carries the crew's finding in the history. Another office's alert id
answers 404, exactly like an unknown id, so ids of other offices cannot be probed.
Silences change what the whole pipeline reports: centre users set them; lifting one early
is for supervisors and admins.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from services.alerts.model import Action, Alert, Rule, Silence
from services.alerts.store_api import AlertNotFound, AlertQuery, statuses
from services.web.auth import Role, User
from services.web.deps import CurrentUser, Runtime, Time, require
from services.web.picture import LivePicture, vessel_names
from services.web.runtime import WebRuntime
from services.web.schemas import (
    ActionIn,
    AlertHistoryItem,
    AlertOut,
    AlertPageOut,
    AlertSilenceIn,
    ReportIn,
    ReportOut,
    SilenceIn,
    SilenceOut,
)

router = APIRouter(prefix="/api", tags=["alerts"])

_CENTRE = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
Resolver = Annotated[User, Depends(require(*_CENTRE, Role.OFFICE))]
SilenceSetter = Annotated[User, Depends(require(*_CENTRE))]
SilenceLifter = Annotated[User, Depends(require(Role.SUPERVISOR, Role.ADMIN))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such alert (or another office's)"}
}


def alert_out(
    alert: Alert, picture: LivePicture | None = None, case_id: str | None = None
) -> AlertOut:
    """The §4 object with `escalated_to`, its case, and the vessels' names when `picture`
    knows them (so a list shows names at once, not bare MMSIs until the map has heard them)."""
    names = vessel_names(picture, alert.mmsi, alert.other_mmsi) if picture is not None else {}
    return AlertOut(
        **alert.to_json(), escalated_to=list(alert.escalated_to), case_id=case_id, **names
    )


async def _case_ids(runtime: WebRuntime, alerts: list[Alert]) -> dict[str, str]:
    """The case of each alert that has one (one store query for a page)."""
    return await runtime.case_store.cases_of_alerts([a.id for a in alerts])


@router.get("/alerts", response_model=AlertPageOut)
async def list_alerts(
    runtime: Runtime,
    user: CurrentUser,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    office: str | None = None,
    rule: Rule | None = None,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    active: Annotated[bool | None, Query(description="condition still holds")] = None,
    since: Time = None,
    until: Time = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> AlertPageOut:
    """Newest first; `next_cursor` fetches the next page. Office and patrol users get their
    office's alerts (asking for another office is 403)."""
    if not user.is_centre:
        if office is not None and office != user.office:
            raise HTTPException(403, f"you may only see the alerts of office {user.office}")
        office = user.office
    query = AlertQuery(
        status=statuses(status),
        office=office,
        rule=rule.value if rule else None,
        mmsi=mmsi,
        since=since,
        until=until,
        active=active,
        limit=limit,
        cursor=cursor,
    )
    page = await runtime.alerts.list(query)
    cases = await _case_ids(runtime, page.items)
    items = [alert_out(a, runtime.picture, cases.get(a.id)) for a in page.items]
    return AlertPageOut(items=items, next_cursor=page.next_cursor)


async def _visible(runtime: WebRuntime, user: User, alert_id: str) -> Alert:
    alert = await runtime.alerts.get(alert_id)
    if alert is None or not user.may_see_office(alert.office):
        raise AlertNotFound(alert_id)
    return alert


@router.get("/alerts/{alert_id}", response_model=AlertOut, responses=NOT_FOUND)
async def get_alert(runtime: Runtime, user: CurrentUser, alert_id: str) -> AlertOut:
    alert = await _visible(runtime, user, alert_id)
    return alert_out(alert, runtime.picture, (await _case_ids(runtime, [alert])).get(alert.id))


@router.get(
    "/alerts/{alert_id}/history", response_model=list[AlertHistoryItem], responses=NOT_FOUND
)
async def alert_history(
    runtime: Runtime, user: CurrentUser, alert_id: str
) -> list[AlertHistoryItem]:
    alert = await _visible(runtime, user, alert_id)
    records = await runtime.alerts.history(alert.id)
    return [
        AlertHistoryItem(
            change=r.change,
            at=r.at,
            status=r.status,
            actor=r.actor,
            note=r.note,
            report_id=r.report_id,
            recorded_at=r.recorded_at,
        )
        for r in records
    ]


async def _act(
    runtime: WebRuntime, user: User, alert_id: str, action: Action, body: ActionIn | None
) -> AlertOut:
    alert = await _visible(runtime, user, alert_id)
    result = await runtime.actions.act(
        alert.id, action.value, user.name, body.note if body else None
    )
    return alert_out(result.alert, runtime.picture)


_ACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "the alert's status does not allow it"},
}


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, responses=_ACTION_RESPONSES)
async def acknowledge(
    runtime: Runtime, user: CurrentUser, alert_id: str, body: ActionIn | None = None
) -> AlertOut:
    """Acknowledge: someone is on it. Every role may, on alerts it can see."""
    return await _act(runtime, user, alert_id, Action.ACKNOWLEDGE, body)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertOut, responses=_ACTION_RESPONSES)
async def resolve(
    runtime: Runtime, user: Resolver, alert_id: str, body: ActionIn | None = None
) -> AlertOut:
    return await _act(runtime, user, alert_id, Action.RESOLVE, body)


@router.post("/alerts/{alert_id}/false_alarm", response_model=AlertOut, responses=_ACTION_RESPONSES)
async def false_alarm(
    runtime: Runtime, user: Resolver, alert_id: str, body: ActionIn | None = None
) -> AlertOut:
    return await _act(runtime, user, alert_id, Action.FALSE_ALARM, body)


@router.post("/alerts/{alert_id}/report", response_model=ReportOut, responses=NOT_FOUND)
async def report(runtime: Runtime, user: CurrentUser, alert_id: str, body: ReportIn) -> ReportOut:
    """A field report (现场反馈), recorded in the alert's history whatever its status. On an
    open alert it also acknowledges it; an `outcome` closes the case when the status allows,
    otherwise `outcome_refused` says why (never 409: the report must not be lost). Every role
    may report on the alerts it can see; resending the same `report_id` changes nothing."""
    alert = await _visible(runtime, user, alert_id)
    rid = body.report_id or uuid.uuid4().hex
    result = await runtime.actions.report(
        alert.id, user.name, body.note, outcome=body.outcome, report_id=rid
    )
    return ReportOut(
        alert=alert_out(result.alert, runtime.picture),
        report_id=rid,
        duplicate=result.duplicate,
        changes=[c.change for c in result.changes],
        outcome_refused=result.refused,
    )


@router.post(
    "/alerts/{alert_id}/silence", response_model=SilenceOut, status_code=201, responses=NOT_FOUND
)
async def silence_alert(
    runtime: Runtime, user: SilenceSetter, alert_id: str, body: AlertSilenceIn | None = None
) -> SilenceOut:
    """Silence this alert's rule for its vessel, from when it was raised until `minutes`
    from now (the alert itself stays as it is: acknowledge or resolve it separately)."""
    alert = await _visible(runtime, user, alert_id)
    if alert.mmsi is None:
        raise HTTPException(409, "a radar-only alert has no vessel to silence")
    body = body or AlertSilenceIn(minutes=60.0, reason=None)
    now = time.time()
    silence = await runtime.actions.silence(
        alert.mmsi,
        min(alert.raised_at, now),
        now + body.minutes * 60.0,
        user.name,
        rule=alert.rule,
        reason=body.reason,
    )
    return silence_out(silence)


def silence_out(s: Silence) -> SilenceOut:
    return SilenceOut(
        id=s.id,
        mmsi=s.mmsi,
        start=s.start,
        end=s.end,
        rule=s.rule,
        actor=s.actor,
        reason=s.reason,
        created_at=s.created_at,
    )


@router.post("/silences", response_model=SilenceOut, status_code=201)
async def add_silence(runtime: Runtime, user: SilenceSetter, body: SilenceIn) -> SilenceOut:
    """No alerts for a vessel (one rule, or all) for behaviour in [start, end)."""
    if body.rule is not None and body.rule not in Rule.__members__.values():
        raise HTTPException(400, f"unknown rule {body.rule!r}")
    silence = await runtime.actions.silence(
        body.mmsi, body.start, body.end, user.name, rule=body.rule, reason=body.reason
    )
    return silence_out(silence)


@router.get("/silences", response_model=list[SilenceOut])
async def list_silences(
    runtime: Runtime,
    _user: SilenceSetter,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    active_at: Time = None,
) -> list[SilenceOut]:
    return [silence_out(s) for s in await runtime.alerts.silences(mmsi, active_at)]


@router.delete("/silences/{silence_id}", status_code=204, responses={404: {}})
async def delete_silence(runtime: Runtime, user: SilenceLifter, silence_id: str) -> None:
    if not await runtime.actions.unsilence(silence_id, user.name):
        raise HTTPException(404, f"no silence {silence_id!r}")
