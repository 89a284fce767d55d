"""The alerts stage: positions, static reports and safety messages in; alert changes out.

Consumes CELL_POSITIONS (from gridding), STATIC and MESSAGES (from ingest) and operator
commands (ALERT_COMMANDS, from the web), runs them through the RuleEngine and the AlertBook
(in event-time order, see processor.py) and publishes every pipeline change (raised,
updated, cleared) on ALERTS. Operator changes are not published again: the web has
written them to the store already; the book only needs to know of them.

One task reads all four topics so that the order of work is decided here and not by the
scheduler: before a batch of positions is handled, every static report and message that
has arrived is buffered, so the processor can put them in their place by event time.

Partitions (services/core/partitions.py): given `partition` I/N the stage reads only its
vessels' streams, ignores operator commands about other partitions' vessels, and shares
its vessels under way with the other partitions for close quarters (pairs.py). It runs a
tick only once the other partitions' watermarks have reached it: positions past that wait
(lockstep.py, held.py: unacknowledged) while the stage keeps reading the picture. After `idle_after`
seconds with nothing to read, and nothing unread or unacknowledged upstream (`upstream`:
gridding's group on the partition's positions), it tells the others not to wait for it (and
says so again every few `idle_after`, for a partition started meanwhile); a partition not
heard from for `give_up_after` seconds (its process down) is not waited for. With a
`checkpoint` its state is snapshotted with the input offsets (snapshot.py, and
services/core/snapshot.py for the consistency argument) and restored by the next owner;
positions identical to the vessel's last one (republished by a restarted gridding) are
then dropped as duplicates.

With `publish_accepted`, the positions the rules accepted (position jumps removed) go out
on ACCEPTED_POSITIONS: `seagrid replay --positions-out` writes them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from services.alerts import snapshot
from services.alerts.lifecycle import AlertBook
from services.alerts.lockstep import Lockstep
from services.alerts.model import alert_change_to_json, command_from_json
from services.alerts.pairs import SharedPicture
from services.alerts.processor import DEFAULT_TICK_INTERVAL, AlertProcessor, Output, Rules
from services.alerts.routing import Router
from services.alerts.timing import AlertTiming
from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.codec import CodecError, decode, encode, records_of
from services.core.config import SeagridConfig
from services.core.partitions import WHOLE, PartitionSpec, owner_view
from services.core.snapshot import Checkpoint, done_with, fresh_of
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
        partition: PartitionSpec = WHOLE,
        checkpoint: Checkpoint | None = None,
        idle_after: float = 2.0,
        upstream: tuple[str, str] | None = None,
        give_up_after: float | None = 30.0,
    ) -> None:
        """Raises ThresholdError / TimingError for bad rule settings in `config`.

        `live`: the information centre's snapshot at start (watchlist, waterworks, modes);
        later ones arrive on INFOCENTRE (services/infocentre/live.py).
        `idle_after`, `upstream` (topic, group), `give_up_after`: with partitions, when
        this one tells the others not to wait for it, and when it stops waiting for one
        (module doc).
        """
        if rules is None:
            from services.alerts.evaluator import RuleEngine
            from services.alerts.thresholds import Thresholds

            rules = RuleEngine(config, Thresholds.from_config(config))
        if book is None:
            book = AlertBook(Router.from_config(config), AlertTiming.from_config(config))
        self.processor = AlertProcessor(rules, book, tick_interval)
        self.publish_accepted = publish_accepted
        self.partition, self.checkpoint = partition, checkpoint
        self.group, self.consumer = group + partition.suffix, consumer + partition.suffix
        self.picture: SharedPicture | None = None
        if partition.count > 1:
            th = getattr(rules, "thresholds", None)
            max_age = getattr(th, "close_quarters_max_age_s", 600.0)
            min_speed = getattr(th, "close_quarters_min_speed_kn", 0.0)
            coverage = getattr(rules, "coverage", None)
            self.picture = SharedPicture(partition, float(max_age), coverage, float(min_speed))
            if hasattr(rules, "pair_scope"):
                rules.pair_scope = self.picture
        self.lockstep: Lockstep | None = None
        if self.picture is not None:
            self.lockstep = Lockstep(self.picture, self.processor, idle_after, give_up_after)
        self.upstream = upstream
        self._last: dict[int, CellPosition] = {}  # per vessel: newest position applied
        # per vessel with held positions: its newest position before them (None: none)
        self._before_held: dict[int, CellPosition | None] = {}
        self.count, self.block = count, block
        self.counters: Counter[str] = Counter()
        self.live_version = -1
        if live is not None:
            self.apply_live(live)

    @property
    def book(self) -> AlertBook:
        return self.processor.book

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        """Handle input until `stop` is set; then apply what is still buffered and return.

        With a checkpoint the buffer is not applied but snapshotted: the next owner applies
        it in its place among the positions still to come.
        """
        bus = owner_view(bus, self.partition)
        cp = self.checkpoint
        if cp is not None:
            state = await cp.restore(snapshot.CLASSES)
            if state is not None:
                self.restore_state(state)
        for topic in self._inputs():
            await bus.ensure_group(topic, self.group)
        while not stop.is_set():
            handled = await self.step(bus, self.block)
            if cp is not None:
                await cp.save_if_due(bus, self.snapshot_state, idle=not handled)
        if cp is not None:
            await cp.save(bus, self.snapshot_state)
            return
        if self.lockstep is not None and self.lockstep.held.waiting():
            await self._advance(bus, math.inf)  # no snapshot to keep them in: handle them now
        await self._publish(bus, self.processor.finish())

    def _inputs(self) -> tuple[str, ...]:
        return INPUT_TOPICS if self.picture is None else (*INPUT_TOPICS, topics.PICTURE)

    def snapshot_state(self) -> dict[str, Any]:
        state = snapshot.processor_state(self.processor)
        state["stage"] = {
            "last": self._last_applied(),
            "counters": dict(self.counters),
            "picture": None if self.picture is None else self.picture.snapshot_state(),
        }
        return state

    def _last_applied(self) -> dict[int, CellPosition]:
        """`_last` without the held positions: they are not in the snapshot's state, and
        redelivered after a crash they must not be taken for repeats."""
        if not self._before_held:
            return self._last
        last = dict(self._last)
        for mmsi, before in self._before_held.items():
            if before is None:
                last.pop(mmsi, None)
            else:
                last[mmsi] = before
        return last

    def restore_state(self, state: dict[str, Any]) -> None:
        snapshot.restore_processor(self.processor, state)
        stage = state["stage"]
        self._last = stage["last"]
        self.counters.update(stage["counters"])
        if self.picture is not None and stage["picture"] is not None:
            self.picture.restore_state(stage["picture"])

    async def step(self, bus: Bus, block: float) -> int:
        """One round over the inputs; returns how many records were handled."""
        handled = await self._read(bus, topics.ALERT_COMMANDS, self._on_commands, 0)
        handled += await self._read(bus, topics.INFOCENTRE, self._on_live, 0)
        if self.picture is not None:
            handled += await self._read(bus, topics.PICTURE, self._on_picture, 0)
        handled += await self._buffer_side_inputs(bus)
        lockstep = self.lockstep
        if lockstep is not None and lockstep.held.waiting():
            return handled + await self._wait(bus, lockstep, block)
        batch = await bus.read(
            topics.CELL_POSITIONS, self.group, self.consumer, count=self.count, block=block
        )
        if lockstep is not None:
            await self._note_input(bus, lockstep, bool(batch))
        if batch and lockstep is not None:
            handled += await self._buffer_side_inputs(bus)
            handled += await self._read(bus, topics.INFOCENTRE, self._on_live, 0)
            self._hold(lockstep, batch)
            await self._advance(bus, lockstep.horizon())
        elif batch:
            # Static reports and messages published before these positions are on the bus
            # by now (ingest publishes a flush's topics back to back): buffer them first.
            handled += await self._buffer_side_inputs(bus)
            # Likewise a live-data change published before them applies before them.
            handled += await self._read(bus, topics.INFOCENTRE, self._on_live, 0)
            await self._on_positions(bus, self._fresh(topics.CELL_POSITIONS, batch))
            await self._done(bus, topics.CELL_POSITIONS, batch)
        return handled + len(batch)

    async def _wait(self, bus: Bus, lockstep: Lockstep, block: float) -> int:
        """Held positions: go on as far as the others' watermarks allow, else wait for
        their next picture entry (reading nothing else meanwhile)."""
        before = len(lockstep.held)
        await self._advance(bus, lockstep.horizon())
        if lockstep.held.waiting() and len(lockstep.held) == before:
            batch = await bus.read(
                topics.PICTURE, self.group, self.consumer, count=self.count, block=block
            )
            if batch:
                fresh = self._fresh(topics.PICTURE, batch)
                if fresh:
                    await self._on_picture(bus, fresh)
                await self._done(bus, topics.PICTURE, batch)
            return len(batch)
        return before - len(lockstep.held)

    def _hold(self, lockstep: Lockstep, batch: list[Delivery]) -> None:
        """Queue a batch's positions; deliveries the restored state has are queued empty,
        to be acknowledged in their turn."""
        bad = self._bad("bad_position")
        fresh = {d.id for d in self._fresh(topics.CELL_POSITIONS, batch)}
        for delivery in batch:
            positions: list[CellPosition] = []
            if delivery.id in fresh:
                positions = records_of([delivery], CellPosition, bad)
                if self.checkpoint is not None:
                    for p in positions:
                        self._before_held.setdefault(p.mmsi, self._last.get(p.mmsi))
                    positions = self._new_positions(positions)
            lockstep.held.add(delivery, positions)

    async def _advance(self, bus: Bus, horizon: float) -> None:
        """Handle held positions as far as `horizon`; publish the alert changes, then the
        picture entries, before returning (a partition waiting for ours can go on)."""
        assert self.lockstep is not None
        out, done, entries = self.lockstep.advance(horizon)
        if not self.lockstep.held.positions:
            self._before_held.clear()  # `_last` is all applied again
        await self._done(bus, topics.CELL_POSITIONS, done)
        await self._publish(bus, out)
        if entries:
            await bus.publish(topics.PICTURE, [encode(e) for e in entries])

    async def _note_input(self, bus: Bus, lockstep: Lockstep, arrived: bool) -> None:
        """Once we have had nothing to read for a while and nothing is unread or
        unacknowledged upstream (a gridding being restarted is not quiet): run the ticks
        the others drove meanwhile, and say we are idle."""
        now = time.monotonic()
        if not lockstep.quiet(arrived, now):
            return
        if self.upstream is not None:
            topic, group = self.upstream
            if await bus.lag(topic, group) or await bus.pending(topic, group):
                return
        out, entries = lockstep.catch_up(now)
        await self._publish(bus, out)
        if entries:
            await bus.publish(topics.PICTURE, [encode(e) for e in entries])
            self.counters["idle_announced"] += 1

    def _fresh(self, topic: str, batch: list[Delivery]) -> list[Delivery]:
        return fresh_of(self.checkpoint, topic, batch)

    async def _done(self, bus: Bus, topic: str, batch: list[Delivery]) -> None:
        await done_with(bus, self.checkpoint, topic, self.group, batch)

    async def _buffer_side_inputs(self, bus: Bus) -> int:
        handled = await self._read(bus, topics.STATIC, self._on_statics, 0)
        return handled + await self._read(bus, topics.MESSAGES, self._on_messages, 0)

    async def _read(self, bus: Bus, topic: str, handler: Any, block: float) -> int:
        total = 0
        while True:
            batch = await bus.read(topic, self.group, self.consumer, count=self.count, block=block)
            if not batch:
                return total
            fresh = self._fresh(topic, batch)
            if fresh:
                await handler(bus, fresh)
            await self._done(bus, topic, batch)
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
            if command.mmsi is not None and not self.partition.owns(command.mmsi):
                continue  # another partition's vessel: its owner applies it
            self.processor.command(command)

    async def _on_picture(self, _bus: Bus, batch: list[Delivery]) -> None:
        assert self.picture is not None
        for delivery in batch:
            try:
                self.picture.apply(decode(delivery.payload))
            except (CodecError, ValueError, TypeError) as exc:
                self._reject("bad_picture", delivery, exc)

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
        if self.checkpoint is not None:
            positions = self._new_positions(positions)
        await self._publish(bus, self.processor.process(positions))

    def _new_positions(self, positions: list[CellPosition]) -> list[CellPosition]:
        """Without the repeats of each vessel's newest position: a gridding that restarted
        from its snapshot publishes again what it had published after it (at least once).
        Older repeats need no filter: the rules take a report older than the track's as
        late data that changes nothing."""
        last = self._last
        out = []
        for p in positions:
            seen = last.get(p.mmsi)
            if seen is not None and p == seen:
                self.counters["duplicates"] += 1
                continue
            if seen is None or p.ts >= seen.ts:
                last[p.mmsi] = p
            out.append(p)
        if len(last) > 2 * len(getattr(self.processor.rules, "tracks", last)) + 1024:
            tracks = getattr(self.processor.rules, "tracks", last)
            self._last = {m: p for m, p in last.items() if m in tracks}
        return out

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
            "partition": str(self.partition),
            **(self.checkpoint.status() if self.checkpoint is not None else {}),
            **(self.lockstep.status() if self.lockstep is not None else {}),
            "open_alerts": len(self.book.open_alerts()),
            "pending": self.book.pending(),
            "silences": len(self.book.silences),
            **self.processor.counters,
            **self.counters,
            "faults": self.processor.faults.total(),
            **{f"fault_{reason}": n for reason, n in self.processor.faults.counts.items()},
        }
