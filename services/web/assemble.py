"""Assembling a `WebRuntime` for each way of running the web service.

- `serve`: every stage in this process on the in-process bus, state in PostgreSQL;
- `serve --demo`: the same stages fed by the looping demo recording, stores in memory,
  demo users, a random per-process token key (tokens die with the process);
- `run web`: only the web stage, over Redis and PostgreSQL, beside stages run elsewhere.
Start-up problems raise `StartupError` with one line for the entry point to print.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from contextlib import AsyncExitStack
from typing import Any

from services.core import topics
from services.core.bus import Bus
from services.core.config import SeagridConfig
from services.core.runner import Stage
from services.core.startup import StartupError, required_pool
from services.infocentre.store import MemoryRecordStore, PgRecordStore
from services.web.auth import TokenSigner, User
from services.web.demo import DEMO_PASSWORD, DemoFeed, demo_users, load_recording
from services.web.history import MemoryHistory
from services.web.runtime import WebRuntime, build_web_stage
from services.web.settings import ServeSettings
from services.web.users import MemoryUserStore, PgUserStore

log = logging.getLogger(__name__)


def signer_for(settings: ServeSettings, demo: bool) -> TokenSigner:
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
    elif demo:
        key = secrets.token_bytes(32)
    else:
        raise StartupError(
            "SEAGRID_SECRET_KEY is not set: it signs the login tokens "
            "(e.g. export SEAGRID_SECRET_KEY=$(openssl rand -hex 32))"
        )
    try:
        return TokenSigner(key, settings.web.token_ttl)
    except ValueError as exc:
        raise StartupError(f"SEAGRID_SECRET_KEY: {exc}") from None


async def demo_runtime(
    config: SeagridConfig, settings: ServeSettings, bus: Bus, speed: float = 1.0
) -> tuple[WebRuntime, list[User]]:
    """Everything in memory; returns the runtime and the demo users it created."""
    from services.alerts.memory_store import MemoryAlertStore

    web = build_web_stage(settings.web, demo=True)
    feed = DemoFeed(load_recording(), speed=speed)
    store = MemoryAlertStore()
    users = MemoryUserStore(config.office_ids())
    info = await _info_centre(config, MemoryRecordStore(), bus)
    created = demo_users(config)
    for user in created:
        await users.add(user, DEMO_PASSWORD)
    runtime = WebRuntime(
        config=config,
        settings=settings.web,
        bus=bus,
        signer=signer_for(settings, demo=True),
        users=users,
        alerts=store,
        history=MemoryHistory(web.picture),
        web=web,
        demo=True,
        info=info,
    )
    from services.web.case_demo import DemoCasesStage

    runtime.stages = [
        *pipeline(config, settings, runtime, [feed], store, await info.snapshot()),
        DemoCasesStage(runtime),
    ]
    return runtime, created


async def serve_runtime(
    config: SeagridConfig, settings: ServeSettings, bus: Bus, resources: AsyncExitStack
) -> WebRuntime:
    """All stages in this process, state in PostgreSQL, feeds from the configuration."""
    from services.alerts.store import PgAlertStore
    from services.ingest.feeds.config import FeedConfigError, feeds_from_tables
    from services.ingest.persist import PersistStage
    from services.web.history import PgHistory

    signer = signer_for(settings, demo=False)
    try:
        feeds = feeds_from_tables(config.sections.get("feeds", []), config.directory)
    except FeedConfigError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: feeds: {exc}") from exc
    if not feeds:
        log.warning("no [[feeds]] in %s: the map stays empty", config.directory)
    pool = await required_pool(settings.database_url, resources)
    web = build_web_stage(settings.web, demo=False)
    store = PgAlertStore(pool)
    runtime = _db_runtime(config, settings, bus, pool, signer, web, store, PgHistory(pool))
    runtime.info = await _info_centre(config, PgRecordStore(pool), bus)
    live = await runtime.info.snapshot()
    runtime.stages = [
        *pipeline(config, settings, runtime, feeds, store, live),
        PersistStage(pool, settings.database),
    ]
    runtime.lag_groups = PIPELINE_GROUPS + PERSIST_GROUPS
    return runtime


async def web_only_runtime(
    config: SeagridConfig, settings: ServeSettings, bus: Bus, resources: AsyncExitStack
) -> WebRuntime:
    """`seagrid run web`: this process serves; the pipeline runs in other processes."""
    from services.alerts.store import PgAlertStore
    from services.web.history import PgHistory

    signer = signer_for(settings, demo=False)
    pool = await required_pool(settings.database_url, resources)
    web = build_web_stage(settings.web, demo=False, group=f"web-{socket.gethostname()}")
    runtime = _db_runtime(
        config, settings, bus, pool, signer, web, PgAlertStore(pool), PgHistory(pool)
    )
    runtime.info = await _info_centre(config, PgRecordStore(pool), bus)
    runtime.lag_groups = PIPELINE_GROUPS + PERSIST_GROUPS  # the other processes' groups
    return runtime


async def _info_centre(config: SeagridConfig, store: Any, bus: Bus) -> Any:
    """The information centre (watchlist, waterworks, modes; docs/infocentre.md)."""
    from services.infocentre.model import InfoError
    from services.infocentre.wiring import info_centre
    from services.neighbours.config import NeighbourConfigError

    try:
        return await info_centre(config, store, bus)
    except (InfoError, NeighbourConfigError) as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc


def _db_runtime(
    config: SeagridConfig,
    settings: ServeSettings,
    bus: Bus,
    pool: Any,
    signer: TokenSigner,
    web: Any,
    store: Any,
    history: Any,
) -> WebRuntime:
    async def database() -> None:
        async with pool.acquire(timeout=2.0) as conn:
            await conn.fetchval("SELECT 1")

    from services.cases.store import PgCaseStore

    return WebRuntime(
        config=config,
        settings=settings.web,
        bus=bus,
        signer=signer,
        users=PgUserStore(pool, config.office_ids()),
        alerts=store,
        history=history,
        web=web,
        ready_checks={"database": database},
        case_store=PgCaseStore(pool),
        database=pool,
    )


# The pipeline's consumer groups (services/*/stage.py, persist.py, dispatcher.py): the lag
# of each is the first thing to look at when the map falls behind the feeds.
PIPELINE_GROUPS = (
    (topics.POSITIONS, "gridding"),
    (topics.STATIC, "gridding"),
    (topics.CELL_POSITIONS, "alerts"),
    (topics.ALERTS, "dispatcher"),
)
PERSIST_GROUPS = ((topics.CELL_POSITIONS, "persist"), (topics.STATIC, "persist"))


def pipeline(
    config: SeagridConfig,
    settings: ServeSettings,
    runtime: WebRuntime,
    feeds: list[Any],
    store: Any,
    live: Any = None,
) -> list[Stage]:
    """Ingest, gridding, alerts and the dispatcher (store + delivery channels)."""
    from services.alerts.channels import ChannelConfigError, parse_channels
    from services.alerts.dispatcher import DispatcherStage
    from services.alerts.escalation import EscalationConfigError, EscalationPolicy
    from services.alerts.stage import AlertsStage
    from services.alerts.thresholds import ThresholdError
    from services.alerts.timing import TimingError
    from services.gridding.stage import GriddingStage
    from services.ingest.stage import IngestStage
    from services.neighbours.handover import handover_stages
    from services.radar.config import RadarConfigError
    from services.radar.stage import FusionStage

    try:
        channels = parse_channels(config.sections)
        policy = EscalationPolicy.from_sections(config.sections, {c.name for c in channels})
        alerts = AlertsStage(config, live=live)
        fusion = FusionStage(config)
    except (
        ChannelConfigError,
        EscalationConfigError,
        ThresholdError,
        TimingError,
        RadarConfigError,
    ) as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc
    ingest = IngestStage(feeds, settings.ingest)
    gridding = GriddingStage(config)
    consumer = f"dispatcher-{socket.gethostname()}-{os.getpid()}"
    dispatcher = DispatcherStage(store, config.centre.id, channels, policy, consumer=consumer)
    runtime.lag_groups = PIPELINE_GROUPS
    handover = handover_stages(config, runtime.case_store)  # the notices' case summaries
    stages: list[Stage] = [ingest, gridding, alerts, fusion, dispatcher, *handover]
    if runtime.info is not None and runtime.info.inbound is not None:
        runtime.status_sources["neighbours"] = runtime.info.inbound.status
    runtime.status_sources.update(
        ingest=lambda: ingest_status(ingest),
        gridding=gridding.status,
        alerts=alerts.status,
        dispatcher=lambda: dict(dispatcher.counts),
        fusion=fusion.status,
    )
    for stage in stages[5:]:
        runtime.status_sources[stage.name] = stage.status  # type: ignore[attr-defined]
    return stages


def ingest_status(stage: Any) -> dict[str, Any]:
    total = stage.counters.total()
    return {
        "lines": total.lines,
        "accepted": total.accepted,
        "duplicates": total.duplicates,
        "rejected": sum(total.rejected.values()),
        "messages": sum(total.messages.values()),
        "positions": stage.published["seagrid.positions"],
        "static": stage.published["seagrid.static"],
        "vessels": len(stage.vessels),
        "faults": stage.faults.total(),
        **{f"fault_{reason}": n for reason, n in stage.faults.counts.items()},
    }
