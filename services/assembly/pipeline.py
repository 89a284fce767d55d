"""The pipeline's stages, built from a configuration: what every shape of process shares.

Each builder turns one part of `seagrid.toml` into stages and reports a bad section as a
`StartupError` naming the file; the shapes (`embedded.py`, `processes.py`, `replay.py`)
decide which of them run together. The consumer groups each stage reads in are listed here
too, since their lag is the first thing to look at when the map falls behind the feeds.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from services.core import topics
from services.core.config import SeagridConfig
from services.core.partitions import WHOLE, PartitionSpec
from services.core.runner import Stage
from services.core.settings import Settings
from services.core.startup import StartupError

log = logging.getLogger(__name__)

# (topic, group) pairs per stage process: services/*/stage.py, persist.py, dispatcher.py.
GRIDDING_GROUPS = ((topics.POSITIONS, "gridding"), (topics.STATIC, "gridding"))
ALERTS_GROUPS = (
    (topics.CELL_POSITIONS, "alerts"),
    (topics.STATIC, "alerts"),
    (topics.MESSAGES, "alerts"),
    (topics.ALERT_COMMANDS, "alerts"),
    (topics.RADAR, "fusion"),
    (topics.CELL_POSITIONS, "fusion"),
    (topics.ALERTS, "dispatcher"),
)
PERSIST_GROUPS = ((topics.CELL_POSITIONS, "persist"), (topics.STATIC, "persist"))
# What the web's /metrics has always shown for the pipeline (tests and dashboards use it).
PIPELINE_GROUPS = (
    (topics.POSITIONS, "gridding"),
    (topics.STATIC, "gridding"),
    (topics.CELL_POSITIONS, "alerts"),
    (topics.ALERTS, "dispatcher"),
)

StatusSource = Callable[[], dict[str, Any]]


def _config_error(config: SeagridConfig, exc: Exception, section: str = "") -> StartupError:
    where = f"{section}: " if section else ""
    return StartupError(f"{config.directory / 'seagrid.toml'}: {where}{exc}")


def feeds_of(config: SeagridConfig, *, required: bool) -> list[Any]:
    """The `[[feeds]]` of the configuration; none is an error only where `required`."""
    from services.ingest.feeds.config import FeedConfigError, feeds_from_tables

    try:
        feeds = feeds_from_tables(config.sections.get("feeds", []), config.directory)
    except FeedConfigError as exc:
        raise _config_error(config, exc, "feeds") from exc
    if not feeds and required:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: no [[feeds]] to ingest")
    if not feeds:
        log.warning("no [[feeds]] in %s: the map stays empty", config.directory)
    return feeds


def ingest_stage(feeds: list[Any], settings: Settings) -> Any:
    from services.ingest.stage import IngestStage

    return IngestStage(feeds, settings.ingest)


def rule_stages(
    config: SeagridConfig,
    live: Any = None,
    partition: PartitionSpec = WHOLE,
    checkpoint: Any = None,
    fusion_checkpoint: Any = None,
) -> tuple[Any, Any]:
    """The alerts stage (of the partition's vessels, snapshotted through `checkpoint` when
    given) and radar fusion (through `fusion_checkpoint`): the rules, with their
    thresholds and timings."""
    from services.alerts.stage import AlertsStage
    from services.alerts.thresholds import ThresholdError
    from services.alerts.timing import TimingError
    from services.radar.config import RadarConfigError
    from services.radar.stage import FusionStage

    try:
        # With partitions a quiet partition tells the others not to wait for it only once
        # its gridding partition has nothing unread or unacknowledged either (pairs.py).
        upstream = (topics.POSITIONS, "gridding" + partition.suffix)
        stage = AlertsStage(
            config, live=live, partition=partition, checkpoint=checkpoint, upstream=upstream
        )
        return stage, FusionStage(config, checkpoint=fusion_checkpoint, partitions=partition.count)
    except (ThresholdError, TimingError, RadarConfigError) as exc:
        raise _config_error(config, exc) from exc


def dispatcher_stage(config: SeagridConfig, store: Any) -> Any:
    """The dispatcher (store + delivery channels + escalation) of the configuration."""
    from services.alerts.dispatcher import DeliveryConfigError, dispatcher_from_config

    consumer = f"dispatcher-{socket.gethostname()}-{os.getpid()}"
    try:
        return dispatcher_from_config(config, store, consumer=consumer)
    except DeliveryConfigError as exc:
        raise _config_error(config, exc) from exc


def pipeline(
    config: SeagridConfig,
    settings: Settings,
    runtime: Any,
    feeds: list[Any],
    store: Any,
    live: Any = None,
) -> list[Stage]:
    """Ingest, gridding, alerts, fusion, the dispatcher and handover, for one process.

    `runtime` (a `services.web.runtime.WebRuntime`) gets the stages' status sources and
    the groups whose lag its /metrics shows: the web serves them, the root decides them.
    """
    from services.gridding.stage import GriddingStage
    from services.neighbours.handover import handover_stages

    alerts, fusion = rule_stages(config, live)
    dispatcher = dispatcher_stage(config, store)
    ingest = ingest_stage(feeds, settings)
    gridding = GriddingStage(config)
    handover = handover_stages(config, runtime.case_store)  # the notices' case summaries
    stages: list[Stage] = [ingest, gridding, alerts, fusion, dispatcher, *handover]
    runtime.lag_groups = PIPELINE_GROUPS
    if runtime.info is not None and runtime.info.inbound is not None:
        runtime.status_sources["neighbours"] = runtime.info.inbound.status
    runtime.status_sources.update(status_sources(stages))
    return stages


def status_sources(stages: list[Any]) -> dict[str, StatusSource]:
    """Each stage's counters by stage name, for /metrics."""
    out: dict[str, StatusSource] = {}
    for stage in stages:
        if stage.name == "ingest":
            out["ingest"] = functools.partial(ingest_status, stage)
        elif stage.name == "dispatcher":
            out["dispatcher"] = functools.partial(_counts, stage)
        elif callable(getattr(stage, "status", None)):
            out[stage.name] = stage.status
    return out


