"""The case service, its policy and the escalation sweeper of one web runtime.

Built once per runtime from its configuration (`[cases]`, `[[patrol_vessels]]`,
`[[channels]]`), its case store (memory in demo mode, PostgreSQL otherwise), its alert
store and live picture, and its clock (`WebRuntime.case_clock`, which tests control).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.alerts.channels import ChannelConfigError, ChannelSpec, open_channel, parse_channels
from services.alerts.channels.webhook import is_permanent
from services.alerts.model import iso_utc
from services.cases.assist import Fix
from services.cases.config import CasePolicy
from services.cases.model import PROVINCIAL_LEVEL
from services.cases.service import CaseService
from services.cases.store_api import CaseStore, DeliveryRecord, Escalation
from services.core.bus import Bus
from services.web.case_events import CaseEvent, CaseEvents
from services.web.case_push import case_json

if TYPE_CHECKING:
    from services.web.runtime import WebRuntime

log = logging.getLogger(__name__)


@dataclass(eq=False)
class CaseRuntime:
    service: CaseService
    policy: CasePolicy
    store: CaseStore
    sweeper: CaseSweeper
    events: CaseEvents

    @classmethod
    def build(cls, runtime: WebRuntime) -> CaseRuntime:
        config = runtime.config
        try:
            specs = parse_channels(config.sections)
        except ChannelConfigError:
            specs = []  # the dispatcher refuses to start with these; cases need no channel
        policy = CasePolicy.from_sections(config.sections, config.office_ids())
        picture = runtime.picture

        def fixes() -> Iterator[Fix]:
            for v in picture.placed():
                s = v.state
                if s.lat is not None and s.lon is not None:
                    yield Fix(s.mmsi, s.lat, s.lon, s.speed, s.shipname, v.seen_at)

        service = CaseService(
            runtime.case_store, config, policy, runtime.alerts, fixes, clock=runtime.case_clock
        )
        channel = next((s for s in specs if s.name == policy.provincial_channel), None)
        events = CaseEvents(runtime.hub, runtime.case_store, runtime.case_clock)
        sweeper = CaseSweeper(
            runtime, runtime.case_store, policy, runtime.case_clock, channel, events
        )
        return cls(service, policy, runtime.case_store, sweeper, events)


class CaseSweeper:
    """A stage: every `sweep_interval` seconds, escalate what is overdue at the clock's time.

    The state (which levels each case and instruction reached) is in the store, so a
    restarted process neither forgets nor repeats an escalation. Provincial escalations
    also go out through the configured provincial channel, with retries and a delivery
    record per attempt; the sweep never waits for them.
    """

    name = "case-escalation"

    def __init__(
        self,
        runtime: WebRuntime,
        store: CaseStore,
        policy: CasePolicy,
        clock: Callable[[], float] = time.time,
        channel: ChannelSpec | None = None,
        events: CaseEvents | None = None,
    ) -> None:
        self.runtime, self.store, self.policy, self.clock = runtime, store, policy, clock
        self.events = events or CaseEvents(runtime.hub, store, clock)
        self.spec = channel
        self.counts: Counter[str] = Counter()
        self._queue: asyncio.Queue[Escalation] = asyncio.Queue(maxsize=1000)

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        del bus
        sender = asyncio.create_task(self._deliver_loop(stop)) if self.spec else None
        try:
            while not stop.is_set():
                await self.sweep_once()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.policy.sweep_interval)
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender

    async def sweep_once(self, now: float | None = None) -> list[Escalation]:
        at = self.clock() if now is None else now
        try:
            done = await self.store.sweep(at, self.policy)
        except Exception:
            self.counts["failed"] += 1
            log.exception(
                "case escalation sweep failed; next one in %.0f s", self.policy.sweep_interval
            )
            return []
        events: list[CaseEvent] = []
        for e in done:
            self.counts[e.level] += 1
            if e.instruction is not None:
                events.append(self.events.push_instruction(e.instruction, e.case, at, "escalated"))
            events.append(self.events.push_case(e.case, at, "escalated", None, e.note))
            if e.level == PROVINCIAL_LEVEL and self.spec is not None:
                try:
                    self._queue.put_nowait(e)
                except asyncio.QueueFull:
                    self.counts["dropped"] += 1
        await self.events.notify(events)
        return done

    async def _deliver_loop(self, stop: asyncio.Event) -> None:
        assert self.spec is not None
        channel = open_channel(self.spec)
        try:
            while not stop.is_set():
                escalation = await self._queue.get()
                await self.deliver(channel, escalation)
        finally:
            await channel.close()

    async def deliver(self, channel: Any, e: Escalation) -> bool:
        """Send one escalation, retrying with back-off as the alert outboxes do."""
        assert self.spec is not None
        spec = self.spec
        payload = {
            "type": "case",
            "change": "escalated",
            "level": e.level,
            "at": iso_utc(e.at),
            "note": e.note,
            "instruction": e.instruction.to_json(e.at) if e.instruction else None,
            "case": case_json(e.case, e.at),
        }
        key = f"{e.case.id}:{e.instruction.id if e.instruction else ''}:{e.level}"
        for attempt in range(1, spec.max_attempts + 1):
            result = await channel.send(payload, key)
            record = DeliveryRecord(
                e.case.id,
                e.level,
                spec.name,
                attempt,
                result.ok,
                self.clock(),
                result.status_code,
                result.error,
            )
            with contextlib.suppress(Exception):
                await self.store.record_delivery(record)
            if result.ok:
                self.counts["delivered"] += 1
                return True
            if is_permanent(result):
                break
            await asyncio.sleep(min(spec.backoff_max, spec.backoff_initial * 2 ** (attempt - 1)))
        self.counts["undelivered"] += 1
        return False
