"""POST /api/auth/token (OAuth2 password form) and GET /api/me."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from services.web.auth import User
from services.web.deps import CurrentUser, Runtime, unauthorized
from services.web.schemas import Token, UserOut

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/token", response_model=Token, responses={401: {"description": "bad login"}})
async def token(runtime: Runtime, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = await runtime.users.authenticate(form.username, form.password)
    if user is None:
        raise unauthorized("wrong user name or password")
    text, expires = runtime.signer.issue(user, time.time())
    return Token(access_token=text, expires_at=expires, user=user_out(user))


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    return user_out(user)


def user_out(user: User) -> UserOut:
    return UserOut(name=user.name, role=user.role, office=user.office, mmsi=user.mmsi)
