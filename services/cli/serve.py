"""`seagrid serve`: every stage in one process, with the web service (CONTRACTS §1, §6).

`--demo` needs no database: the bundled recording replays in a loop through the bundled
configuration, stores are in memory, and demo users are created (printed at start).
Without `--demo`, state is in PostgreSQL (SEAGRID_DATABASE_URL), tokens are signed with
SEAGRID_SECRET_KEY, and there are no default users (`seagrid user add`).
Exit status: 0 after a normal stop (Ctrl-C, SIGTERM), 1 when start-up fails or a stage
crashes while running.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from services.core.bus import BusError
from services.core.bus_memory import MemoryBus
from services.core.config import ConfigError, load_config
from services.ingest.feeds import parse_speed

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="run every stage and the web service in one process",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=None, help="configuration directory")
    parser.add_argument("--demo", action="store_true", help="replay the demo recording, no DB")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--speed", default="1", help="demo replay speed factor (default 1)")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from services.web.settings import ServeSettings

    try:
        speed = parse_speed(args.speed)
    except ValueError as exc:
        return _fail(str(exc))
    if speed is None:
        return _fail("--speed must be a factor of real time (max would end the demo at once)")
    if not 0 < args.port < 65536:
        return _fail(f"--port {args.port} is not a port number")
    settings = ServeSettings()
    try:
        config = load_config(args.config or settings.config_dir)
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=sys.stderr)
        return 1
    return asyncio.run(_serve(args, config, settings, speed))


async def _serve(args: argparse.Namespace, config: Any, settings: Any, speed: float) -> int:
    from services.assembly.embedded import demo_runtime, serve_runtime
    from services.core.startup import StartupError

    async with AsyncExitStack() as resources:
        bus = MemoryBus()
        resources.push_async_callback(bus.close)
        try:
            if args.demo:
                runtime, users = await demo_runtime(config, settings, bus, speed)
            else:
                runtime, users = await serve_runtime(config, settings, bus, resources), []
        except (StartupError, BusError) as exc:
            return _fail(str(exc))
        return await run_server(runtime, args.host, args.port, users)
    return 1  # pragma: no cover - the exit stack does not swallow exceptions


async def run_server(runtime: Any, host: str, port: int, users: list[Any]) -> int:
    """Serve until stopped; 1 when a stage crashed or the port could not be bound."""
    import signal

    from services.web.app import create_app
    from services.web.server import Server, uvicorn_config

    server = Server(uvicorn_config(create_app(runtime), host, port))
    runtime.on_crash = lambda _exc: setattr(server, "should_exit", True)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, setattr, server, "should_exit", True)
    _announce(host, port, users, runtime.demo)
    try:
        await server.serve()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    if runtime.crashed is not None:
        print(f"seagrid serve: stage crashed: {runtime.crashed}", file=sys.stderr)
        return 1
    return 0 if server.started else 1


def _announce(host: str, port: int, users: list[Any], demo: bool) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"seagrid: serving on http://{shown}:{port}/  (API docs: /docs)", flush=True)
    if demo:
        print("seagrid: demo users (password: demo):", flush=True)
        for user in users:
            binding = f" office={user.office}" if user.office else ""
            binding += f" mmsi={user.mmsi}" if user.mmsi else ""
            print(f"  {user.name:<12} {user.role}{binding}", flush=True)


def _fail(message: str) -> int:
    print(f"seagrid serve: {message}", file=sys.stderr)
    return 1
