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
from typing import Protocol

from services.core.bus import Bus, Delivery, dead_letter_topic

log = logging.getLogger(__name__)


class Stage(Protocol):
    name: str

    async def run(self, bus: Bus, stop: asyncio.Event) -> None: ...


async def run_stages(stages: Sequence[Stage], bus: Bus, stop: asyncio.Event) -> None:
    """Run stages concurrently until `stop` is set; a crash in one cancels the others."""
    async with asyncio.TaskGroup() as group:
        for stage in stages:
            group.create_task(stage.run(bus, stop), name=f"stage:{stage.name}")


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
) -> None:
    """Read batches from `topic` and hand them to `handler` until `stop` is set.

    A batch is acknowledged once the handler returns. If the handler raises, the batch is
    handled again record by record so one poison record cannot hold back its neighbours;
    records that still fail stay pending and are redelivered, then dead-lettered by the bus
    after `max_attempts`. Nothing raised by a handler escapes this loop.
    """
    await bus.ensure_group(topic, group)
    while not stop.is_set():
        batch = await bus.read(topic, group, consumer, count=count, block=block)
        if not batch:
            continue
        try:
            await handler(batch)
        except Exception:
            log.exception(
                "%s/%s: batch of %d failed, retrying one by one", topic, group, len(batch)
            )
            batch = await _handle_singly(handler, batch, topic)
        await bus.ack(topic, group, [d.id for d in batch])


async def _handle_singly(handler: Handler, batch: list[Delivery], topic: str) -> list[Delivery]:
    """Handle records one at a time; return those that succeeded (to be acknowledged)."""
    done = []
    for delivery in batch:
        try:
            await handler([delivery])
        except Exception:
            log.warning(
                "%s: record %s failed (attempt %d); it will go to %s after the last attempt",
                topic,
                delivery.id,
                delivery.attempts,
                dead_letter_topic(topic),
            )
            continue
        done.append(delivery)
    return done
