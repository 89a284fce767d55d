"""POST /api/auth/token (OAuth2 password form) and GET /api/me."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from services.web.auth import User
from services.web.deps import CurrentUser, Runtime, unauthorized
from services.web.schemas import ErrorOut, Token, UserOut
from services.web.throttle import LoginThrottle

router = APIRouter(prefix="/api", tags=["auth"])


@router.post(
    "/auth/token",
    response_model=Token,
    responses={
        401: {"model": ErrorOut, "description": "wrong user name or password"},
        429: {
            "model": ErrorOut,
            "description": "too many failed logins for this account or address: wait the "
            "`Retry-After` seconds (the password is not checked meanwhile)",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
)
async def token(
    request: Request, runtime: Runtime, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.wait(form.username, address, time.time())
    if wait:
        raise HTTPException(
            429,
            f"too many failed logins: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    user = await runtime.users.authenticate(form.username, form.password)
    if user is None:
        throttle.failed(form.username, address, time.time())
        raise unauthorized("wrong user name or password")
    throttle.ok(form.username)
    text, expires = runtime.signer.issue(user, time.time())
    return Token(access_token=text, expires_at=expires, user=user_out(user))


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    return user_out(user)


def user_out(user: User) -> UserOut:
    return UserOut(name=user.name, role=user.role, office=user.office, mmsi=user.mmsi)
