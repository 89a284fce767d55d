"""Request dependencies: the runtime, the current user, and role checks.

Every /api route but the token endpoint depends on `current_user`, which answers 401 (with
`WWW-Authenticate: Bearer`) for a missing, forged, expired or revoked token; `require(...)`
adds 403 for a role that may not use the route.

Revocation is checked against the user store on every request (`token_user`), with no
cache: one lookup by primary key (a dict in demo mode) costs far less than the request, and
a password changed with `seagrid user passwd` in another process takes effect at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import OAuth2PasswordBearer

from services.web.auth import AuthError, Role, User
from services.web.runtime import WebRuntime

# Times in query strings: Unix seconds between 1970 and 2100, so that a database never sees
# a timestamp it cannot represent (a 500 for a client's typo).
MAX_TIME = 4_102_444_800.0
Time = Annotated[
    float | None, Query(ge=0, le=MAX_TIME, allow_inf_nan=False, description="Unix seconds")
]

RequiredTime = Annotated[
    float, Query(ge=0, le=MAX_TIME, allow_inf_nan=False, description="Unix seconds")
]

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_runtime(request: Request) -> WebRuntime:
    runtime: WebRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[WebRuntime, Depends(get_runtime)]


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def token_user(runtime: WebRuntime, token: str) -> User:
    """The token's user; raises AuthError when the token is malformed, forged, expired, or
    revoked: its user is gone, or changed password (another generation), role, office or
    vessel since it was issued. A store that cannot be reached raises its own error (503).
    """
    user = runtime.signer.check(token, time.time())
    stored = await runtime.users.get(user.name)
    if stored is None or stored != user or stored.generation != user.generation:
        raise AuthError("token revoked: log in again")
    return user


async def current_user(runtime: Runtime, token: Annotated[str | None, Depends(oauth2)]) -> User:
    if not token:
        raise unauthorized("not authenticated: send Authorization: Bearer <token>")
    try:
        return await token_user(runtime, token)
    except AuthError as exc:
        raise unauthorized(str(exc)) from None


CurrentUser = Annotated[User, Depends(current_user)]


def require(*roles: Role) -> Callable[[User], Coroutine[Any, Any, User]]:
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(403, f"role {user.role} may not do this")
        return user

    return check
