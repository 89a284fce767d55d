"""The alerts stage: positions, static reports and safety messages in; alert changes out.

Consumes CELL_POSITIONS (from gridding), STATIC and MESSAGES (from ingest) and operator
commands (ALERT_COMMANDS, from the web), runs them through the RuleEngine and the AlertBook
(in event-time order, see processor.py) and publishes every pipeline change (raised,
updated, cleared) on ALERTS. Operator changes are not published again: the web has
written them to the store already; the book only needs to know of them.

One task reads all four topics so that the order of work is decided here and not by the
scheduler: before a batch of positions is handled, every static report and message that
has arrived is buffered, so the processor can put them in their place by event time.

With `publish_accepted`, the positions the rules accepted (position jumps removed) go out
on ACCEPTED_POSITIONS: `seagrid replay --positions-out` writes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from services.alerts.lifecycle import AlertBook
from services.alerts.model import alert_change_to_json, command_from_json
from services.alerts.processor import DEFAULT_TICK_INTERVAL, AlertProcessor, Output, Rules
from services.alerts.routing import Router
from services.alerts.timing import AlertTiming
from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.codec import CodecError, decode, encode, records_of
from services.core.config import SeagridConfig
from services.core.types import CellPosition, VesselStatic
from services.infocentre.live import LiveData

log = logging.getLogger(__name__)

INPUT_TOPICS = (
    topics.ALERT_COMMANDS,
    topics.INFOCENTRE,
    topics.STATIC,
    topics.MESSAGES,
    topics.CELL_POSITIONS,
)


class AlertsStage:
    name = "alerts"

    def __init__(
        self,
        config: SeagridConfig,
        *,
        rules: Rules | None = None,
        book: AlertBook | None = None,
        tick_interval: float = DEFAULT_TICK_INTERVAL,
        publish_accepted: bool = False,
        group: str = "alerts",
        consumer: str = "alerts-1",
        count: int = 2048,
        block: float = 0.2,
        live: LiveData | None = None,
    ) -> None:
        """Raises ThresholdError / TimingError for bad rule settings in `config`.

        `live`: the information centre's snapshot at start (watchlist, waterworks, modes);
        later ones arrive on INFOCENTRE (services/infocentre/live.py).
        """
        if rules is None:
            from services.alerts.evaluator import RuleEngine
            from services.alerts.thresholds import Thresholds

            rules = RuleEngine(config, Thresholds.from_config(config))
        if book is None:
            book = AlertBook(Router.from_config(config), AlertTiming.from_config(config))
        self.processor = AlertProcessor(rules, book, tick_interval)
        self.publish_accepted = publish_accepted
        self.group, self.consumer = group, consumer
        self.count, self.block = count, block
        self.counters: Counter[str] = Counter()
        self.live_version = -1
        if live is not None:
            self.apply_live(live)

    @property
    def book(self) -> AlertBook:
        return self.processor.book

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        """Handle input until `stop` is set; then apply what is still buffered and return."""
        for topic in INPUT_TOPICS:
            await bus.ensure_group(topic, self.group)
        while not stop.is_set():
            await self.step(bus, self.block)
        await self._publish(bus, self.processor.finish())

    async def step(self, bus: Bus, block: float) -> int:
        """One round over the inputs; returns how many records were handled."""
        handled = await self._read(bus, topics.ALERT_COMMANDS, self._on_commands, 0)
        handled += await self._read(bus, topics.INFOCENTRE, self._on_live, 0)
        handled += await self._buffer_side_inputs(bus)
        batch = await bus.read(
            topics.CELL_POSITIONS, self.group, self.consumer, count=self.count, block=block
        )
        if batch:
            # Static reports and messages published before these positions are on the bus
            # by now (ingest publishes a flush's topics back to back): buffer them first.
            handled += await self._buffer_side_inputs(bus)
            # Likewise a live-data change published before them applies before them.
            handled += await self._read(bus, topics.INFOCENTRE, self._on_live, 0)
            await self._on_positions(bus, batch)
            await bus.ack(topics.CELL_POSITIONS, self.group, [d.id for d in batch])
        return handled + len(batch)

    async def _buffer_side_inputs(self, bus: Bus) -> int:
        handled = await self._read(bus, topics.STATIC, self._on_statics, 0)
        return handled + await self._read(bus, topics.MESSAGES, self._on_messages, 0)

    async def _read(self, bus: Bus, topic: str, handler: Any, block: float) -> int:
        total = 0
        while True:
            batch = await bus.read(topic, self.group, self.consumer, count=self.count, block=block)
            if not batch:
                return total
            await handler(bus, batch)
            await bus.ack(topic, self.group, [d.id for d in batch])
            total += len(batch)

    async def _on_statics(self, _bus: Bus, batch: list[Delivery]) -> None:
        self.processor.add_statics(records_of(batch, VesselStatic, self._bad("bad_static")))

    async def _on_messages(self, _bus: Bus, batch: list[Delivery]) -> None:
        for delivery in batch:
            try:
                fields = decode(delivery.payload)
                if not isinstance(fields, dict):
                    raise CodecError("not an object")
                self.processor.add_message(fields)
            except (CodecError, ValueError) as exc:
                self._reject("bad_message", delivery, exc)

    async def _on_commands(self, _bus: Bus, batch: list[Delivery]) -> None:
        for delivery in batch:
            try:
                command = command_from_json(decode(delivery.payload))
            except (CodecError, ValueError, KeyError, TypeError) as exc:
                self._reject("bad_command", delivery, exc)
                continue
            self.processor.command(command)

    async def _on_live(self, _bus: Bus, batch: list[Delivery]) -> None:
        for delivery in batch:
            try:
                live = LiveData.from_json(decode(delivery.payload))
            except (CodecError, ValueError, KeyError, TypeError, AttributeError) as exc:
                self._reject("bad_live_data", delivery, exc)
                continue
            self.apply_live(live)

    def apply_live(self, live: LiveData) -> None:
        """Swap in the information centre's snapshot (rules without one ignore it)."""
        apply = getattr(self.processor.rules, "apply_live", None)
        if apply is not None and apply(live):
            self.counters["live_updates"] += 1
            self.live_version = live.version

    async def _on_positions(self, bus: Bus, batch: list[Delivery]) -> None:
        positions = records_of(batch, CellPosition, self._bad("bad_position"))
        await self._publish(bus, self.processor.process(positions))

    async def _publish(self, bus: Bus, out: Output) -> None:
        if out.changes:
            await bus.publish(topics.ALERTS, [encode(alert_change_to_json(c)) for c in out.changes])
            self.counters.update(c.change for c in out.changes)
        if self.publish_accepted and out.accepted:
            await bus.publish_records(topics.ACCEPTED_POSITIONS, out.accepted)

    def _bad(self, reason: str) -> Callable[[Delivery, CodecError], None]:
        return lambda delivery, exc: self._reject(reason, delivery, exc)

    def _reject(self, reason: str, delivery: Delivery, detail: object) -> None:
        self.counters[f"rejected_{reason}"] += 1
        if self.counters[f"rejected_{reason}"] <= 5:  # a sample, not a flood
            log.warning("alerts: dropped record %s (%s): %s", delivery.id, reason, detail)

    def status(self) -> dict[str, Any]:
        """Figures for health checks and metrics."""
        return {
            "open_alerts": len(self.book.open_alerts()),
            "pending": self.book.pending(),
            "silences": len(self.book.silences),
            **self.processor.counters,
            **self.counters,
            "faults": self.processor.faults.total(),
            **{f"fault_{reason}": n for reason, n in self.processor.faults.counts.items()},
        }
