"""The web stage: what the web process reads from the bus, and the WebSocket tick.

It reads CELL_POSITIONS and STATIC into the live picture and ALERTS into the hub (pushed at
once) and into per-office open-alert counts, and runs the hub's tick loop. It is a stage
like the others, so it runs in `seagrid serve`'s lifespan next to the pipeline on the
in-process bus, or alone in `seagrid run web` over Redis, with the same code.

Each web process needs every record (it serves its own clients), so in the distributed
mode each one reads in its own consumer group (`web-<host>`), not a shared one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

import orjson

from services.alerts.model import OPEN_STATUSES
from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.codec import CodecError, decode_as, records_of
from services.core.runner import consume
from services.core.types import CellPosition, VesselStatic
from services.web.live import Hub
from services.web.picture import vessel_names

log = logging.getLogger(__name__)

TOPICS = (topics.CELL_POSITIONS, topics.STATIC, topics.ALERTS)


class WebStage:
    name = "web"

    def __init__(self, hub: Hub, tick: float, *, group: str = "web", consumer: str = "web-1"):
        self.hub = hub
        self.picture = hub.picture
        self.tick = tick
        self.group, self.consumer = group, consumer
        self.counters: Counter[str] = Counter()
        self.open_alerts: dict[str, tuple[str, str, str]] = {}  # id -> (office, rule, severity)
        self.alert_changes: Counter[tuple[str, str]] = Counter()  # (rule, change)
        self.started = asyncio.Event()

    async def prepare(self, bus: Bus) -> None:
        """Create the groups before anything is published, so nothing is missed."""
        for topic in TOPICS:
            await bus.ensure_group(topic, self.group)

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        await self.prepare(bus)
        self.started.set()
        handlers = {
            topics.CELL_POSITIONS: self._on_positions,
            topics.STATIC: self._on_static,
            topics.ALERTS: self._on_alerts,
        }
        async with asyncio.TaskGroup() as group:
            for topic, handler in handlers.items():
                group.create_task(
                    consume(bus, topic, self.group, self.consumer, handler, stop, count=4096)
                )
            group.create_task(self.hub.run(self.tick, stop))

    async def _on_positions(self, batch: list[Delivery]) -> None:
        now = time.time()
        apply = self.picture.apply_position
        for delivery in batch:
            if delivery.records is not None:  # a batch from a stage of this process
                for record in delivery.records:
                    apply(record, now)
                continue
            try:
                apply(_cell_position(delivery.payload), now)
            except (CodecError, TypeError, ValueError):
                self._reject("bad_position", delivery)

    async def _on_static(self, batch: list[Delivery]) -> None:
        now = time.time()
        for delivery in batch:
            try:
                for static in records_of([delivery], VesselStatic, _raise):
                    self.picture.apply_static(static, now)
            except (CodecError, TypeError, ValueError):
                self._reject("bad_static", delivery)

    async def _on_alerts(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            try:
                data = orjson.loads(delivery.payload)
                alert, change = data["alert"], data["change"]
                self._count(alert, change)
            except (ValueError, KeyError, TypeError):
                self._reject("bad_alert", delivery)
                continue
            alert.update(vessel_names(self.picture, alert.get("mmsi"), alert.get("other_mmsi")))
            self.hub.push_alert(alert, change, data.get("actor"), data.get("note"))

    def _count(self, alert: dict[str, Any], change: str) -> None:
        self.alert_changes[(str(alert["rule"]), str(change))] += 1
        is_open = alert["status"] in OPEN_STATUSES and alert.get("cleared_at") is None
        if is_open:
            self.open_alerts[alert["id"]] = (alert["office"], alert["rule"], alert["severity"])
        else:
            self.open_alerts.pop(alert["id"], None)

    def _reject(self, reason: str, delivery: Delivery) -> None:
        self.counters[reason] += 1
        if self.counters[reason] <= 5:
            log.warning("web: dropped record %s (%s)", delivery.id, reason)


def _raise(_delivery: Delivery, exc: CodecError) -> None:
    raise exc


def _cell_position(payload: bytes) -> CellPosition:
    """The fast path: a payload with exactly the fields of today's CellPosition; anything
    else (a newer producer's extra fields) goes through the codec, which drops unknown keys."""
    try:
        return CellPosition(**orjson.loads(payload))
    except TypeError:
        return decode_as(payload, CellPosition)
