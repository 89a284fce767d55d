"""`seagrid run STAGE`: one stage as its own process over Redis Streams and PostgreSQL.

This is the distributed mode of CONTRACTS §1: the bus is Redis (`SEAGRID_REDIS_URL`) and
state goes to PostgreSQL (`SEAGRID_DATABASE_URL`, migrated at start-up). Each stage name maps
to a builder that returns the stages to run in this process (gridding also runs the persist
stage, which writes the positions gridding publishes, with their cell and office, and the
static reports ingest publishes) and the resources to release on exit.
With `[bus] partitions = N` in seagrid.toml, gridding and alerts run as N processes each,
`--partition I/N` owning the vessels with mmsi % N == I (docs/partitions.md;
services/cli/run_partitions.py); they snapshot their state to Redis every
`[bus] snapshot_interval_s` (5 s) and on SIGTERM,
and a restarted owner of the same partition continues from it.
Start-up problems (bad configuration, unreachable Redis or PostgreSQL) are reported on one
line with exit status 1; SIGTERM stops the stages, which flush what they hold first.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from services.cli.run_partitions import (
    add_partition_flag,
    process_bus,
    process_partition,
    stage_checkpoint,
)
from services.core.bus import BusError
from services.core.config import ConfigError, SeagridConfig, load_config
from services.core.partitions import WHOLE, PartitionError, PartitionSpec
from services.core.runner import Stage, install_signal_handlers, run_stages
from services.core.settings import Settings
from services.core.startup import StartupError, required_pool

log = logging.getLogger(__name__)

Builder = Callable[[SeagridConfig, Settings, AsyncExitStack, PartitionSpec], Awaitable[list[Stage]]]


async def build_ingest(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    partition: PartitionSpec = WHOLE,
) -> list[Stage]:
    del resources, partition  # ingest keeps nothing but its counters; persist runs beside gridding
    from services.ingest.feeds.config import FeedConfigError, feeds_from_tables
    from services.ingest.stage import IngestStage

    tables = config.sections.get("feeds", [])
    try:
        feeds = feeds_from_tables(tables, config.directory)
    except FeedConfigError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: feeds: {exc}") from exc
    if not feeds:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: no [[feeds]] to ingest")
    return [IngestStage(feeds, settings.ingest)]


async def build_gridding(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    partition: PartitionSpec = WHOLE,
) -> list[Stage]:
    """Gridding, and persist beside it: positions are stored once gridded (persist.py says why)."""
    from services.gridding.stage import GriddingStage, install_reload_handler
    from services.ingest.persist import PersistStage

    checkpoint = stage_checkpoint(config, settings, resources, "gridding", partition)
    stage = GriddingStage(config, partition=partition, checkpoint=checkpoint)
    pool = await required_pool(settings.database_url, resources)
    install_reload_handler(stage)
    return [stage, PersistStage(pool, settings.database)]


async def build_alerts(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    partition: PartitionSpec = WHOLE,
) -> list[Stage]:
    """Alerts for the partition's vessels; partition 0 also runs the stages that must run
    once (radar fusion, the dispatcher, handover), reading every partition."""
    from services.alerts.dispatcher import DeliveryConfigError, dispatcher_from_config
    from services.alerts.stage import AlertsStage
    from services.alerts.store import PgAlertStore
    from services.alerts.thresholds import ThresholdError
    from services.alerts.timing import TimingError
    from services.radar.config import RadarConfigError
    from services.radar.stage import FusionStage

    checkpoint = stage_checkpoint(config, settings, resources, "alerts", partition)
    try:
        stage = AlertsStage(config, partition=partition, checkpoint=checkpoint)
        fusion = FusionStage(config)
    except (ThresholdError, TimingError, RadarConfigError) as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc
    pool = await required_pool(settings.database_url, resources)
    store = PgAlertStore(pool)
    try:
        dispatcher = dispatcher_from_config(config, store)
    except DeliveryConfigError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc
    await restore_alert_book(stage, store, partition)
    await _restore_live(stage, config, pool)
    if partition.index != 0:
        return [stage]
    await restore_alert_book(fusion, store)  # radar rules: their own book (services/radar)
    from services.neighbours.handover import handover_stages

    return [stage, fusion, dispatcher, *handover_stages(config)]


async def _restore_live(stage: Any, config: SeagridConfig, pool: Any) -> None:
    """Watchlist, waterworks and modes from the store; later changes come on the bus."""
    from services.infocentre.model import InfoError
    from services.infocentre.store import PgRecordStore
    from services.infocentre.wiring import restore_live

    try:
        await restore_live(stage, config, PgRecordStore(pool))
    except InfoError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc


async def restore_alert_book(stage: Any, store: Any, partition: PartitionSpec = WHOLE) -> None:
    """Hand the rules' alert book what the store knows, so a restart does not re-raise.

    Open alerts (of the partition's vessels) become the book's open keys again, and
    silences still in force keep applying to behaviour from now on. A snapshot, when the
    stage finds one, then replaces this with the exact state (services/alerts/snapshot.py).
    """
    import time

    from services.alerts.store_api import AlertQuery

    query: AlertQuery | None = AlertQuery(status=("open", "acknowledged"), active=True, limit=500)
    restored = 0
    while query is not None:
        page = await store.list(query)
        stage.book.restore(a for a in page.items if a.mmsi is None or partition.owns(a.mmsi))
        restored += len(page.items)
        query = replace(query, cursor=page.next_cursor) if page.next_cursor else None
    for silence in await store.silences(active_at=time.time()):
        stage.book.silences.add(silence)
    log.info("alerts: restored %d open alerts and %d silences", restored, len(stage.book.silences))


async def build_web(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    partition: PartitionSpec = WHOLE,
) -> list[Stage]:
    """The web service alone: its own Redis bus connection, state in PostgreSQL."""
    del partition
    from services.web.assemble import web_only_runtime
    from services.web.server import WebServerStage
    from services.web.settings import ServeSettings

    serve_settings = ServeSettings(**settings.model_dump())
    bus = process_bus(settings, config)
    resources.push_async_callback(bus.close)
    runtime = await web_only_runtime(config, serve_settings, bus, resources)
    web = serve_settings.web
    return [WebServerStage(runtime, web.host, web.port)]


BUILDERS: dict[str, Builder] = {
    "ingest": build_ingest,
    "gridding": build_gridding,
    "alerts": build_alerts,
    "web": build_web,
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run",
        help="run one stage as its own process (Redis Streams + PostgreSQL)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stage", choices=sorted(BUILDERS), help="the stage to run")
    parser.add_argument("--config", type=Path, default=None, help="configuration directory")
    add_partition_flag(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    settings = Settings()
    config_dir = args.config or settings.config_dir
    try:
        config = load_config(config_dir)
        partition = process_partition(args.stage, getattr(args, "partition", None), config)
        asyncio.run(_run(args.stage, config, settings, partition))
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=sys.stderr)
        return 1
    except (StartupError, BusError, PartitionError) as exc:
        print(f"seagrid run {args.stage}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _run(
    stage_name: str, config: SeagridConfig, settings: Settings, partition: PartitionSpec = WHOLE
) -> None:
    stop = asyncio.Event()
    install_signal_handlers(stop)
    async with AsyncExitStack() as resources:
        bus = process_bus(settings, config)
        resources.push_async_callback(bus.close)
        stages = await BUILDERS[stage_name](config, settings, resources, partition)
        log.info(
            "running %s (partition %s) over %s",
            *(", ".join(s.name for s in stages), partition, settings.redis_url),
        )
        await run_stages(stages, bus, stop)
