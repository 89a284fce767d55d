"""Request bodies: a stranger gets no memory and no work, anyone gets a bounded amount.

A pure ASGI middleware in front of every route (docs/web.md, "Request bodies"):

- a request that carries a body (`Content-Length` > 0 or chunked) to a path that needs a
  token is answered 401 *before one byte of its body is read* unless its bearer token's
  signature and expiry check out (`check_token`). The route's own dependency still does the
  full check (revocation against the user store) afterwards; this one is cheap and in memory;
- a body larger than its limit is answered 413: at once when `Content-Length` says so, else
  as soon as the bytes read pass the limit (the rest is never read);
- the body is read here, whole, up to the limit, and handed to the route from memory: the
  most a request can take is its limit, whatever FastAPI does with the body afterwards.

Limits are per path prefix, longest first: `default` (64 KiB: the largest JSON body any
route takes today is a field report of 2,000 characters, a few KiB) unless a route that
takes uploads registers a larger one (`WebSettings.body_limits`). New routes need nothing to
be covered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_LIMIT = 64 * 1024
# Paths that take a body without a token: the login form, the public pages, and the inbound
# endpoint of neighbouring MSAs (authenticated by its HMAC signature, services/neighbours/).
PUBLIC_PREFIXES = ("/api/auth/token", "/public/", "/api/neighbours/notices")


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: token before body, and a size limit on every request body."""

    def __init__(
        self,
        app: ASGIApp,
        check_token: Callable[[str], bool],
        *,
        default: int = DEFAULT_LIMIT,
        limits: Mapping[str, int] | None = None,
        public: tuple[str, ...] = PUBLIC_PREFIXES,
    ) -> None:
        self.app = app
        self.check_token = check_token
        self.default = default
        # Longest prefix first, so "/api/cases/attachments" beats "/api/cases".
        self.limits = sorted((limits or {}).items(), key=lambda kv: -len(kv[0]))
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        length = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "")
        if not chunked and length in (None, "0"):
            await self.app(scope, receive, send)  # no body: nothing to guard
            return
        path: str = scope["path"]
        if self._needs_token(path) and not self._token_ok(headers.get("authorization", "")):
            await _reply(send, 401, "not authenticated: send Authorization: Bearer <token>")
            return
        limit = self.limit_for(path)
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _reply(send, 413, f"request body larger than {limit} bytes")
            return
        try:
            body = await _read(receive, limit)
        except BodyTooLarge:
            await _reply(send, 413, f"request body larger than {limit} bytes")
            return
        await self.app(scope, _replay(body, receive), send)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default

    def _needs_token(self, path: str) -> bool:
        return path.startswith("/api/") and not path.startswith(self.public)

    def _token_ok(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return (
            scheme.lower() == "bearer" and bool(token.strip()) and self.check_token(token.strip())
        )


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


async def _read(receive: Receive, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as more than `limit` bytes have come."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body read here once, then waits on the real one
    (a disconnect, for routes that watch for it)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reply(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the body makes the connection useless
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
