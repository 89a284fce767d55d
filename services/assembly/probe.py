"""`--metrics-port`: `GET /healthz` and `GET /metrics` of a `seagrid run STAGE` process.

A stage process has no web server of its own, and these two answers are all an orchestrator
and a Prometheus scraper need, so a few dozen lines of asyncio serve them instead of a web
framework: one request per connection, `GET` only, no body read. Neither answer carries user
data (counts, lags, check results), and neither asks for a token; like every operational
port they belong on the internal network, which is why the default bind address is
127.0.0.1 (`--metrics-host 0.0.0.0` in a container, where the orchestrator probes it).

- `/healthz`: 200 when the bus and every database of the process answer within
  `CHECK_TIMEOUT`, else 503; a JSON body names each check's result. A process riding out a
  Redis or PostgreSQL outage is alive but unhealthy: 503 until the outage ends.
- `/metrics`: Prometheus text 0.0.4: lag and pending records per consumer group and
  stream, records handled per stage, faults by reason, and the persist buffer's use.

Which streams and groups to show is learnt from the bus itself (`ObservedBus` records every
group the process's stages create or read), so a stage that reads partitioned streams
(`seagrid.positions.3`) is shown per partition (label `partition="3"`) without this module
knowing how topics are split; the builder's declared groups are only the fallback before
the first read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.exposition import Exposition

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0  # seconds a check may take before it counts as failed
# The status counter that says "records handled" for each stage (its main input).
HANDLED = {
    "ingest": ("lines",),
    "gridding": ("positions",),
    "alerts": ("positions",),
    "fusion": ("reports",),
    "persist": ("positions", "statics"),
    "dispatcher": ("changes",),
}

Check = Callable[[], Awaitable[None]]
_PARTITION = re.compile(r"^(?P<topic>.+)\.p?(?P<partition>\d+)$")  # `T.pN` (partitions.py)


class ObservedBus:
    """The process's bus, passed through, noting every (stream, group) its stages read.

    Only the composition root wraps a bus in it; the stages see an ordinary `Bus`.
    """

    def __init__(self, bus: Bus) -> None:
        self.inner = bus
        self.groups: dict[tuple[str, str], None] = {}  # insertion-ordered set

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        await self.inner.publish(topic, payloads)

    async def publish_records(self, topic: str, records: Sequence[Any]) -> None:
        await self.inner.publish_records(topic, records)

    async def ensure_group(self, topic: str, group: str) -> None:
        await self.inner.ensure_group(topic, group)
        self.groups[(topic, group)] = None

    async def read(
        self, topic: str, group: str, consumer: str, *, count: int = 512, block: float = 1.0
    ) -> list[Delivery]:
        self.groups[(topic, group)] = None
        return await self.inner.read(topic, group, consumer, count=count, block=block)

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        await self.inner.ack(topic, group, ids)

    async def hold(self, topic: str, group: str, consumer: str, ids: Sequence[str]) -> None:
        await self.inner.hold(topic, group, consumer, ids)

    async def pending(self, topic: str, group: str) -> int:
        return await self.inner.pending(topic, group)

    async def lag(self, topic: str, group: str) -> int:
        return await self.inner.lag(topic, group)

    async def close(self) -> None:
        await self.inner.close()


def stream_labels(stream: str, group: str) -> tuple[tuple[str, str], ...]:
    """Labels of a (stream, group) sample: a partitioned stream `T.N` also carries
    `partition="N"`, so dashboards can sum a topic's lag or show it per partition."""
    match = _PARTITION.match(stream)
    if match is None or match["topic"].endswith(".dead"):
        return (("topic", stream), ("group", group))
    return (("topic", stream), ("group", group), ("partition", match["partition"]))


@dataclass(eq=False)
class Process:
    """What one process runs and reports: built by the composition root, served here."""

    stages: list[Any]
    groups: tuple[tuple[str, str], ...] = ()  # (topic, group) pairs whose lag is shown
    status: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)  # besides the bus


