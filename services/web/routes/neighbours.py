"""Neighbouring MSAs: the configured neighbours (login) and the inbound notice endpoint.

`POST /api/neighbours/notices` takes no bearer token: a neighbour's system authenticates
with the HMAC signature of its shared key (services/neighbours/notice.py), which is checked
before anything else is done. A good notice answers 202 and raises a `neighbour_notice`
alert for the office owning the entry point; a bad signature, unknown sender or stale
notice answers 401, a malformed one 422, each counted (/metrics).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from services.alerts.model import alert_change_to_json
from services.core import topics
from services.neighbours.notice import NoticeRejected
from services.web.deps import CurrentUser, Runtime

router = APIRouter(prefix="/api", tags=["neighbours"])
MAX_NOTICE = 64 * 1024


def _inbound(runtime: Any) -> Any:
    inbound = getattr(runtime.info, "inbound", None) if runtime.info is not None else None
    if inbound is None:
        raise HTTPException(503, "no neighbours are configured")
    return inbound


@router.get("/neighbours")
async def neighbours(runtime: Runtime, _user: CurrentUser) -> dict[str, Any]:
    inbound = _inbound(runtime)
    listed = [{"id": n.id, "name": n.name} for n in inbound.neighbours.values()]
    return {"neighbours": listed, "counters": dict(inbound.counters)}


@router.post(
    "/neighbours/notices",
    status_code=202,
    # the body is read raw (its signature covers the bytes), so FastAPI cannot see it: the
    # answers to a bad body are declared here (services/web/openapi.py completes them)
    responses={400: {}, 413: {}, 422: {}},
)
async def receive_notice(runtime: Runtime, request: Request) -> JSONResponse:
    inbound = _inbound(runtime)
    body = await request.body()
    if len(body) > MAX_NOTICE:
        raise HTTPException(413, "notice too large")
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:
        inbound.counters["rejected_malformed"] += 1
        raise HTTPException(422, "body is not JSON") from None
    try:
        change = inbound.receive(envelope, runtime.info.clock())
    except NoticeRejected as exc:
        raise HTTPException(422 if exc.reason == "malformed" else 401, str(exc)) from None
    if change is None:
        return JSONResponse({"status": "duplicate"}, 202)
    await runtime.bus.publish(topics.ALERTS, [orjson.dumps(alert_change_to_json(change))])
    return JSONResponse({"status": "accepted", "alert_id": change.alert.id}, 202)
