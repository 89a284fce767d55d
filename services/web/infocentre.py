"""What the information centre's routes share: the service, times, who may edit what.

Who may do what (docs/infocentre.md): everyone logged in reads; centre users (operator,
supervisor, admin) edit every record; an office user edits only its own office's records
(a record it creates belongs to its office); patrol crews only read. Switching modes is
for supervisors and admins; posting a weather warning for operators too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException
from pydantic import AwareDatetime

from services.infocentre.service import InfoCentre
from services.web.auth import Role, User
from services.web.deps import CurrentUser, Runtime, require

EDITORS = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, Role.OFFICE)
Editor = Annotated[User, Depends(require(*EDITORS))]
Supervisor = Annotated[User, Depends(require(Role.SUPERVISOR, Role.ADMIN))]
Forecaster = Annotated[User, Depends(require(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN))]
Moment = AwareDatetime  # an ISO-8601 time with its UTC offset (or Z): never guessed


def get_info(runtime: Runtime) -> InfoCentre:
    info: InfoCentre | None = getattr(runtime, "info", None)
    if info is None:
        raise HTTPException(503, "the information centre is not configured in this process")
    return info


Info = Annotated[InfoCentre, Depends(get_info)]


def seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def office_for(user: User, requested: str | None) -> str | None:
    """The office a new record belongs to: an office user's own, whatever it asked."""
    if user.is_centre:
        return requested
    if requested is not None and requested != user.office:
        raise HTTPException(403, f"you may only add records for office {user.office}")
    return user.office


def check_may_edit(user: User, office: str | None) -> None:
    if not user.is_centre and office != user.office:
        raise HTTPException(403, "this record belongs to another office (or to the centre)")


def may_see(user: User, office: str | None) -> bool:
    """Office users see their own office's records and the centre-wide ones."""
    return user.is_centre or office is None or office == user.office


__all__ = ["CurrentUser", "Editor", "Info", "Moment", "Supervisor", "Forecaster"]
