"""The watchlist (重点跟踪船舶): CONTRACTS §11, plus each entry's history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from services.alerts.model import iso_utc
from services.infocentre.model import Category, NotFound, WatchEntry
from services.web.deps import CurrentUser
from services.web.infocentre import Editor, Info, Moment, check_may_edit, may_see, office_for

router = APIRouter(prefix="/api", tags=["watchlist"])
Mmsi = Annotated[int, Path(ge=1, le=999_999_999)]


class WatchIn(BaseModel):
    mmsi: int = Field(ge=1, le=999_999_999)
    category: Category = Category.OTHER
    reason: str = Field("", max_length=2000)
    office: str | None = Field(None, max_length=64)
    expires_at: Moment | None = None


class WatchOut(BaseModel):
    mmsi: int
    category: str
    reason: str
    office: str | None
    expires_at: str | None
    added_by: str
    added_at: str | None
    state: str  # active or expired (by the service clock)


def watch_out(entry: WatchEntry, now: float) -> WatchOut:
    return WatchOut(
        mmsi=entry.mmsi,
        category=entry.category,
        reason=entry.reason,
        office=entry.office,
        expires_at=iso_utc(entry.expires_at),
        added_by=entry.added_by,
        added_at=iso_utc(entry.added_at),
        state="active" if entry.in_force(now) else "expired",
    )


@router.get("/watchlist", response_model=list[WatchOut])
async def list_watchlist(
    info: Info,
    user: CurrentUser,
    include_expired: Annotated[bool, Query()] = True,
) -> list[WatchOut]:
    """Entries the user may see, newest first; expired ones say so (and no longer alert)."""
    now = info.clock()
    entries = [e for e in await info.watchlist() if may_see(user, e.office)]
    if not include_expired:
        entries = [e for e in entries if e.in_force(now)]
    entries.sort(key=lambda e: (-e.added_at, e.mmsi))
    return [watch_out(e, now) for e in entries]


@router.post("/watchlist", response_model=WatchOut, status_code=201)
async def add_to_watchlist(info: Info, user: Editor, body: WatchIn) -> WatchOut:
    """Add (or change) an entry; the rules use it from their next batch on."""
    existing = await info.watch_entry(body.mmsi)
    if existing is not None:
        check_may_edit(user, existing.office)
    entry = WatchEntry(
        mmsi=body.mmsi,
        category=body.category.value,
        reason=body.reason.strip(),
        office=office_for(user, body.office),
        expires_at=body.expires_at.timestamp() if body.expires_at else None,
    )
    return watch_out(await info.watch(entry, user.name), info.clock())


@router.delete("/watchlist/{mmsi}", status_code=204)
async def remove_from_watchlist(
    info: Info, user: Editor, mmsi: Mmsi, note: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    entry = await info.watch_entry(mmsi)
    if entry is None:
        raise NotFound(f"MMSI {mmsi} is not on the watchlist")
    check_may_edit(user, entry.office)
    await info.unwatch(mmsi, user.name, note)
    return Response(status_code=204)


@router.get("/watchlist/{mmsi}/history")
async def watchlist_history(info: Info, user: CurrentUser, mmsi: Mmsi) -> list[dict[str, Any]]:
    """Every change to the entry (added, updated, removed, seeded), oldest first."""
    changes = await info.history("watchlist", str(mmsi))
    if not changes:
        raise NotFound(f"MMSI {mmsi} was never on the watchlist")
    office = (changes[-1].get("data") or {}).get("office")
    if not may_see(user, office):
        raise NotFound(f"MMSI {mmsi} was never on the watchlist")
    return [{**c, "at": iso_utc(c["at"])} for c in changes]
