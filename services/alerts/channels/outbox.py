"""One channel's outbox: a bounded queue, retries with exponential back-off, receipts.

The dispatcher only `offer()`s changes, which never waits: a slow or dead channel cannot
hold up the pipeline or the other channels. When the queue is full the oldest change is
dropped (and counted): during an outage the newest alerts are the ones worth delivering
once the receiver is back. Every attempt, failed or not, is recorded as a
`DeliveryReceipt` on the alert; a failure to record one is logged and does not stop delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable

from services.alerts.channels.base import (
    Channel,
    ChannelSpec,
    SendResult,
    idempotency_key,
    payload_of,
)
from services.alerts.channels.webhook import is_permanent
from services.alerts.model import AlertChange
from services.alerts.store_api import DeliveryReceipt

log = logging.getLogger(__name__)

Recorder = Callable[[DeliveryReceipt], Awaitable[None]]


class Outbox:
    def __init__(
        self,
        channel: Channel,
        spec: ChannelSpec,
        record: Recorder,
        *,
        clock: Callable[[], float] = time.time,
        drain_timeout: float = 5.0,
    ) -> None:
        self.channel, self.spec, self.record = channel, spec, record
        self.clock = clock
        self.drain_timeout = drain_timeout
        self.counts: Counter[str] = Counter()
        self._queue: deque[tuple[AlertChange, int]] = deque()  # (change, attempts made)
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._queue)

    def offer(self, change: AlertChange) -> None:
        """Queue a change for delivery; never waits. Drops the oldest when full."""
        if len(self._queue) >= self.spec.queue_size:
            dropped, _ = self._queue.popleft()
            self.counts["dropped"] += 1
            if self.counts["dropped"] == 1 or self.counts["dropped"] % 1000 == 0:
                log.warning(
                    "channel %s: queue full (%d), dropped %s (%d dropped so far)",
                    self.spec.name,
                    self.spec.queue_size,
                    idempotency_key(dropped),
                    self.counts["dropped"],
                )
        self._queue.append((change, 0))
        self._ready.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop`; then try what is queued once more, for `drain_timeout` s."""
        while not stop.is_set():
            if not self._queue:
                self._ready.clear()
                await _first(self._ready, stop)
                continue
            await self._deliver(*self._queue.popleft(), stop)
        await self._drain()
        await self.channel.close()

    async def _deliver(self, change: AlertChange, tried: int, stop: asyncio.Event) -> None:
        payload, key = payload_of(change), idempotency_key(change)
        for attempt in range(tried + 1, self.spec.max_attempts + 1):
            result = await self._attempt(change, payload, key, attempt)
            if result.ok:
                self.counts["delivered"] += 1
                return
            if is_permanent(result) or attempt == self.spec.max_attempts:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._backoff(attempt))
            if stop.is_set():
                self._queue.appendleft((change, attempt))  # the drain tries it once more
                return
        self.counts["failed"] += 1
        log.warning("channel %s: gave up on %s (%s)", self.spec.name, key, result.error)

    async def _attempt(
        self, change: AlertChange, payload: dict[str, object], key: str, attempt: int
    ) -> SendResult:
        started = time.monotonic()
        try:
            result = await self.channel.send(payload, key)
        except Exception as exc:  # a channel bug must not end the outbox
            log.exception("channel %s: send raised", self.spec.name)
            result = SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        self.counts["attempts"] += 1
        latency = (time.monotonic() - started) * 1000.0
        receipt = DeliveryReceipt(
            alert_id=change.alert.id,
            change=change.change,
            channel=self.spec.name,
            attempt=attempt,
            ok=result.ok,
            at=self.clock(),
            status_code=result.status_code,
            latency_ms=round(latency, 3),
            error=result.error,
        )
        try:
            await self.record(receipt)
        except Exception:
            self.counts["receipt_failed"] += 1
            log.warning("channel %s: could not record a receipt", self.spec.name, exc_info=True)
        return result

    def _backoff(self, attempt: int) -> float:
        return float(min(self.spec.backoff_max, self.spec.backoff_initial * 2 ** (attempt - 1)))

    async def _drain(self) -> None:
        deadline = time.monotonic() + self.drain_timeout
        while self._queue and time.monotonic() < deadline:
            change, tried = self._queue.popleft()
            key = idempotency_key(change)
            result = await self._attempt(change, payload_of(change), key, tried + 1)
            self.counts["delivered" if result.ok else "failed"] += 1
        if self._queue:
            self.counts["failed"] += len(self._queue)
            log.warning("channel %s: stopped with %d undelivered", self.spec.name, len(self))
            self._queue.clear()


async def _first(ready: asyncio.Event, stop: asyncio.Event) -> None:
    """Wait until either event is set."""
    waits = [asyncio.ensure_future(ready.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
