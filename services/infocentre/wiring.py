"""Building the information centre for each way of running, and handing its snapshot to
the alerts stage at start.

At start-up the alerts stage cannot wait for the web to publish: a snapshot published
before its consumer group existed is not delivered to it (groups start at the stream's
end). So every process that runs the rules reads the snapshot from the store itself
(`restore_live`), and the web publishes one at start as well as after every change.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from services.alerts.evaluator import watchlist_config
from services.alerts.thresholds import Thresholds
from services.core.bus import Bus
from services.core.config import SeagridConfig
from services.infocentre.modes import mode_specs
from services.infocentre.service import InfoCentre
from services.infocentre.store import RecordStore
from services.neighbours.config import parse_neighbours
from services.neighbours.inbound import Inbound
from services.registry.service import Registry

log = logging.getLogger(__name__)

THRESHOLD_NAMES = frozenset(f.name for f in dataclasses.fields(Thresholds))


async def info_centre(config: SeagridConfig, store: RecordStore, bus: Bus | None) -> InfoCentre:
    """The service over `store`, with the configuration's watchlist seeded once."""
    specs = mode_specs(config.sections, THRESHOLD_NAMES)
    info = InfoCentre(store, bus, config.office_ids() | {config.centre.id}, specs)
    names = {o.name: o.id for o in config.offices} | {o.id: o.id for o in config.offices}
    info.registry = Registry(store, names, lambda: info.clock())
    neighbours = parse_neighbours(config.sections)
    if neighbours:
        info.inbound = Inbound(config, neighbours)
    added = await info.seed_watchlist(watchlist_config(config.sections.get("watchlist", [])))
    if added:
        log.info("infocentre: %d watchlist entries from seagrid.toml added", added)
    return info


async def restore_live(stage: Any, config: SeagridConfig, store: RecordStore) -> None:
    """Give the alerts stage the stored watchlist, waterworks and modes before it starts."""
    info = await info_centre(config, store, None)
    stage.apply_live(await info.snapshot())
