"""Case changes reach every web process, not only the one that made them.

With several web processes behind a balancer (compose runs two), a case changed through
one must show at once to the users connected to the others. The case store is the one
thing they share, so PostgreSQL carries the news: the process that made a change pushes
it to its own clients at once and sends `NOTIFY seagrid_cases` with the case's id (and
the instruction's); every other process LISTENs, reads the case back from the store and
pushes it to its clients. Only ids travel (a NOTIFY payload is limited to 8,000 bytes,
and the store holds the truth), and a listener whose connection drops (PostgreSQL
restarted) reconnects with back-off; changes made meanwhile show on the next list
refresh, as they did before this existed. The memory store (demo, one process) needs
none of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from services.cases.model import Case, Instruction
from services.cases.store_api import CaseStore
from services.core.bus import Bus
from services.web.case_push import push_case, push_instruction
from services.web.live import Hub

log = logging.getLogger(__name__)

CHANNEL = "seagrid_cases"


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """What the other processes need to push a change: ids and the words of the change."""

    case_id: str
    change: str
    actor: str | None = None
    note: str | None = None
    instruction_id: str | None = None  # set for an instruction's own message
    origin: str = ""

    def payload(self) -> str:
        return orjson.dumps(
            {
                "case": self.case_id,
                "change": self.change,
                "actor": self.actor,
                "note": self.note,
                "instruction": self.instruction_id,
                "origin": self.origin,
            }
        ).decode()

    @classmethod
    def parse(cls, payload: str) -> CaseEvent:
        """Raises ValueError for anything that is not one of our payloads."""
        data = orjson.loads(payload)
        if not isinstance(data, dict) or not isinstance(data.get("case"), str):
            raise ValueError("not a case event")
        if not isinstance(data.get("change"), str):
            raise ValueError("case event without a change")

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            data["case"],
            data["change"],
            text("actor"),
            text("note"),
            text("instruction"),
            text("origin") or "",
        )


class CaseEvents:
    """Pushes case changes here and, through PostgreSQL, in every other web process.

    Also a stage (`run`): the listener, in processes whose case store is PostgreSQL's.
    """

    name = "case-events"

    def __init__(
        self,
        hub: Hub,
        store: CaseStore,
        clock: Callable[[], float],
        *,
        queue_size: int = 1000,
        retry_max: float = 30.0,
    ) -> None:
        self.hub, self.store, self.clock = hub, store, clock
        self.pool: Any = getattr(store, "pool", None)  # PgCaseStore's asyncpg pool
        self.origin = uuid.uuid4().hex
        self.retry_max = retry_max
        self.counts: Counter[str] = Counter()
        self.listening = asyncio.Event()
        self._queue: asyncio.Queue[CaseEvent] = asyncio.Queue(maxsize=queue_size)

    async def case(
        self, case: Case, at: float, change: str, actor: str | None, note: str | None = None
    ) -> None:
        await self.notify([self.push_case(case, at, change, actor, note)])

    async def instruction(
        self, instruction: Instruction, case: Case, at: float, change: str
    ) -> None:
        await self.notify([self.push_instruction(instruction, case, at, change)])

    def push_case(
        self, case: Case, at: float, change: str, actor: str | None, note: str | None = None
    ) -> CaseEvent:
        """Push a case change to this process's clients; the event to `notify` the others."""
        push_case(self.hub, case, at, change, actor, note)
        return CaseEvent(case.id, change, actor, note, origin=self.origin)

    def push_instruction(
        self, instruction: Instruction, case: Case, at: float, change: str
    ) -> CaseEvent:
        """Push an instruction's change here; the event to `notify` the others."""
        push_instruction(self.hub, instruction, case, at, change)
        return CaseEvent(case.id, change, instruction_id=instruction.id, origin=self.origin)

    async def notify(self, events: Sequence[CaseEvent]) -> None:
        """Tell the other processes about `events` in one round trip, in their order.

        A sweep that catches up on thousands of escalations would otherwise cost as many
        round trips. PostgreSQL folds identical notifications of one transaction into one,
        which is harmless here: the listeners read the case back from the store.
        """
        if self.pool is None or not events:
            return
        try:
            await self.pool.execute(
                "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) "
                "ORDER BY i",
                CHANNEL,
                [event.payload() for event in events],
            )
            self.counts["sent"] += len(events)
        except Exception as exc:  # the changes are stored; others see them on their next refresh
            self.counts["send_failed"] += len(events)
            log.warning(
                "case %s%s: could not notify the other web processes: %s",
                events[0].case_id,
                f" and {len(events) - 1} more" if len(events) > 1 else "",
                exc,
            )

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        del bus
        if self.pool is None:
            return
        worker = asyncio.create_task(self._push_loop())
        try:
            await self._listen(stop)
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def _listen(self, stop: asyncio.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            try:
                async with self.pool.acquire() as conn:
                    await conn.add_listener(CHANNEL, self._received)
                    self.counts["listens"] += 1
                    self.listening.set()
                    if delay > 0.5:
                        log.info("case events: listening again")
                    delay = 0.5
                    try:
                        while not stop.is_set() and not conn.is_closed():
                            with contextlib.suppress(TimeoutError):
                                await asyncio.wait_for(stop.wait(), 1.0)
                    finally:
                        self.listening.clear()
                        if not conn.is_closed():
                            with contextlib.suppress(Exception):
                                await conn.remove_listener(CHANNEL, self._received)
            except Exception as exc:
                if stop.is_set():
                    return
                self.counts["listen_failed"] += 1
                if delay == 0.5:
                    log.warning("case events: listener lost (%s); retrying with back-off", exc)
            if stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(self.retry_max, delay * 2)

    def _received(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        del conn, pid, channel
        try:
            event = CaseEvent.parse(payload)
        except ValueError:
            self.counts["bad_payload"] += 1
            return
        if event.origin == self.origin:
            return  # pushed already, when it was made
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.counts["dropped"] += 1

    async def _push_loop(self) -> None:
        """One at a time, in the order PostgreSQL delivered them."""
        while True:
            event = await self._queue.get()
            try:
                await self._push(event)
            except Exception:
                self.counts["push_failed"] += 1
                log.exception("case events: could not push %s", event.case_id)

    async def _push(self, event: CaseEvent) -> None:
        case = await self.store.get(event.case_id)
        if case is None:
            self.counts["unknown_case"] += 1
            return
        at = self.clock()
        if event.instruction_id is not None:
            instruction = await self.store.get_instruction(event.instruction_id)
            if instruction is not None:
                push_instruction(self.hub, instruction, case, at, event.change)
                self.counts["received"] += 1
            return
        push_case(self.hub, case, at, event.change, event.actor, event.note)
        self.counts["received"] += 1
