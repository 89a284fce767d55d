"""WebSocket fan-out: 10,000 moving vessels, 1 s tick, 100 then 500 clients (CONTRACTS §7).

A real server process on loopback runs the web service on the in-process bus; a fleet
generator inside it publishes one position per vessel per second on the web's input topic
(CELL_POSITIONS, what gridding publishes; gridding has its own bench), in 10 slices of
1,000 as a feed would deliver them, each stamped with the wall-clock time it entered. This process opens the WebSocket clients (one asyncio loop, many
connections: the machine has 2 cores), each subscribed to a random bounding box of 1-6 %
of the area, and measures for every position received the delay from entering the
pipeline to arrival, messages and positions delivered per second, and the server's CPU.

The clients log in like any user: the server creates the user `bench` in its user store
and each run fetches a token from `POST /api/auth/token` (a token signed for a user the
store does not know is refused, since tokens carry the user's token generation).

Run: `.venv/bin/python bench/ws_fanout.py` (no arguments, about 80 s; `--quick`: 1,000
vessels, 20 clients for 3 s). The last line is JSON with `clients` (the largest run),
`p95_ms` and `disconnected` for that run; `received` is 0 (and the bench fails) when no
client got any position.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from array import array
from pathlib import Path
from typing import Any

import numpy as np
import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

VESSELS = 10_000
SLICES = 10  # publishes per second
SECRET = "bench-ws-fanout-secret-key"
USER, PASSWORD = "bench", "bench-ws-fanout-password"
RUNS = ((100, 12.0), (500, 25.0))  # (clients, measured seconds)
WARMUP = 3.0
QUICK_VESSELS, QUICK_RUNS, QUICK_WARMUP = 1_000, ((20, 3.0),), 1.0


# --- server process ---------------------------------------------------------------------


class Fleet:
    """10,000 vessels moving in straight lines across the grid's extent, bouncing at edges."""

    name = "fleet"

    def __init__(self, bbox: list[float], vessels: int = VESSELS) -> None:
        rng = np.random.default_rng(7)
        self.vessels = vessels
        self.min = np.array(bbox[:2])
        self.max = np.array(bbox[2:])
        self.pos = self.min + rng.random((vessels, 2)) * (self.max - self.min)
        self.vel = (rng.random((vessels, 2)) - 0.5) * 0.002  # degrees per second, ~5-15 kn
        self.mmsi = np.arange(412_000_000, 412_000_000 + vessels)

    async def run(self, bus: Any, stop: asyncio.Event) -> None:
        from services.core import topics
        from services.core.types import CellPosition

        size = self.vessels // SLICES
        next_at = time.monotonic()
        while not stop.is_set():
            for part in range(SLICES):
                chunk = slice(part * size, (part + 1) * size)
                self._move(chunk)
                now = time.time()
                lon, lat = self.pos[chunk, 0].tolist(), self.pos[chunk, 1].tolist()
                batch = [
                    CellPosition(m, now, la, lo, None, None, speed=10.0, course=90.0)
                    for m, lo, la in zip(self.mmsi[chunk].tolist(), lon, lat, strict=True)
                ]
                await bus.publish_records(topics.CELL_POSITIONS, batch)  # as gridding does
                next_at += 1.0 / SLICES
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def _move(self, chunk: slice) -> None:
        self.pos[chunk] += self.vel[chunk]
        out = (self.pos[chunk] < self.min) | (self.pos[chunk] > self.max)
        self.vel[chunk][out] *= -1
        self.vel[chunk] = np.where(out, -self.vel[chunk], self.vel[chunk])


async def serve(port: int, vessels: int) -> None:
    from services.alerts.memory_store import MemoryAlertStore
    from services.core.bus_memory import MemoryBus
    from services.core.config import load_config
    from services.core.settings import DEMO_CONFIG_DIR
    from services.web.app import create_app
    from services.web.auth import TokenSigner, User
    from services.web.history import MemoryHistory
    from services.web.runtime import WebRuntime, build_web_stage
    from services.web.server import Server, uvicorn_config
    from services.web.settings import WebSettings
    from services.web.users import MemoryUserStore

    users = MemoryUserStore()
    await users.add(User(USER, "operator"), PASSWORD)
    config = load_config(DEMO_CONFIG_DIR)
    settings = WebSettings(tick=1.0)
    web = build_web_stage(settings, demo=False)
    runtime = WebRuntime(
        config=config,
        settings=settings,
        bus=MemoryBus(),
        signer=TokenSigner(SECRET.encode(), 3600),
        users=users,
        alerts=MemoryAlertStore(),
        history=MemoryHistory(web.picture),
        web=web,
        stages=[Fleet(extent(config), vessels)],
    )
    server = Server(uvicorn_config(create_app(runtime, frontend=None), "127.0.0.1", port))
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, setattr, server, "should_exit", True)
    await server.serve()


