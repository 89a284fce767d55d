"""Liveness, readiness and Prometheus metrics (no token: probes and scrapers have none)."""

from __future__ import annotations

import time
from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from services.core import topics
from services.web.deps import Runtime
from services.web.metrics import Exposition
from services.web.runtime import WebRuntime
from services.web.schemas import Health, Ready
from services.web.stage import TOPICS
from services.web.throttle import LoginThrottle

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process answers (it does not check what it depends on: that is /readyz)."""
    return Health()


@router.get("/readyz", response_model=Ready, responses={503: {"model": Ready}})
async def readyz(runtime: Runtime) -> JSONResponse:
    """Ready when the bus answers, every database answers and no stage has crashed."""
    checks: dict[str, str] = {}
    try:
        await runtime.bus.lag(topics.CELL_POSITIONS, runtime.web.group)
        checks["bus"] = "ok"
    except Exception as exc:  # any failure means "not ready", with the reason
        checks["bus"] = f"failed: {exc}"
    for name, check in runtime.ready_checks.items():
        try:
            await check()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"failed: {exc}"
    checks["stages"] = "ok" if runtime.crashed is None else f"crashed: {runtime.crashed}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(Ready(ready=ready, checks=checks).model_dump(), 200 if ready else 503)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request, runtime: Runtime) -> PlainTextResponse:
    """Prometheus text format 0.0.4."""
    out = Exposition()
    await _bus_metrics(runtime, out)
    _pipeline_metrics(runtime, out)
    _web_metrics(runtime, out)
    _login_metrics(request.app.state.login_throttle, out)
    return PlainTextResponse(out.text(), media_type="text/plain; version=0.0.4")


async def _bus_metrics(runtime: WebRuntime, out: Exposition) -> None:
    lag = {}
    pairs = [(topic, runtime.web.group) for topic in TOPICS] + list(runtime.lag_groups)
    for topic, group in pairs:
        try:
            lag[(("topic", topic), ("group", group))] = await runtime.bus.lag(topic, group)
        except Exception:  # a bus that does not answer has no lag to show; /readyz says why
            continue
    out.metric("seagrid_bus_lag", "gauge", "records a consumer group has not read yet", lag)


def _pipeline_metrics(runtime: WebRuntime, out: Exposition) -> None:
    for source, status in runtime.status_sources.items():
        numbers = {k: v for k, v in status().items() if isinstance(v, int | float)}
        samples = {(("stage", source), ("counter", k)): float(v) for k, v in numbers.items()}
        out.metric(f"seagrid_{source}_status", "gauge", f"counters of the {source} stage", samples)


def _web_metrics(runtime: WebRuntime, out: Exposition) -> None:
    web, hub = runtime.web, runtime.hub
    received = {(("kind", k),): float(v) for k, v in web.picture.received.items()}
    out.metric("seagrid_web_records_total", "counter", "records read by the web", received)
    out.metric(
        "seagrid_web_vessels", "gauge", "vessels in the live picture", len(web.picture.vessels)
    )
    out.metric("seagrid_ws_clients", "gauge", "connected WebSocket clients", hub.clients)
    out.metric("seagrid_ws_views", "gauge", "distinct views (shared frames)", len(hub.groups))
    out.metric("seagrid_ws_ticks_total", "counter", "WebSocket ticks", hub.ticks)
    out.metric("seagrid_ws_tick_seconds_total", "counter", "CPU time in ticks", hub.tick_seconds)
    out.metric(
        "seagrid_ws_alerts_pushed_total", "counter", "alert messages queued", hub.alerts_pushed
    )
    out.histogram(
        "seagrid_ws_push_latency_seconds",
        "from a position reaching the web to its frame being written to a client",
        hub.push_latency,
    )
    open_alerts = Counter((office, rule, sev) for office, rule, sev in web.open_alerts.values())
    out.metric(
        "seagrid_alerts_open",
        "gauge",
        "open alerts by office, rule and severity",
        {(("office", o), ("rule", r), ("severity", s)): n for (o, r, s), n in open_alerts.items()},
    )
    out.metric(
        "seagrid_alert_changes_total",
        "counter",
        "alert changes seen by the web, by rule and change",
        {(("rule", r), ("change", c)): n for (r, c), n in web.alert_changes.items()},
    )


def _login_metrics(throttle: LoginThrottle, out: Exposition) -> None:
    outcomes = {
        (("outcome", k),): float(throttle.outcomes[k]) for k in ("ok", "failed", "throttled")
    }
    out.metric("seagrid_login_attempts_total", "counter", "logins by outcome", outcomes)
    closed = {(("key", k),): float(n) for k, n in throttle.closed(time.time()).items()}
    out.metric(
        "seagrid_login_closed", "gauge", "accounts and addresses waiting out a back-off", closed
    )
