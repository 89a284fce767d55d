"""Navigation-safety reports and the traffic-density layer (CONTRACTS §9).

`GET /api/reports?period=&end=&office=&lang=&format=`: the report as HTML or PDF. Centre
users ask for the whole jurisdiction (no office) or any office; office and patrol users get
their own office's (the default for them) and 403 for another's. Reports and density read
the statistics in PostgreSQL: without a database (`serve --demo`) both answer 503.

`GET /api/stats/density?since=&until=&ship_group=`: the density raster of local days
[since, until) as GeoJSON points (one per 0.01-degree square, at its centre, with `n`
reports) for the map's heatmap layer; office users get only the squares in their cells.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Response

from services.reports.data import UnknownOffice, gather, jurisdiction_bbox, only_office
from services.reports.i18n import Words
from services.reports.period import PeriodError, parse_end, period_for
from services.reports.render import render_html, render_pdf
from services.stats.traffic import Density, density
from services.web.auth import User
from services.web.deps import CurrentUser, Runtime

router = APIRouter(prefix="/api", tags=["reports"])

MAX_DENSITY_DAYS = 366
_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@router.get("/reports", response_class=Response)
async def report(
    runtime: Runtime,
    user: CurrentUser,
    period: Annotated[Literal["week", "month", "quarter"], Query()],
    end: Annotated[str, Query(description="last day of the period, YYYY-MM-DD (local)")],
    office: str | None = None,
    lang: Literal["zh-CN", "en"] = "zh-CN",
    format: Literal["html", "pdf"] = "html",  # noqa: A002 - the contract's parameter name
) -> Response:
    """The report of `office` (centre users: default the whole jurisdiction)."""
    pool = _database(runtime.database)
    office = _office_for(user, office)
    try:
        span = period_for(period, parse_end(end))
        data = await gather(pool, runtime.config, span, office)
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from None
    except UnknownOffice as exc:
        raise HTTPException(404, str(exc)) from None
    html = await asyncio.to_thread(render_html, data, Words(lang))
    body = html.encode("utf-8") if format == "html" else await asyncio.to_thread(render_pdf, html)
    name = f"seagrid-report-{office or 'all'}-{period}-{span.last.isoformat()}-{lang}.{format}"
    disposition = "inline" if format == "html" else "attachment"
    return Response(
        body,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


@router.get("/stats/density")
async def density_layer(
    runtime: Runtime,
    user: CurrentUser,
    since: str | None = None,
    until: str | None = None,
    ship_group: str | None = None,
) -> dict[str, Any]:
    """Density points of local days [since, until); default the last 7 days."""
    pool = _database(runtime.database)
    try:
        last = parse_end(until) if until else dt.date.today() + dt.timedelta(days=1)
        first = parse_end(since) if since else last - dt.timedelta(days=7)
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from None
    if not 0 < (last - first).days <= MAX_DENSITY_DAYS:
        raise HTTPException(422, f"since must be before until, at most {MAX_DENSITY_DAYS} days")
    raster = await density(pool, first, last, jurisdiction_bbox(runtime.config), ship_group)
    if not user.is_centre:
        raster = only_office(raster, runtime.config, user.office)
    return _points(raster, first, last)


def _points(raster: Density, first: dt.date, last: dt.date) -> dict[str, Any]:
    step = 1 / raster.per_degree
    rows, cols = np.nonzero(raster.grid)
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round(raster.lon0 + (c + 0.5) * step, 5),
                    round(raster.lat0 + (r + 0.5) * step, 5),
                ],
            },
            "properties": {"n": int(raster.grid[r, c])},
        }
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
    ]
    peak = int(raster.grid.max()) if raster.grid.size else 0
    return {
        "type": "FeatureCollection",
        "features": features,
        "since": first.isoformat(),
        "until": last.isoformat(),
        "max": peak,
        "step_deg": step,
    }


def _office_for(user: User, office: str | None) -> str | None:
    if user.is_centre:
        return office
    if office is not None and office != user.office:
        raise HTTPException(403, "an office user may only fetch its own office's report")
    return user.office


def _database(pool: Any) -> Any:
    if pool is None:
        raise HTTPException(503, "reports and statistics need PostgreSQL (not in demo mode)")
    return pool