def extent(config: Any) -> list[float]:
    bounds = np.array([c.geometry.bounds for c in config.cells])
    return [*bounds[:, :2].min(axis=0).tolist(), *bounds[:, 2:].max(axis=0).tolist()]


# --- clients (this process) -------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.delays = array("d")
        self.messages = 0
        self.positions = 0
        self.recording = False
        self.disconnected = 0


async def client(url: str, bbox: list[float], stats: Stats, stop: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    try:
        async with connect(url, max_size=None, compression=None, open_timeout=30) as ws:
            await ws.send(orjson.dumps({"type": "subscribe", "bbox": bbox}).decode())
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 1.0)
                except TimeoutError:
                    continue
                arrived = time.time()
                msg = orjson.loads(raw)
                if msg["type"] != "positions" or msg.get("snapshot") or not stats.recording:
                    continue
                stats.messages += 1
                stats.positions += len(msg["vessels"])
                stats.delays.extend([arrived - v["ts"] for v in msg["vessels"]])
    except Exception as exc:  # a dropped connection is a result, not a crash of the bench
        if not stop.is_set():
            stats.disconnected += 1
            print(f"client disconnected: {type(exc).__name__}: {exc}", file=sys.stderr)


def random_box(rng: random.Random, area: list[float]) -> list[float]:
    width, height = area[2] - area[0], area[3] - area[1]
    w, h = width * rng.uniform(0.1, 0.25), height * rng.uniform(0.1, 0.25)
    x, y = area[0] + rng.random() * (width - w), area[1] + rng.random() * (height - h)
    return [x, y, x + w, y + h]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(url: str, pid: int, clients: int, seconds: float, area: list[float]) -> dict:
    stats, stop = Stats(), asyncio.Event()
    rng = random.Random(clients)
    tasks = []
    for start in range(0, clients, 50):  # connect in waves, as a room of screens would
        for _ in range(start, min(start + 50, clients)):
            tasks.append(asyncio.create_task(client(url, random_box(rng, area), stats, stop)))
        await asyncio.sleep(0.2)
    await asyncio.sleep(WARMUP)
    stats.recording = True
    cpu0, own0, t0 = cpu_seconds(pid), time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    stats.recording = False
    cpu, elapsed = cpu_seconds(pid) - cpu0, time.monotonic() - t0
    own = time.process_time() - own0
    disconnected = stats.disconnected
    stop.set()
    await asyncio.gather(*tasks)
    delays = np.frombuffer(stats.delays, dtype=np.float64) * 1000.0
    p50, p95, p99 = np.percentile(delays, [50, 95, 99]) if len(delays) else (np.nan,) * 3
    return {
        "clients": clients,
        "p50_ms": round(float(p50), 1),
        "p95_ms": round(float(p95), 1),
        "p99_ms": round(float(p99), 1),
        "max_ms": round(float(delays.max()), 1) if len(delays) else None,
        "messages_per_s": round(stats.messages / elapsed),
        "positions_per_s": round(stats.positions / elapsed),
        "server_cpu": round(cpu / elapsed, 2),  # cores
        "client_cpu": round(own / elapsed, 2),
        "load_avg": round(os.getloadavg()[0], 1),  # other work on the machine skews delays
        "disconnected": disconnected,
        "received": stats.positions,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), int(sys.argv[3])))
        return
    global WARMUP
    from services.core.config import load_config
    from services.core.settings import DEMO_CONFIG_DIR

    quick = "--quick" in sys.argv[1:]
    vessels, runs = (QUICK_VESSELS, QUICK_RUNS) if quick else (VESSELS, RUNS)
    if quick:
        WARMUP = QUICK_WARMUP
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    area = extent(load_config(DEMO_CONFIG_DIR))
    command = [sys.executable, __file__, "--serve", str(port), str(vessels)]
    server = subprocess.Popen(command, cwd=REPO)
    try:
        wait_up(port, server)
        url = f"ws://127.0.0.1:{port}/ws/live?token={login(port)}"
        results = [asyncio.run(run(url, server.pid, n, secs, area)) for n, secs in runs]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    for r in results:
        print(
            f"{r['clients']:>4} clients: delay p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
            f"p99 {r['p99_ms']} ms; {r['messages_per_s']} messages/s, "
            f"{r['positions_per_s']} positions/s; server CPU {r['server_cpu']} cores; "
            f"{r['disconnected']} disconnected"
        )
    last = results[-1]
    print(
        json.dumps(
            {"bench": "ws_fanout", "vessels": vessels, "tick_s": 1.0, **last, "runs": results}
        )
    )
    if not last["received"]:
        raise SystemExit("no client received any position")


def login(port: int) -> str:
    """A bearer token the way any client gets one: the OAuth2 password form."""
    import httpx

    form = {"username": USER, "password": PASSWORD}
    response = httpx.post(f"http://127.0.0.1:{port}/api/auth/token", data=form, timeout=30)
    response.raise_for_status()
    return str(response.json()["access_token"])


def wait_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the bench server exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("the bench server did not start")


if __name__ == "__main__":
    main()