def _counts(stage: Any) -> dict[str, Any]:
    return dict(stage.counts)


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


async def info_centre(config: SeagridConfig, store: Any, bus: Any) -> Any:
    """The information centre (watchlist, waterworks, modes; docs/infocentre.md)."""
    from services.infocentre.model import InfoError
    from services.infocentre.wiring import info_centre as build
    from services.neighbours.config import NeighbourConfigError

    try:
        return await build(config, store, bus)
    except (InfoError, NeighbourConfigError) as exc:
        raise _config_error(config, exc) from exc


async def restore_live(stage: Any, config: SeagridConfig, pool: Any) -> None:
    """Watchlist, waterworks and modes from the store; later changes come on the bus."""
    from services.infocentre.model import InfoError
    from services.infocentre.store import PgRecordStore
    from services.infocentre.wiring import restore_live as restore

    try:
        await restore(stage, config, PgRecordStore(pool))
    except InfoError as exc:
        raise _config_error(config, exc) from exc


async def restore_alert_book(stage: Any, store: Any, partition: PartitionSpec = WHOLE) -> None:
    """Hand the rules' alert book what the store knows, so a restart does not re-raise.

    Open alerts (of the partition's vessels) become the book's open keys again, and
    silences still in force keep applying to behaviour from now on. A snapshot, when the
    stage finds one, then replaces this with the exact state (services/alerts/snapshot.py).
    """
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


def reload_grid_on_sighup(stages: list[Any]) -> None:
    """SIGHUP reloads the grid of this process's gridding stage, keeping every vessel's state.

    Only the main thread may install signal handlers; a process assembled in another
    thread (some tests serve from one) simply has no reload signal.
    """
    from services.gridding.stage import GriddingStage, install_reload_handler

    for stage in stages:
        if isinstance(stage, GriddingStage):
            try:
                install_reload_handler(stage)
            except (RuntimeError, ValueError) as exc:
                log.info("no SIGHUP grid reload here: %s", exc)
