"""WS /ws/live with real WebSocket clients against a real server."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from services.core.config import SeagridConfig
from services.core.types import VesselStatic
from services.web.settings import WebSettings
from tests.web.conftest import Env, make_position, start_env

BOX = [118.6, 24.7, 118.8, 24.8]


async def recv(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(
    ws: ClientConnection, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        msg = await recv(ws, max(deadline - time.monotonic(), 0.01))
        if pred(msg):
            return msg


def is_positions(msg: dict[str, Any]) -> bool:
    return msg["type"] == "positions"


def mmsis(msg: dict[str, Any]) -> set[int]:
    return {v["mmsi"] for v in msg["vessels"]}


async def live(env: Env, user: str = "op", **kw: Any) -> ClientConnection:
    ws = await connect(f"{env.ws_url}?token={env.tokens[user]}", **kw)
    hello = await recv(ws)
    assert hello["type"] == "hello" and hello["user"] == user
    return ws


async def subscribe(ws: ClientConnection, bbox: list[float] | None = None, **kw: Any) -> dict:
    await ws.send(orjson.dumps({"type": "subscribe", "bbox": bbox or BOX, **kw}).decode())
    return await recv_until(ws, lambda m: is_positions(m) and m.get("snapshot") is True)


async def test_snapshot_then_only_changes(env: Env) -> None:
    await env.positions(make_position(1001, 24.75, 118.70), make_position(1002, 25.5, 119.5))
    await env.settle()
    ws = await live(env)
    snapshot = await subscribe(ws)
    assert snapshot["snapshot"] is True and mmsis(snapshot) == {1001}
    assert snapshot["removed"] == []
    await env.positions(
        make_position(1001, 24.76, 118.71),  # moved inside
        make_position(1003, 24.77, 118.72),  # new inside
        make_position(1002, 25.6, 119.6),  # moved, outside the box
    )
    delta = await recv_until(ws, is_positions)
    assert "snapshot" not in delta
    assert mmsis(delta) == {1001, 1003} and delta["removed"] == []
    moved = next(v for v in delta["vessels"] if v["mmsi"] == 1001)
    assert (moved["lat"], moved["lon"]) == (24.76, 118.71)
    await env.positions(make_position(1001, 25.5, 119.5))  # leaves the box
    gone = await recv_until(ws, is_positions)
    assert gone["vessels"] == [] and gone["removed"] == [1001]
    await ws.close()


async def test_static_data_change_is_pushed(env: Env) -> None:
    await env.positions(make_position(1011, 24.75, 118.70))
    ws = await live(env)
    await subscribe(ws)
    await env.static(VesselStatic(1011, time.time(), 5, shipname="JIN HAI 7", ship_type=70))
    delta = await recv_until(ws, lambda m: is_positions(m) and bool(m["vessels"]))
    assert delta["vessels"][0]["name"] == "JIN HAI 7"
    await ws.close()


async def test_bbox_change_gives_a_new_snapshot_and_removes_the_old_view(env: Env) -> None:
    await env.positions(make_position(1021, 24.75, 118.70), make_position(1022, 24.95, 118.95))
    await env.settle()
    ws = await live(env)
    assert mmsis(await subscribe(ws)) == {1021}
    second = await subscribe(ws, [118.9, 24.9, 119.0, 25.0])
    assert second["snapshot"] is True
    assert mmsis(second) == {1022} and second["removed"] == [1021]
    await env.positions(make_position(1021, 24.76, 118.70), make_position(1022, 24.96, 118.95))
    delta = await recv_until(ws, is_positions)
    assert mmsis(delta) == {1022}
    await ws.close()


async def test_clients_with_the_same_view_share_frames(env: Env) -> None:
    a, b = await live(env, "op"), await live(env, "shishi")
    await subscribe(a)
    await subscribe(b)
    assert len(env.runtime.hub.groups) == 1
    await env.positions(make_position(1031, 24.75, 118.70))
    fa, fb = await recv_until(a, is_positions), await recv_until(b, is_positions)
    assert fa == fb and mmsis(fa) == {1031}
    await a.close()
    await b.close()


async def test_ship_type_filter_and_alerts_only(env: Env) -> None:
    await env.static(
        VesselStatic(1041, time.time(), 5, ship_type=30),
        VesselStatic(1042, time.time(), 5, ship_type=70),
    )
    await env.positions(make_position(1041, 24.75, 118.7), make_position(1042, 24.75, 118.71))
    await env.settle()
    ws = await live(env)
    assert mmsis(await subscribe(ws, ship_types=["fishing"])) == {1041}
    quiet = await subscribe(ws, alerts_only=True)
    assert quiet["vessels"] == [] and set(quiet["removed"]) == {1041}
    await ws.send(orjson.dumps({"type": "subscribe", "bbox": BOX, "ship_types": ["boat"]}))
    error = await recv(ws)
    assert error["type"] == "error" and "boat" in error["message"]
    await ws.close()


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"type": "dance"}', "unknown message type"),
        ('{"type": "subscribe", "bbox": [1, 2, 3]}', "bbox"),
        ('{"type": "subscribe", "bbox": [118, 25, 119, 24]}', "minlat"),
        ('{"type": "subscribe", "bbox": BOX, "alerts_only": "yes"}', "not JSON"),
    ],
)
async def test_bad_messages_get_an_error_and_the_connection_stays(
    env: Env, message: str, fragment: str
) -> None:
    ws = await live(env)
    await ws.send(message)
    error = await recv(ws)
    assert error["type"] == "error" and fragment in error["message"]
    await ws.send('{"type": "pong"}')  # accepted silently
    await ws.send('{"type": "ping", "ts": 42}')
    pong = await recv(ws)
    assert pong["type"] == "pong" and pong["echo"] == 42
    await ws.close()


async def test_connect_needs_a_valid_token_by_query_or_header(env: Env) -> None:
    for url in (env.ws_url, f"{env.ws_url}?token=forged.token"):
        with pytest.raises(websockets.exceptions.InvalidStatus) as err:
            await connect(url)
        assert err.value.response.status_code == 403
    async with connect(env.ws_url, additional_headers=env.auth("huian")) as ws:
        assert (await recv(ws))["user"] == "huian"


async def test_reconnect_gets_a_fresh_snapshot(env: Env) -> None:
    await env.positions(make_position(1051, 24.75, 118.70))
    ws = await live(env)
    assert mmsis(await subscribe(ws)) == {1051}
    await ws.close()
    await env.positions(make_position(1052, 24.76, 118.70))
    await env.settle()
    again = await live(env)
    snapshot = await subscribe(again)
    assert snapshot["snapshot"] is True and mmsis(snapshot) == {1051, 1052}
    assert env.runtime.hub.clients == 1
    await again.close()


@pytest.fixture
async def stale_env(demo_config: SeagridConfig) -> AsyncIterator[Env]:
    async for e in start_env(demo_config, WebSettings(tick=0.1, stale_after=0.5)):
        yield e


async def test_silent_vessels_are_removed_when_stale(stale_env: Env) -> None:
    env = stale_env
    await env.positions(make_position(1061, 24.75, 118.70))
    ws = await live(env)
    assert mmsis(await subscribe(ws)) == {1061}
    started = time.monotonic()
    gone = await recv_until(ws, lambda m: is_positions(m) and m["removed"] == [1061])
    assert gone["vessels"] == [] and time.monotonic() - started < 2.0
    assert (await env.http.get("/api/vessels", headers=env.auth("op"))).json()["count"] == 0
    await ws.close()


def _small_buffer_socket(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_a_slow_client_does_not_delay_a_fast_one(env: Env) -> None:
    """The slow client stops reading; the fast one still gets every tick on time, and the
    slow one, when it reads again, gets the latest position of every vessel."""
    fleet = range(2000, 3500)  # ~1500 vessels: a frame of ~200 kB, MBs within a few ticks
    port = int(env.base.rsplit(":", 1)[1])
    slow = await connect(
        f"{env.ws_url}?token={env.tokens['op']}",
        sock=_small_buffer_socket(port),
        max_queue=1,
        max_size=None,
    )
    fast = await live(env, max_size=None)
    await subscribe(fast, [118.0, 24.0, 119.5, 25.5])
    await slow.send(
        orjson.dumps({"type": "subscribe", "bbox": [118.0, 24.0, 119.5, 25.5]}).decode()
    )
    delays = []
    for step in range(25):
        sent = time.monotonic()
        lat = 24.5 + step / 1000
        await env.positions(*[make_position(m, lat, 118.5 + (m - 2000) / 2000) for m in fleet])
        frame = await recv_until(fast, lambda m: is_positions(m) and len(m["vessels"]) > 0)
        while any(v["lat"] != lat for v in frame["vessels"]) or len(frame["vessels"]) < len(fleet):
            frame = await recv_until(fast, is_positions)  # a tick can split a step in two
        delays.append(time.monotonic() - sent)
    client = next(c for c in env.runtime.hub.connected if c.coalesced_ticks)
    assert client.coalesced_ticks > 0  # the slow one fell behind and was coalesced
    assert len(client.frames) <= env.runtime.settings.client_buffer + 1
    assert max(delays) < 1.0, delays  # tick 0.1 s: the fast client never waited for the slow
    latest: dict[int, float] = {}
    deadline = time.monotonic() + 15
    while len(latest) < len(fleet) or any(v != lat for v in latest.values()):
        msg = orjson.loads(await asyncio.wait_for(slow.recv(), deadline - time.monotonic()))
        if msg["type"] == "positions":
            latest.update({v["mmsi"]: v["lat"] for v in msg["vessels"]})
    assert set(latest) == set(fleet)
    await slow.close()
    await fast.close()
