"""WS /ws/live: authenticate at connect, then subscribe messages in, frames out.

Client to server: `{"type": "subscribe", "bbox": [minlon, minlat, maxlon, maxlat],
"ship_types": [...], "alerts_only": false}` (again to change it) and `{"type": "ping"}`.
Server to client: `positions` (a snapshot with `"snapshot": true`, then changes each tick),
`alert`, `pong`, `error` (a bad message is answered, never a reason to disconnect) and
`resync`. Protocol-level pings are uvicorn's (`ws_ping_interval`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import orjson
from fastapi import APIRouter, WebSocket, status

from services.web.auth import AuthError, User
from services.web.client import Client
from services.web.deps import token_user
from services.web.runtime import WebRuntime
from services.web.view import ViewError, parse_subscribe

log = logging.getLogger(__name__)

router = APIRouter()


def _token(ws: WebSocket) -> str | None:
    token = ws.query_params.get("token")
    if token:
        return token
    header = ws.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@router.websocket("/ws/live")
async def live(ws: WebSocket) -> None:
    runtime: WebRuntime = ws.app.state.runtime
    token = _token(ws)
    try:
        user = await token_user(runtime, token or "")
    except AuthError as exc:
        # Closing before accept answers the handshake with HTTP 403: no socket for strangers.
        await ws.close(code=status.WS_1008_POLICY_VIOLATION, reason=str(exc))
        return
    await ws.accept()
    await _serve(ws, runtime, user)


async def _serve(ws: WebSocket, runtime: WebRuntime, user: User) -> None:
    hub = runtime.hub
    client = hub.client(user, ws.send_text)
    sender = asyncio.create_task(client.run(), name=f"ws-send:{user.name}")
    receiver = asyncio.create_task(_receive(ws, runtime, client), name=f"ws-recv:{user.name}")
    hello = {"type": "hello", "user": user.name, "role": user.role, "tick": runtime.settings.tick}
    client.push_urgent(orjson.dumps(hello).decode())
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.unsubscribe(client)
        for task in (sender, receiver):
            task.cancel()
        for task in (sender, receiver):
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await ws.close()


async def _receive(ws: WebSocket, runtime: WebRuntime, client: Client) -> None:
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:  # a binary frame holding JSON is accepted too
            text = (message.get("bytes") or b"").decode("utf-8", errors="replace")
        reply = _handle(runtime, client, text)
        if reply is not None:
            client.push_urgent(orjson.dumps(reply).decode())


def _handle(runtime: WebRuntime, client: Client, text: str) -> dict[str, object] | None:
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {"type": "error", "message": "not JSON"}
    if not isinstance(message, dict):
        return {"type": "error", "message": "a message must be a JSON object with a type"}
    kind = message.get("type")
    if kind == "ping":
        return {"type": "pong", "ts": time.time(), "echo": message.get("ts")}
    if kind == "pong":  # a client answering a ping of its own protocol: nothing to do
        return None
    if kind == "subscribe":
        try:
            view = parse_subscribe(message, own=client.user.mmsi)
        except ViewError as exc:
            return {"type": "error", "message": str(exc)}
        runtime.hub.subscribe(client, view)
        return None
    return {"type": "error", "message": f"unknown message type {kind!r} (subscribe, ping)"}
