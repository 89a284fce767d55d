"""`seagrid run STAGE`: one stage as its own process over Redis Streams and PostgreSQL.

This is the distributed mode of CONTRACTS §1: the bus is Redis (`SEAGRID_REDIS_URL`) and
state goes to PostgreSQL (`SEAGRID_DATABASE_URL`, migrated at start-up). Each stage name maps
to a builder that returns the stages to run in this process (gridding also runs the persist
stage, which writes the positions gridding publishes, with their cell and office, and the
static reports ingest publishes) and the resources to release on exit.
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

from services.core.bus import BusError, open_bus
from services.core.config import ConfigError, SeagridConfig, load_config
from services.core.runner import Stage, install_signal_handlers, run_stages
from services.core.settings import Settings
from services.core.startup import StartupError, required_pool

log = logging.getLogger(__name__)

Builder = Callable[[SeagridConfig, Settings, AsyncExitStack], Awaitable[list[Stage]]]


async def build_ingest(
    config: SeagridConfig, settings: Settings, resources: AsyncExitStack
) -> list[Stage]:
    del resources  # ingest keeps nothing but its counters; persist runs beside gridding
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
    config: SeagridConfig, settings: Settings, resources: AsyncExitStack
) -> list[Stage]:
    """Gridding, and persist beside it: positions are stored once gridded (persist.py says why)."""
    from services.gridding.stage import GriddingStage, install_reload_handler
    from services.ingest.persist import PersistStage

    stage = GriddingStage(config)
    pool = await required_pool(settings.database_url, resources)
    install_reload_handler(stage)
    return [stage, PersistStage(pool, settings.database)]


async def build_alerts(
    config: SeagridConfig, settings: Settings, resources: AsyncExitStack
) -> list[Stage]:
    from services.alerts.dispatcher import DeliveryConfigError, dispatcher_from_config
    from services.alerts.stage import AlertsStage
    from services.alerts.store import PgAlertStore
    from services.alerts.thresholds import ThresholdError
    from services.alerts.timing import TimingError
    from services.radar.config import RadarConfigError
    from services.radar.stage import FusionStage

    try:
        stage = AlertsStage(config)
        fusion = FusionStage(config)
    except (ThresholdError, TimingError, RadarConfigError) as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc
    pool = await required_pool(settings.database_url, resources)
    store = PgAlertStore(pool)
    try:
        dispatcher = dispatcher_from_config(config, store)
    except DeliveryConfigError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc
    await restore_alert_book(stage, store)
    await _restore_live(stage, config, pool)
    await restore_alert_book(fusion, store)  # radar rules: their own book (services/radar)
    from services.cases.store import PgCaseStore
    from services.neighbours.handover import handover_stages

    return [stage, fusion, dispatcher, *handover_stages(config, PgCaseStore(pool))]


async def _restore_live(stage: Any, config: SeagridConfig, pool: Any) -> None:
    """Watchlist, waterworks and modes from the store; later changes come on the bus."""
    from services.infocentre.model import InfoError
    from services.infocentre.store import PgRecordStore
    from services.infocentre.wiring import restore_live

    try:
        await restore_live(stage, config, PgRecordStore(pool))
    except InfoError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc


async def restore_alert_book(stage: Any, store: Any) -> None:
    """Hand the rules' alert book what the store knows, so a restart does not re-raise.

    Open alerts become the book's open keys again, and silences still in force keep
    applying to behaviour from now on.
    """
    import time

    from services.alerts.store_api import AlertQuery

    query: AlertQuery | None = AlertQuery(status=("open", "acknowledged"), active=True, limit=500)
    restored = 0
    while query is not None:
        page = await store.list(query)
        stage.book.restore(page.items)
        restored += len(page.items)
        query = replace(query, cursor=page.next_cursor) if page.next_cursor else None
    for silence in await store.silences(active_at=time.time()):
        stage.book.silences.add(silence)
    log.info("alerts: restored %d open alerts and %d silences", restored, len(stage.book.silences))


async def build_web(
    config: SeagridConfig, settings: Settings, resources: AsyncExitStack
) -> list[Stage]:
    """The web service alone: its own Redis bus connection, state in PostgreSQL."""
    from services.web.assemble import web_only_runtime
    from services.web.server import WebServerStage
    from services.web.settings import ServeSettings

    serve_settings = ServeSettings(**settings.model_dump())
    bus = open_bus(settings.redis_url)
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
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    settings = Settings()
    config_dir = args.config or settings.config_dir
    try:
        config = load_config(config_dir)
        asyncio.run(_run(args.stage, config, settings))
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=sys.stderr)
        return 1
    except (StartupError, BusError) as exc:
        print(f"seagrid run {args.stage}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _run(stage_name: str, config: SeagridConfig, settings: Settings) -> None:
    stop = asyncio.Event()
    install_signal_handlers(stop)
    async with AsyncExitStack() as resources:
        bus = open_bus(settings.redis_url)
        resources.push_async_callback(bus.close)
        stages = await BUILDERS[stage_name](config, settings, resources)
        log.info("running %s over %s", ", ".join(s.name for s in stages), settings.redis_url)
        await run_stages(stages, bus, stop)
