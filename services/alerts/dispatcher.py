"""The dispatcher stage: alert changes from the bus into the store and out to the channels.

It consumes topic ALERTS in its own group ("dispatcher"), so the web and any other reader
see every change independently. Each change is applied to the store first; only a change
the store had not seen (`ApplyResult.is_new`) is handed to the channels, so a redelivered
record, or an alert the pipeline raised twice, is not sent twice. Changes are handed to
per-channel outboxes, which never make the dispatcher wait.

On a clock (`[escalation] interval_seconds`, wall-clock time) it escalates overdue alerts
(escalation.py), delivers the escalations and publishes them on ALERTS for the web; they
come back to this stage as duplicates and are not delivered again.

A record that cannot be decoded goes to the dead-letter topic at once. While the database is
down (a transient error, `services.core.db.TRANSIENT_ERRORS`) the change in hand is retried
with back-off and the stage reads nothing more: the one batch in hand is its bounded buffer,
Redis holds the rest, and the work resumes where it stopped once the store answers. Any
other store failure raises out of the handler: the record stays pending and is redelivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from services.alerts.channels import (
    ChannelConfigError,
    ChannelSpec,
    Outbox,
    open_channel,
    parse_channels,
)
from services.alerts.escalation import (
    PROVINCIAL,
    EscalationConfigError,
    EscalationPolicy,
    Escalator,
)
from services.alerts.model import AlertChange, Change, alert_change_from_json, alert_change_to_json
from services.alerts.store_api import AlertStore
from services.core import topics
from services.core.bus import Bus, Delivery, dead_letter_topic
from services.core.config import SeagridConfig
from services.core.db import TRANSIENT_ERRORS
from services.core.runner import consume

log = logging.getLogger(__name__)

GROUP = "dispatcher"


class DispatcherStage:
    name = "dispatcher"

    def __init__(
        self,
        store: AlertStore,
        centre_id: str,
        channels: Sequence[ChannelSpec] = (),
        policy: EscalationPolicy | None = None,
        *,
        clock: Callable[[], float] = time.time,
        consumer: str | None = None,
        topic: str = topics.ALERTS,
    ) -> None:
        self.store = store
        self.topic = topic  # another name only to keep parallel test runs apart
        self.centre_id = centre_id
        self.specs = list(channels)
        self.policy = policy or EscalationPolicy()
        self.escalator = Escalator(store, self.policy, centre_id)
        self.clock = clock
        self.consumer = consumer or f"dispatcher-{socket.gethostname()}-{os.getpid()}"
        self.counts: Counter[str] = Counter()
        self.outboxes: list[Outbox] = []
        self.max_backoff = 5.0
        self._stop: asyncio.Event | None = None

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        self.outboxes = [
            Outbox(open_channel(spec), spec, self.store.record_delivery, clock=self.clock)
            for spec in self.specs
        ]
        await bus.ensure_group(self.topic, GROUP)
        self._stop = stop
        try:
            await self._run(bus, stop)
        except BaseExceptionGroup as crash:
            raise crash.exceptions[0] from None

    async def _run(self, bus: Bus, stop: asyncio.Event) -> None:
        outbox_stop = asyncio.Event()

        async def handle(batch: list[Delivery]) -> None:
            await self._handle(bus, batch)

        async with asyncio.TaskGroup() as group:
            boxes = [group.create_task(o.run(outbox_stop)) for o in self.outboxes]
            escalating = group.create_task(self._escalate_loop(bus, stop))
            await consume(bus, self.topic, GROUP, self.consumer, handle, stop)
            await escalating
            outbox_stop.set()  # only now: what the last batch offered is still delivered
            await asyncio.gather(*boxes)

    async def _handle(self, bus: Bus, batch: list[Delivery]) -> None:
        bad: list[bytes] = []
        for delivery in batch:
            try:
                change = alert_change_from_json(orjson.loads(delivery.payload))
            except (ValueError, KeyError, TypeError) as exc:
                self.counts["bad_payload"] += 1
                log.warning("alerts: record %s dead-lettered: %s", delivery.id, exc)
                bad.append(delivery.payload)
                continue
            result = await self._apply(change)
            self.counts["changes"] += 1
            self.counts[result.outcome] += 1
            if result.is_new:
                self.route(change)
        if bad:
            await bus.publish(dead_letter_topic(self.topic), bad)

    async def _apply(self, change: AlertChange) -> Any:
        """Store `change`, waiting out a database outage (until the stage is stopped: then
        the record stays pending on the bus for the next run)."""
        delay, failures = 0.25, 0
        while True:
            try:
                result = await self.store.apply(change)
            except TRANSIENT_ERRORS as exc:
                if self._stop is None or self._stop.is_set():
                    raise
                failures += 1
                self.counts["store_retries"] += 1
                if failures == 1:
                    log.warning(
                        "alert store unavailable (%s: %s); retrying", type(exc).__name__, exc
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            if failures:
                log.info("alert store available again after %d retries", failures)
            return result

    def route(self, change: AlertChange) -> None:
        """Offer a change to every channel that wants it; never waits."""
        for outbox in self.outboxes:
            if self._wants(outbox.spec, change):
                outbox.offer(change)
                self.counts["offered"] += 1

    def _wants(self, spec: ChannelSpec, change: AlertChange) -> bool:
        if spec.name == self.policy.provincial_channel:
            # the provincial centre hears of critical alerts only when they are escalated
            return change.change == Change.ESCALATED and change.alert.escalated_to[-1:] == (
                PROVINCIAL,
            )
        return spec.wants(change, self.centre_id)

    async def _escalate_loop(self, bus: Bus, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.escalate_once(bus)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.policy.interval)

    async def escalate_once(self, bus: Bus) -> list[AlertChange]:
        """One escalation pass at the clock's time; a store or bus failure is logged and the
        next pass tries again (what was not escalated is still overdue then)."""
        try:
            changes = await self.escalator.check(self.clock())
        except Exception:
            self.counts["escalation_failed"] += 1
            log.exception("escalation pass failed; retrying in %.0f s", self.policy.interval)
            return []
        for change in changes:
            self.route(change)
        self.counts["escalated"] += len(changes)
        if changes:
            payloads = [orjson.dumps(alert_change_to_json(c)) for c in changes]
            try:
                await bus.publish(self.topic, payloads)
            except Exception:
                log.exception("could not publish %d escalation(s) on the bus", len(changes))
        return changes


class DeliveryConfigError(ValueError):
    """`[[channels]]` or `[escalation]` of seagrid.toml is wrong; `problems` lists all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def delivery_config(sections: Mapping[str, Any]) -> tuple[list[ChannelSpec], EscalationPolicy]:
    """The channels and escalation policy of seagrid.toml's raw sections.

    Raises DeliveryConfigError with every problem of both sections at once.
    """
    problems: list[str] = []
    specs: list[ChannelSpec] = []
    try:
        specs = parse_channels(dict(sections))
    except ChannelConfigError as exc:
        problems += exc.problems
    names = {s.name for s in specs} if not problems else None
    policy = EscalationPolicy()
    try:
        policy = EscalationPolicy.from_sections(sections, names)
    except EscalationConfigError as exc:
        problems += exc.problems
    if problems:
        raise DeliveryConfigError(problems)
    return specs, policy


def dispatcher_from_config(
    config: SeagridConfig, store: AlertStore, **options: Any
) -> DispatcherStage:
    """The dispatcher a configuration directory describes; raises DeliveryConfigError."""
    specs, policy = delivery_config(config.sections)
    return DispatcherStage(store, config.centre.id, specs, policy, **options)