class Probe:
    """The health and metrics answers of one process over its bus."""

    def __init__(self, process: Process, bus: Bus) -> None:
        self.process, self.bus = process, bus

    def groups(self) -> list[tuple[str, str]]:
        """The (stream, group) pairs read by this process, else those its builder declared."""
        seen = list(self.bus.groups) if isinstance(self.bus, ObservedBus) else []
        return seen or list(self.process.groups)

    async def health(self) -> tuple[bool, dict[str, Any]]:
        checks = {"bus": self._bus_check, **self.process.checks}
        results = {name: await _run_check(check) for name, check in checks.items()}
        healthy = all(v == "ok" for v in results.values())
        return healthy, {"healthy": healthy, "checks": results}

    async def _bus_check(self) -> None:
        # XPENDING of a group that need not exist: one cheap round trip to Redis.
        await self.bus.pending(topics.POSITIONS, "healthz")

    async def metrics(self) -> str:
        out = Exposition()
        await self._bus_metrics(out)
        statuses = {name: dict(source()) for name, source in self.process.status.items()}
        _stage_metrics(statuses, out)
        return out.text()

    async def _bus_metrics(self, out: Exposition) -> None:
        lag: dict[Any, float] = {}
        pending: dict[Any, float] = {}
        for topic, group in self.groups():
            labels = stream_labels(topic, group)
            try:
                lag[labels] = await asyncio.wait_for(self.bus.lag(topic, group), CHECK_TIMEOUT)
                pending[labels] = await asyncio.wait_for(
                    self.bus.pending(topic, group), CHECK_TIMEOUT
                )
            except Exception:  # a bus that does not answer has no lag to show; /healthz says why
                continue
        out.metric("seagrid_bus_lag", "gauge", "records a consumer group has not read yet", lag)
        out.metric("seagrid_bus_pending", "gauge", "records read and not yet acknowledged", pending)
        inner = self.bus.inner if isinstance(self.bus, ObservedBus) else self.bus
        outages = getattr(inner, "outages", None)
        if isinstance(outages, int):
            out.metric(
                "seagrid_bus_outages_total",
                "counter",
                "times the bus was unreachable and the process reconnected",
                float(outages),
            )


def _stage_metrics(statuses: dict[str, dict[str, Any]], out: Exposition) -> None:
    handled: dict[Any, float] = {}
    faults: dict[Any, float] = {}
    for stage, status in statuses.items():
        keys = HANDLED.get(stage, ())
        if keys:
            handled[(("stage", stage),)] = float(sum(status.get(k, 0) for k in keys))
        for key, value in status.items():
            if key.startswith("fault_") and isinstance(value, int | float):
                faults[(("stage", stage), ("reason", key[len("fault_") :]))] = float(value)
    out.metric("seagrid_records_handled_total", "counter", "records handled by stage", handled)
    out.metric("seagrid_faults_total", "counter", "records skipped by stage and reason", faults)
    persist = statuses.get("persist")
    if persist is not None:
        out.metric(
            "seagrid_persist_buffer_records",
            "gauge",
            "records read and held for the database (buffered or unacknowledged)",
            float(persist.get("buffered", 0)),
        )
        out.metric(
            "seagrid_persist_buffer_capacity",
            "gauge",
            "records persist holds at most before it stops reading the bus",
            float(persist.get("buffer_capacity", 0)),
        )
    for stage, status in statuses.items():
        numbers = {k: v for k, v in status.items() if isinstance(v, int | float)}
        samples = {(("stage", stage), ("counter", k)): float(v) for k, v in numbers.items()}
        out.metric(f"seagrid_{stage}_status", "gauge", f"counters of the {stage} stage", samples)


async def _run_check(check: Check) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT)
    except Exception as exc:  # any failure means "unhealthy", with the reason
        return f"failed: {type(exc).__name__}: {exc}"[:300]
    return "ok"


def database_check(pool: Any) -> Check:
    async def check() -> None:
        async with pool.acquire(timeout=CHECK_TIMEOUT) as conn:
            await conn.fetchval("SELECT 1")

    return check


class ProbeServer:
    """A minimal HTTP/1.1 server of the probe: `GET /healthz` and `GET /metrics`."""

    def __init__(self, probe: Probe, host: str, port: int) -> None:
        self.probe, self.host, self.port = probe, host, port
        self.name = "metrics"

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        """A stage, so that it starts and stops with the others; the bind fails loudly."""
        del bus
        server = await asyncio.start_server(self._serve, self.host, self.port)
        log.info("metrics and health on http://%s:%d/", self.host, self.port)
        async with server:
            await stop.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, kind, body = await asyncio.wait_for(self._answer(reader), 10.0)
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (
            TimeoutError,
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            pass  # a client that hung up or sent nonsense gets nothing more
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
        request = (await reader.readuntil(b"\r\n\r\n"))[:8192].decode("latin-1")
        method, target, *_ = request.split(" ", 2)
        path = target.split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", "text/plain", b"GET only\n"
        if path == "/healthz":
            healthy, body = await self.probe.health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return status, "application/json", orjson.dumps(body)
        if path == "/metrics":
            text = await self.probe.metrics()
            return "200 OK", "text/plain; version=0.0.4", text.encode()
        return "404 Not Found", "text/plain", b"/healthz or /metrics\n"
