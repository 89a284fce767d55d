"""User management for administrators (the CLI `seagrid user` does the same offline)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.web.auth import Role, User
from services.web.deps import Runtime, require
from services.web.routes.auth import user_out
from services.web.schemas import UserIn, UserOut
from services.web.users import UserExists

router = APIRouter(prefix="/api/users", tags=["users"])
Admin = Annotated[User, Depends(require(Role.ADMIN))]


@router.get("", response_model=list[UserOut])
async def list_users(runtime: Runtime, _admin: Admin) -> list[UserOut]:
    return [user_out(u) for u in await runtime.users.list()]


@router.post("", response_model=UserOut, status_code=201, responses={409: {}, 400: {}})
async def add_user(runtime: Runtime, _admin: Admin, body: UserIn) -> UserOut:
    from fastapi import HTTPException

    user = User(body.name, body.role, body.office, body.mmsi)
    try:
        await runtime.users.add(user, body.password)
    except UserExists as exc:
        raise HTTPException(409, str(exc)) from None
    return user_out(user)
