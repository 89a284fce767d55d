"""`seagrid run STAGE`: which stages each distributed process runs (CONTRACTS §1, §10).

| process | stages | needs |
|---|---|---|
| `run ingest` | ingest | Redis |
| `run gridding` | gridding (SIGHUP reloads the grid) | Redis |
| `run persist` | persist (scales by consumers in group `persist`) | Redis, PostgreSQL |
| `run alerts` | alerts, fusion, dispatcher, handover | Redis, PostgreSQL |
| `run web` | the web server and its stage | Redis, PostgreSQL |

With `[bus] partitions = N`, `run gridding|alerts --partition I/N` owns the vessels with
mmsi % N == I and snapshots its state to Redis (services/core/snapshot.py); partition 0 of
alerts also runs the stages that must run once (fusion, the dispatcher, handover), reading
every partition, and snapshots fusion's state beside its own (services/radar/snapshot.py).
Every process opens the bus split into the configured partitions.

Gridding no longer runs persist: the position writer is a process of its own, so the
database can stop without touching gridding, and persist scales by adding consumers to its
group while gridding keeps per-vessel state (docs/architecture.md, "Why persist reads
cell_positions"). Each builder returns a `Process`: the stages, the groups whose lag its
`--metrics-port` shows, the stages' status counters and the database checks of /healthz.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

from services.assembly.pipeline import (
    ALERTS_GROUPS,
    GRIDDING_GROUPS,
    PERSIST_GROUPS,
    PIPELINE_GROUPS,
    dispatcher_stage,
    feeds_of,
    ingest_stage,
    reload_grid_on_sighup,
    restore_alert_book,
    restore_live,
    rule_stages,
    status_sources,
)
from services.assembly.probe import ObservedBus, Probe, ProbeServer, Process, database_check
from services.cli.run_partitions import stage_checkpoint
from services.core import topics
from services.core.bus import Bus, BusOptions, open_bus
from services.core.config import SeagridConfig
from services.core.partitions import WHOLE, PartitionSpec, partitioned, partitions_from_config
from services.core.runner import install_signal_handlers, run_stages
from services.core.settings import Settings
from services.core.startup import required_pool

log = logging.getLogger(__name__)

Builder = Callable[
    [SeagridConfig, Settings, AsyncExitStack, Bus, PartitionSpec], Awaitable[Process]
]


async def build_ingest(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    bus: Bus,
    partition: PartitionSpec = WHOLE,
) -> Process:
    del resources, bus, partition  # ingest keeps nothing but its counters, and needs no database
    stages = [ingest_stage(feeds_of(config, required=True), settings)]
    return Process(stages, status=status_sources(stages))


async def build_gridding(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    bus: Bus,
    partition: PartitionSpec = WHOLE,
) -> Process:
    """Gridding alone (of the partition's vessels): persist, which stores what it publishes,
    runs as `run persist`."""
    from services.gridding.stage import GriddingStage

    del bus
    checkpoint = stage_checkpoint(config, settings, resources, "gridding", partition)
    stages = [GriddingStage(config, partition=partition, checkpoint=checkpoint)]
    reload_grid_on_sighup(stages)
    return Process(stages, GRIDDING_GROUPS, status_sources(stages))


async def build_persist(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    bus: Bus,
    partition: PartitionSpec = WHOLE,
) -> Process:
    """The position writer alone; run several to share group `persist` (idempotent COPY)."""
    from services.ingest.persist import PersistStage

    del config, bus, partition
    pool = await required_pool(settings.database_url, resources)
    # renewed well within claim_idle: held records are never claimed (services/ingest/persist.py)
    stage = PersistStage(pool, settings.database, hold_every=_bus_options(settings).claim_idle / 3)
    return Process(
        [stage], PERSIST_GROUPS, {"persist": stage.status}, {"database": database_check(pool)}
    )


async def build_alerts(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    bus: Bus,
    partition: PartitionSpec = WHOLE,
) -> Process:
    """Alerts (of the partition's vessels) with fusion, the dispatcher and handover in
    partition 0 only; open alerts restored from the store."""
    from services.alerts.store import PgAlertStore
    from services.neighbours.handover import handover_stages

    del bus
    checkpoint = stage_checkpoint(config, settings, resources, "alerts", partition)
    # fusion runs in partition 0 only, snapshotted beside the rules (services/radar/snapshot.py)
    fusion_checkpoint = (
        stage_checkpoint(config, settings, resources, "fusion", partition)
        if partition.index == 0
        else None
    )
    stage, fusion = rule_stages(
        config, partition=partition, checkpoint=checkpoint, fusion_checkpoint=fusion_checkpoint
    )
    pool = await required_pool(settings.database_url, resources)
    store = PgAlertStore(pool)
    dispatcher = dispatcher_stage(config, store)
    await restore_alert_book(stage, store, partition)
    await restore_live(stage, config, pool)
    if partition.index == 0:
        await restore_alert_book(fusion, store)  # radar rules: their own book (services/radar)
        from services.cases.store import PgCaseStore

        stages = [stage, fusion, dispatcher, *handover_stages(config, PgCaseStore(pool))]
    else:
        stages = [stage]
    return Process(
        stages, ALERTS_GROUPS, status_sources(stages), {"database": database_check(pool)}
    )


async def build_web(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    bus: Bus,
    partition: PartitionSpec = WHOLE,
) -> Process:
    """The web service alone, on the process's Redis bus (read across every partition),
    state in PostgreSQL."""
    from services.assembly.embedded import web_only_runtime
    from services.web.server import WebServerStage
    from services.web.settings import ServeSettings

    del partition
    serve_settings = ServeSettings(**settings.model_dump())
    runtime = await web_only_runtime(config, serve_settings, bus, resources)
    web = serve_settings.web
    groups = tuple((t, runtime.web.group) for t in (topics.CELL_POSITIONS, topics.ALERTS))
    return Process(
        [WebServerStage(runtime, web.host, web.port)],
        groups + PIPELINE_GROUPS + PERSIST_GROUPS,
        checks=dict(runtime.ready_checks),
    )


BUILDERS: dict[str, Builder] = {
    "ingest": build_ingest,
    "gridding": build_gridding,
    "persist": build_persist,
    "alerts": build_alerts,
    "web": build_web,
}


def _bus_options(settings: Settings) -> BusOptions:
    """A stage process rides out a Redis restart: commands retry with back-off for
    `bus_reconnect` seconds once the bus has answered once (start-up still fails fast)."""
    return BusOptions(reconnect=settings.bus_reconnect)


async def run_process(
    stage_name: str,
    config: SeagridConfig,
    settings: Settings,
    metrics: tuple[str, int] | None = None,
    partition: PartitionSpec = WHOLE,
) -> None:
    """Build the named process, then run it until SIGTERM/SIGINT (or a stage crashes).

    The bus is split into the configured partitions around the observed one, so /metrics
    shows each partition's stream (`seagrid.positions.p0`) with its own lag."""
    stop = asyncio.Event()
    install_signal_handlers(stop)
    async with AsyncExitStack() as resources:
        observed = ObservedBus(open_bus(settings.redis_url, _bus_options(settings)))
        bus = partitioned(observed, partitions_from_config(config.sections))
        resources.push_async_callback(bus.close)
        await observed.pending(PERSIST_GROUPS[0][0], "startup")  # Redis unreachable: fail now
        process = await BUILDERS[stage_name](config, settings, resources, bus, partition)
        stages = list(process.stages)
        if metrics is not None:
            stages.append(ProbeServer(Probe(process, observed), *metrics))
        log.info(
            "running %s (partition %s) over %s on %s",
            ", ".join(s.name for s in stages),
            partition,
            settings.redis_url.rsplit("@", 1)[-1],
            socket.gethostname(),
        )
        await run_stages(stages, bus, stop)
