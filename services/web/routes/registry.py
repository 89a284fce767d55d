"""The registry of supervised objects: search, one object, edit, import, history.

Office users see their own office's objects and the centre's (no office); they edit and
import only their own office's. Imports: `POST /api/registry/import` with the file as the
request body (`Content-Type` any; the name in `?filename=` helps tell .xlsx from .csv) or
as a multipart `file`; `?dry_run=true` checks without storing. Any rejected row: 422 with
every row's reasons and nothing stored.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from services.alerts.model import iso_utc
from services.infocentre.model import NotFound
from services.registry.importer import ImportError_
from services.registry.model import KINDS, RegistryObject, derived_id
from services.registry.service import Filter, Registry
from services.web.deps import CurrentUser, Runtime
from services.web.infocentre import Editor, check_may_edit, may_see, office_for

router = APIRouter(prefix="/api", tags=["registry"])
ObjectId = Annotated[str, Path(min_length=1, max_length=100)]
MAX_UPLOAD = 10 * 1024 * 1024  # an export of 20,000 rows is a few MB


class RegistryIn(BaseModel):
    id: str | None = Field(None, max_length=100)
    kind: str = Field(max_length=20, description=f"one of {', '.join(KINDS)}")
    name: str = Field(min_length=1, max_length=500)
    office: str | None = Field(None, max_length=64)
    mmsi: int | None = Field(None, ge=0, le=999_999_999)
    imo: int | None = Field(None, ge=0, le=9_999_999)
    contact: str = Field("", max_length=500)
    phone: str = Field("", max_length=500)
    address: str = Field("", max_length=500)
    lat: float | None = Field(None, allow_inf_nan=False)
    lon: float | None = Field(None, allow_inf_nan=False)
    notes: str = Field("", max_length=500)
    links: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=100)


def registry(runtime: Any) -> Registry:
    found = getattr(runtime.info, "registry", None) if runtime.info is not None else None
    if found is None:
        raise HTTPException(503, "the registry is not configured in this process")
    assert isinstance(found, Registry)
    return found


@router.get("/registry")
async def search_registry(
    runtime: Runtime,
    user: CurrentUser,
    q: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    office: Annotated[str | None, Query(max_length=64)] = None,
    mmsi: Annotated[int | None, Query(ge=0, le=999_999_999)] = None,
    imo: Annotated[int | None, Query(ge=0, le=9_999_999)] = None,
    link: Annotated[str | None, Query(max_length=200, description="e.g. zone:ID")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Search by text (name, contact, phone, address, MMSI, IMO), kind, office, the vessel's
    MMSI/IMO (the vessel panel's link) or a link (`zone:ID`, `waterworks:ID`, `case:ID`)."""
    where = Filter(q.strip() if q else None, kind, office, mmsi, imo, link)
    found = await registry(runtime).search(where, limit=10_000)
    return [o.to_json() for o in found if may_see(user, o.office)][:limit]


@router.get("/registry/{object_id}")
async def get_object(runtime: Runtime, user: CurrentUser, object_id: ObjectId) -> dict[str, Any]:
    obj = await registry(runtime).get(object_id)
    if obj is None or not may_see(user, obj.office):
        raise NotFound(f"no registry object {object_id}")
    return obj.to_json()


@router.post("/registry", status_code=201)
async def save_object(runtime: Runtime, user: Editor, body: RegistryIn) -> dict[str, Any]:
    """Create, or replace the object with the same id."""
    reg = registry(runtime)
    object_id = body.id or derived_id(body.kind, body.name, body.mmsi)
    existing = await reg.get(object_id)
    if existing is not None:
        check_may_edit(user, existing.office)
    fields = body.model_dump(exclude={"id", "office", "links"})
    obj = RegistryObject(
        id=object_id, office=office_for(user, body.office), links=tuple(body.links), **fields
    )
    await reg.put(obj, user.name, "updated" if existing else "added")
    return obj.to_json()


@router.delete("/registry/{object_id}", status_code=204)
async def delete_object(runtime: Runtime, user: Editor, object_id: ObjectId) -> Response:
    reg = registry(runtime)
    obj = await reg.get(object_id)
    if obj is None or not may_see(user, obj.office):
        raise NotFound(f"no registry object {object_id}")
    check_may_edit(user, obj.office)
    await reg.delete(object_id, user.name)
    return Response(status_code=204)


@router.get("/registry/{object_id}/history")
async def object_history(
    runtime: Runtime, user: CurrentUser, object_id: ObjectId
) -> list[dict[str, Any]]:
    reg = registry(runtime)
    changes = await reg.history(object_id)
    obj = await reg.get(object_id)
    if not changes or (obj is not None and not may_see(user, obj.office)):
        raise NotFound(f"no registry object {object_id}")
    return [{**c.to_json(), "at": iso_utc(c.at)} for c in changes]


@router.post("/registry/import")
async def import_objects(
    runtime: Runtime,
    user: Editor,
    request: Request,
    filename: Annotated[str, Query(max_length=200)] = "",
    dry_run: bool = False,
) -> Response:
    """Import a CSV (UTF-8 or GBK) or .xlsx export: all rows or none."""
    data, filename = await _upload(request, filename)
    office = None if user.is_centre else user.office
    try:
        result = await registry(runtime).import_file(data, filename, user.name, office, dry_run)
    except ImportError_ as exc:
        raise HTTPException(422, f"{filename or 'file'}: {exc}") from None
    status = 422 if result.rejected else (200 if dry_run else 201)
    body = {**result.to_json(), "dry_run": dry_run}
    if result.rejected:
        body["detail"] = f"{len(result.rejected)} rows rejected; nothing was imported"
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _upload(request: Request, filename: str) -> tuple[bytes, str]:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_UPLOAD:
        raise HTTPException(413, f"file larger than {MAX_UPLOAD // 1024 // 1024} MB")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=1, max_part_size=MAX_UPLOAD) as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise HTTPException(422, "multipart upload without a `file` part")
            data = await upload.read()
            return data, filename or (upload.filename or "")
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_UPLOAD:
            raise HTTPException(413, f"file larger than {MAX_UPLOAD // 1024 // 1024} MB")
    if not data:
        raise HTTPException(422, "no file: send it as the request body or a multipart `file`")
    return data, filename
