"""The FastAPI app factory: routes, errors, CORS, the map's static files, and the lifespan
that runs the stages.

`create_app(runtime)` builds nothing of its own; the lifespan runs the runtime's stages
(the whole pipeline in `seagrid serve`, only the web stage in `seagrid run web`) next to
the server. Which stages those are, and signals such as the grid reload, are decided by
the composition root (`services/assembly/`), never here. A stage that crashes takes the
process down: the runtime records the error and calls `on_crash`, which the entry point
wires to stop uvicorn and exit non-zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse

from services.core.runner import run_stages
from services.web import errors, openapi
from services.web.auth import AuthError
from services.web.headers import SecurityHeaders
from services.web.limits import BodyLimit
from services.web.map_files import MapFiles, default_frontend, map_problem, map_root, problem_page
from services.web.routes import (
    alerts,
    auth,
    cases,
    geo,
    health,
    history,
    live,
    modes,
    neighbours,
    notices,
    radar,
    registry,
    reports,
    search,
    users,
    vessels,
    watchlist,
    waterworks,
)
from services.web.runtime import WebRuntime
from services.web.throttle import LoginThrottle

log = logging.getLogger(__name__)

# The packaged map of an installed seagrid, else the checkout's frontend/ (map_files.py).
FRONTEND = default_frontend()


def create_app(runtime: WebRuntime, frontend: Path | None = FRONTEND) -> FastAPI:
    app = FastAPI(
        title="seagrid",
        version="0.1.0",
        summary="Live vessel traffic, grid cells and alerts of a maritime safety administration",
        lifespan=_lifespan,
    )
    app.state.runtime = runtime
    app.state.login_throttle = LoginThrottle(runtime.settings.login)
    errors.install(app)
    openapi.install(app)
    if runtime.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=runtime.settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        BodyLimit,
        check_token=_signature_check(runtime),
        default=runtime.settings.max_body_bytes,
        limits=runtime.settings.body_limits,
    )
    for module in (
        auth,
        vessels,
        history,
        geo,
        alerts,
        cases,
        users,
        health,
        live,
        watchlist,
        waterworks,
        radar,
        reports,
        search,
    ):
        app.include_router(module.router)
    app.include_router(notices.router)
    app.include_router(notices.public)
    app.include_router(registry.router)
    app.include_router(modes.router)
    app.include_router(neighbours.router)
    _static(app, frontend)
    # Added last, so outermost: even the 401/413 that BodyLimit answers carry the headers.
    app.add_middleware(SecurityHeaders, tile_url=runtime.settings.tile_url)
    return app


def _signature_check(runtime: WebRuntime) -> Callable[[str], bool]:
    """Signature and expiry only, in memory: enough to refuse a stranger's body unread."""

    def check(token: str) -> bool:
        try:
            runtime.signer.check(token, time.time())
        except AuthError:
            return False
        return True

    return check


def _static(app: FastAPI, frontend: Path | None) -> None:
    """Serve the map, or at `/` a page saying why there is none (never one stuck loading)."""
    root = map_root(frontend)
    problem = map_problem(root)
    if problem is not None:
        log.warning("%s", problem)

        @app.get("/", include_in_schema=False)
        @app.get("/index.html", include_in_schema=False)
        async def no_map() -> HTMLResponse:
            return HTMLResponse(problem_page(problem), status_code=503)

    if root is None or not (root / "index.html").is_file():
        return
    # Mounted last, so /api, /ws and the probes win; MapLibre is in vendor/.
    app.mount("/", MapFiles(directory=root, html=True), name="map")


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    runtime: WebRuntime = app.state.runtime
    # Groups first: records the pipeline publishes before the web stage reads are not lost.
    await runtime.web.prepare(runtime.bus)
    if runtime.info is not None:  # the alerts stages read it from the store at start too
        await runtime.info.publish()
    task = asyncio.create_task(_run(runtime), name="stages")
    try:
        yield
    finally:
        runtime.stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await asyncio.wait_for(asyncio.shield(task), 10.0)
            except TimeoutError:
                log.error("stages did not stop within 10 s; cancelling them")
                task.cancel()


async def _run(runtime: WebRuntime) -> None:
    try:
        await run_stages(runtime.all_stages(), runtime.bus, runtime.stop)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:
        runtime.crashed = exc
        log.error("a stage crashed (%s: %s); stopping the service", type(exc).__name__, exc)
        if runtime.on_crash is not None:
            runtime.on_crash(exc)
