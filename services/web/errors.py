"""Domain errors to HTTP, in one place: every error a client sees is JSON `{"detail": ...}`.

Anything a client sends must end as 400/401/403/404/409/422, never 500; a 503 means a
backing service (bus, database) is down, and only a bug in the server gives a 500.
"""

from __future__ import annotations

import logging

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from services.alerts.store_api import AlertNotFound, InvalidQuery, InvalidTransition
from services.cases.model import CaseInputError, CaseNotFound, InvalidCaseTransition
from services.core.bus import BusError
from services.core.db import DatabaseError
from services.infocentre.model import InfoError
from services.infocentre.model import NotFound as InfoNotFound
from services.web.auth import UserError
from services.web.view import ViewError

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (AlertNotFound, 404),
    (CaseNotFound, 404),
    (InvalidCaseTransition, 409),
    (CaseInputError, 400),
    (InvalidTransition, 409),
    (InvalidQuery, 400),
    (ViewError, 400),
    (InfoNotFound, 404),
    (InfoError, 422),
    (UserError, 400),
    # SQLSTATE class 22, "data exception": a value PostgreSQL cannot take (a timestamp out of
    # range in a forged cursor, a NUL in a string). Only client values reach queries as data.
    (asyncpg.DataError, 400),
    (BusError, 503),
    (DatabaseError, 503),
    (OSError, 503),  # database connection lost mid-request
)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    for exc_type, status in _STATUS:
        app.add_exception_handler(exc_type, _domain(status))
    app.add_exception_handler(Exception, _unexpected)


def _body(detail: object, status: int) -> dict[str, object]:
    """Every 422 has the shape of a validation error (`detail` and `errors`), whether pydantic
    or a route's own check refused the request, so clients read one schema."""
    if status != 422:
        return {"detail": detail}
    return {
        "detail": str(detail),
        "errors": [{"loc": [], "msg": str(detail), "type": "value_error"}],
    }


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse(_body(exc.detail, exc.status_code), exc.status_code, headers=exc.headers)


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return JSONResponse({"detail": f"{where}: {first['msg']}", "errors": errors}, 422)


def _domain(status: int):  # type: ignore[no-untyped-def]
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        if isinstance(exc, asyncpg.DataError):
            return JSONResponse(_body(f"invalid value: {exc}", status), status)
        return JSONResponse(_body(str(exc), status), status)

    return handler


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error"}, 500)
