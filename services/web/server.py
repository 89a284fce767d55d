"""The web service as a stage: uvicorn serving the app until `stop` is set.

`seagrid run web` runs this stage under the runner, which owns the signals; uvicorn's own
signal capture is switched off so that SIGTERM goes through the runner's `stop` like for
every other stage. A crash of the web stage inside the app (runtime.crashed) is raised
here, so the runner exits non-zero.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn

from services.core.bus import Bus
from services.web.app import create_app
from services.web.runtime import WebRuntime


class Server(uvicorn.Server):
    """uvicorn without its signal capture, which re-raises SIGTERM after a clean stop (the
    process would then die of the signal instead of exiting 0): callers handle signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def uvicorn_config(app: object, host: str, port: int) -> uvicorn.Config:
    # No per-message deflate: frames are shared between clients, and compressing each one
    # per client would cost more CPU than everything else the server does.
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        log_level="warning",
        lifespan="on",
    )


class WebServerStage:
    name = "web-server"

    def __init__(self, runtime: WebRuntime, host: str, port: int) -> None:
        self.runtime, self.host, self.port = runtime, host, port

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        del bus  # the runtime carries its own bus: the app needs it before the stage runs
        server = Server(uvicorn_config(create_app(self.runtime), self.host, self.port))
        self.runtime.on_crash = lambda _exc: setattr(server, "should_exit", True)

        async def watch() -> None:
            await stop.wait()
            server.should_exit = True

        watcher = asyncio.create_task(watch())
        try:
            await server.serve()
        finally:
            watcher.cancel()
        if self.runtime.crashed is not None:
            raise self.runtime.crashed
        if not server.started:
            raise OSError(f"could not listen on {self.host}:{self.port}")
