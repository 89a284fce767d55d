"""Notices to mariners: managed under /api (login), published under /public (no login).

The public paths (CONTRACTS §11) are the only ones reachable without a token. They are
read-only and cheap: each answer carries `Cache-Control: public, max-age=60` (a feed reader
or a partner's map polling every few seconds costs one conditional request a minute), an
`ETag` of the body (a poll with `If-None-Match` that finds nothing new is 304 with no body),
`Last-Modified`, and `Vary: Accept-Language` where the language follows the browser.
"""

from __future__ import annotations

import hashlib
from email.utils import formatdate
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from shapely.geometry import mapping

from services.alerts.model import iso_utc
from services.infocentre import publish
from services.infocentre.model import NotFound, Notice, parse_area
from services.web.deps import CurrentUser, Runtime
from services.web.infocentre import Editor, Info, Moment, check_may_edit, may_see, office_for
from services.web.routes.waterworks import unwrap_area

router = APIRouter(prefix="/api", tags=["notices"])
public = APIRouter(prefix="/public", tags=["public"])
MAX_AGE_S = 60
Lang = Annotated[Literal["zh-CN", "en"] | None, Query()]


class NoticeIn(BaseModel):
    kind: Literal["navigation_warning", "restricted_area"]
    title: str = Field(min_length=1, max_length=200)
    title_en: str = Field("", max_length=200)
    text: str = Field("", max_length=4000)
    text_en: str = Field("", max_length=4000)
    area: dict[str, Any] | None = None
    active_from: Moment
    active_to: Moment
    office: str | None = Field(None, max_length=64)


def notice_out(n: Notice, now: float) -> dict[str, Any]:
    return {
        **n.to_json(),
        "area": mapping(n.area) if n.area is not None else None,
        "active_from": iso_utc(n.active_from),
        "active_to": iso_utc(n.active_to),
        "created_at": iso_utc(n.created_at),
        "state": n.state(now),
    }


@router.get("/notices")
async def list_notices(info: Info, user: CurrentUser) -> list[dict[str, Any]]:
    now = info.clock()
    return [notice_out(n, now) for n in await info.notices() if may_see(user, n.office)]


@router.post("/notices", status_code=201)
async def add_notice(info: Info, user: Editor, body: NoticeIn) -> dict[str, Any]:
    """Publish a notice; a temporary restricted area is also a restricted zone in its period."""
    notice = Notice(
        id="",
        kind=body.kind,
        title=body.title.strip(),
        title_en=body.title_en.strip(),
        text=body.text.strip(),
        text_en=body.text_en.strip(),
        area=parse_area(unwrap_area(body.area)) if body.area is not None else None,
        active_from=body.active_from.timestamp(),
        active_to=body.active_to.timestamp(),
        office=office_for(user, body.office),
    )
    return notice_out(await info.add_notice(notice, user.name), info.clock())


@router.delete("/notices/{notice_id}", status_code=204)
async def remove_notice(
    info: Info, user: Editor, notice_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> Response:
    notice = await info.notice(notice_id)
    if notice is None or not may_see(user, notice.office):
        raise NotFound(f"no notice {notice_id}")
    check_may_edit(user, notice.office)
    await info.remove_notice(notice_id, user.name)
    return Response(status_code=204)


def active_notice_zone_features(notices: list[Notice], now: float) -> list[dict[str, Any]]:
    """Temporary restricted areas in force at `now`, shaped like zones.geojson's: the rules
    treat them as restricted zones, so the map draws them and an alert names them."""
    return [
        {
            "type": "Feature",
            "id": n.id,
            "properties": {
                "id": n.id,
                "kind": "restricted",
                "name": n.title,
                "name_en": n.title_en,
                "source": "notice",
                "active_from": iso_utc(n.active_from),
                "active_to": iso_utc(n.active_to),
            },
            "geometry": mapping(n.area),
        }
        for n in notices
        if n.kind == "restricted_area" and n.area is not None and n.state(now) == "active"
    ]


async def _items(runtime: Any) -> list[publish.PublicItem]:
    info = runtime.info
    if info is None:
        return []
    return publish.public_items(await info.waterworks(), await info.notices(), info.clock())


def _lang(request: Request, lang: str | None) -> str:
    if lang is not None:
        return lang
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "zh-CN"


def _cached(request: Request, body: bytes, media: str, items: list[Any], vary: bool) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    updated = max((i.updated for i in items), default=0.0)
    headers = {
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
        "ETag": etag,
        "Last-Modified": formatdate(updated, usegmt=True),
    }
    if vary:
        headers["Vary"] = "Accept-Language"
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


class _HTML(Response):
    media_type = "text/html"  # documented content types of the public answers


class _GeoJSON(Response):
    media_type = "application/geo+json"


class _Atom(Response):
    media_type = "application/atom+xml"


# The public feeds are documented in docs/infocentre.md, not in the API schema: they are
# pages and feeds for mariners and partners, with their own content types and caching.
@public.get("/notices", include_in_schema=False, response_class=_HTML)
async def notices_page(runtime: Runtime, request: Request, lang: Lang = None) -> Response:
    """The public page (zh-CN by default, English with `?lang=en` or the browser's choice)."""
    items = await _items(runtime)
    language = _lang(request, lang)
    body = publish.page(items, runtime.config.centre.name, language).encode()
    return _cached(request, body, "text/html; charset=utf-8", items, lang is None)


@public.get("/notices.css", include_in_schema=False)
async def notices_style(request: Request) -> Response:
    body = publish.STYLE.encode()
    return _cached(request, body, "text/css; charset=utf-8", [], False)


@public.get("/notices.geojson", include_in_schema=False, response_class=_GeoJSON)
async def notices_geojson(runtime: Runtime, request: Request) -> Response:
    items = await _items(runtime)
    return _cached(request, publish.geojson(items), "application/geo+json", items, False)


@public.get("/notices.atom", include_in_schema=False, response_class=_Atom)
async def notices_atom(runtime: Runtime, request: Request, lang: Lang = None) -> Response:
    items = await _items(runtime)
    base = str(request.base_url).rstrip("/")
    language = _lang(request, lang)
    body = publish.atom(items, base, runtime.config.centre.name, language)
    return _cached(request, body, "application/atom+xml; charset=utf-8", items, lang is None)
