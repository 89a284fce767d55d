"""The shapes that serve HTTP: a `WebRuntime` with the stages that run beside the web.

- `serve`: every stage in this process on the in-process bus, state in PostgreSQL;
- `serve --demo`: the same stages fed by the looping demo recording, stores in memory,
  demo users, a random per-process token key (tokens die with the process);
- `run web`: only the web stage, over Redis and PostgreSQL, beside stages run elsewhere.

The web package only serves what it is handed: which stages run beside it, and what they
report to its /metrics, is decided here. Start-up problems raise `StartupError` with one
line for the entry point to print.
"""

from __future__ import annotations

import logging
import secrets
import socket
from contextlib import AsyncExitStack
from typing import Any

from services.assembly.demo_feed import DemoFeed, load_recording
from services.assembly.pipeline import (
    PERSIST_GROUPS,
    PIPELINE_GROUPS,
    feeds_of,
    info_centre,
    pipeline,
    reload_grid_on_sighup,
)
from services.core.bus import Bus
from services.core.config import SeagridConfig
from services.core.startup import StartupError, required_pool
from services.infocentre.store import MemoryRecordStore, PgRecordStore
from services.web.auth import TokenSigner, User
from services.web.demo import DEMO_PASSWORD, demo_users
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
    info = await info_centre(config, MemoryRecordStore(), bus)
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
    reload_grid_on_sighup(list(runtime.stages))
    return runtime, created


async def serve_runtime(
    config: SeagridConfig, settings: ServeSettings, bus: Bus, resources: AsyncExitStack
) -> WebRuntime:
    """All stages in this process, state in PostgreSQL, feeds from the configuration."""
    from services.alerts.store import PgAlertStore
    from services.ingest.persist import PersistStage
    from services.web.history import PgHistory

    signer = signer_for(settings, demo=False)
    feeds = feeds_of(config, required=False)
    pool = await required_pool(settings.database_url, resources)
    web = build_web_stage(settings.web, demo=False)
    store = PgAlertStore(pool)
    runtime = _db_runtime(config, settings, bus, pool, signer, web, store, PgHistory(pool))
    runtime.info = await info_centre(config, PgRecordStore(pool), bus)
    live = await runtime.info.snapshot()
    persist = PersistStage(pool, settings.database)
    runtime.stages = [*pipeline(config, settings, runtime, feeds, store, live), persist]
    runtime.lag_groups = PIPELINE_GROUPS + PERSIST_GROUPS
    runtime.status_sources["persist"] = persist.status
    reload_grid_on_sighup(list(runtime.stages))
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
    runtime.info = await info_centre(config, PgRecordStore(pool), bus)
    runtime.lag_groups = PIPELINE_GROUPS + PERSIST_GROUPS  # the other processes' groups
    return runtime


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
