"""Running stages: in one process together, or each alone.

A stage is anything with a `name` and `async run(bus, stop)`. It returns when `stop` is set
(after flushing what it holds) and raises only for a fault it cannot survive. The runner
owns signals and the event loop; stages never install signal handlers themselves, so the
same stage can be embedded in the web app's lifespan or run by `seagrid run STAGE`.

If one stage crashes, the others are cancelled and the error propagates: a half-running
pipeline that silently stopped gridding is worse than a process that exits and is restarted.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from services.core.bus import Bus, Delivery
from services.core.faults import Faults, reason_of

log = logging.getLogger(__name__)


class Stage(Protocol):
    name: str

    async def run(self, bus: Bus, stop: asyncio.Event) -> None: ...


async def run_stages(stages: Sequence[Stage], bus: Bus, stop: asyncio.Event) -> None:
    """Run stages concurrently until they return; a crash in one cancels the others.

    The crashing stage's own exception propagates (not an ExceptionGroup), so the entry point
    can report it in one line and exit non-zero; `except*` still matches it.
    """
    try:
        async with asyncio.TaskGroup() as group:
            for stage in stages:
                group.create_task(_run_stage(stage, bus, stop), name=f"stage:{stage.name}")
    except BaseExceptionGroup as crash:
        raise crash.exceptions[0] from None


async def _run_stage(stage: Stage, bus: Bus, stop: asyncio.Event) -> None:
    try:
        await stage.run(bus, stop)
    except asyncio.CancelledError:
        raise
    except BaseException:
        log.exception("stage %s crashed; stopping the others", stage.name)
        raise
    log.info("stage %s finished", stage.name)


def install_signal_handlers(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop`, so stages flush what they hold before exiting."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


Handler = Callable[[list[Delivery]], Awaitable[None]]


async def consume(
    bus: Bus,
    topic: str,
    group: str,
    consumer: str,
    handler: Handler,
    stop: asyncio.Event,
    *,
    count: int = 512,
    block: float = 0.2,
    faults: Faults | None = None,
) -> None:
    """Read batches from `topic` and hand them to `handler` until `stop` is set.

    A batch is acknowledged once the handler returns. If the handler raises, the batch is
    handled again record by record so one poison record cannot hold back its neighbours
    (records handled before the failure are handled twice: handlers must be idempotent);
    records that still fail stay pending and are redelivered after `claim_idle`, then
    dead-lettered by the bus after `max_attempts`. Nothing a handler raises (short of
    cancellation) escapes this loop; a `BusError` does, so a lost bus takes the stage down.
    `stop` is checked between reads, so the loop ends within `block` seconds of it.
    """
    await bus.ensure_group(topic, group)
    faults = Faults(f"{topic}/{group}", log) if faults is None else faults
    while not stop.is_set():
        batch = await bus.read(topic, group, consumer, count=count, block=block)
        if batch:
            done = await handle_batch(handler, batch, faults)
            await bus.ack(topic, group, [d.id for d in done])


async def handle_batch(handler: Handler, batch: list[Delivery], faults: Faults) -> list[Delivery]:
    """Handle a batch; return the deliveries that were handled (to be acknowledged).

    A failing batch is retried record by record, as `consume` does; for stages that run
    their own read loop (snapshotting stages, services/core/snapshot.py).
    """
    try:
        await handler(batch)
    except Exception as exc:
        if len(batch) == 1 and batch[0].size == 1:
            _failed(faults, batch[0], exc)
            return []
        faults.record(reason_of("batch", exc), exc, f"{len(batch)} records, retried one by one")
        return await _handle_singly(handler, batch, faults)
    return batch


async def _handle_singly(handler: Handler, batch: list[Delivery], faults: Faults) -> list[Delivery]:
    """Handle records one at a time, so one poison record cannot hold back its neighbours.

    A batch entry of the in-process bus is split into its records too; it is acknowledged
    only when every one of them went through (so it is redelivered, and in the end
    dead-lettered, whole: its good records are handled again, which handlers allow).
    """
    done = []
    for delivery in batch:
        ok = True
        for one in _singles(delivery):
            try:
                await handler([one])
            except Exception as exc:
                _failed(faults, one, exc)
                ok = False
        if ok:
            done.append(delivery)
    return done


def _singles(delivery: Delivery) -> list[Delivery]:
    if delivery.records is None or len(delivery.records) < 2:
        return [delivery]
    return [replace(delivery, records=(record,)) for record in delivery.records]


def _failed(faults: Faults, delivery: Delivery, exc: Exception) -> None:
    """Counted and logged (rate-limited); the record stays pending, is redelivered and
    goes to the dead-letter topic after the bus's last attempt."""
    faults.record(reason_of("record", exc), exc, f"{delivery.id} attempt {delivery.attempts}")
