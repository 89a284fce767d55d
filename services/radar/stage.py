"""The fusion stage: radar targets and AIS positions in; radar track states and the radar
rules' alert changes out.

Consumes RADAR (from ingest), CELL_POSITIONS (AIS with cell, from gridding) and
ALERT_COMMANDS (operators' actions on radar alerts); publishes FUSION (one TrackState per
track and scan, for the web's radar picture) and ALERTS (raised, updated, cleared, through
its own AlertBook with the same routing and lifecycle as the AIS rules: the dispatcher and
the web cannot tell the difference).

Event-time order (deterministic replays): a radar scan at t is processed just before the
first AIS position later than t, after every AIS position up to t. With N partitions
(`partitions`), "later than t" must hold for every partition's AIS: the partitions' streams
are read in turn, so one may be ahead of another (watermarks.py). Radar comes straight
from ingest and AIS through gridding, so every round reads radar first: when an AIS batch
arrives, the scans before it are already buffered. Live, a scan that has waited
`max_wait` seconds of wall time while no AIS arrived at all is processed anyway (a
radar-only deployment, or AIS feeds down); `replay` sets no such limit. While AIS keeps
arriving, however far behind the scans in time (gridding catching up after a restart, a
backlog on a busy machine), the scans wait for it: processing one without the AIS
positions of its time would take every vessel for a radar-only target and raise false
`radar_only` alerts. At most `max_pending` scans wait (memory); past that the oldest go
ahead.

With a `checkpoint` (`seagrid run alerts`) the stage snapshots its state with its input
offsets and acknowledges input only once a snapshot holding its effect is written, as the
alerts stage does (services/core/snapshot.py for the argument, snapshot.py here for what
is kept): a killed process restarted from the snapshot skips the redelivered records the
state already reflects and continues fusion where it stopped, raising no radar alert twice
and missing none. On stop it saves instead of running the waiting scans: the next owner
runs them in their place among the AIS positions still to come.

Live, a partition whose AIS has been silent for `max_wait` seconds is not waited for.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import time
from collections import Counter
from collections.abc import Iterable
from functools import partial
from typing import Any

from services.alerts.lifecycle import AlertBook, CommandError
from services.alerts.model import (
    Action,
    Alert,
    AlertChange,
    alert_change_to_json,
    command_from_json,
)
from services.alerts.routing import Router
from services.alerts.timing import AlertTiming
from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.codec import CodecError, decode, encode, records_of
from services.core.config import SeagridConfig
from services.core.snapshot import Checkpoint, done_with, fresh_of
from services.core.types import CellPosition
from services.gridding.grid import Grid
from services.radar import snapshot
from services.radar.config import RadarConfig
from services.radar.fusion import FusionEngine, ScanResult
from services.radar.nmea import RadarReport
from services.radar.rules import POSITION_MISMATCH, RADAR_ONLY
from services.radar.watermarks import AisWatermarks

log = logging.getLogger(__name__)

RADAR_RULES = frozenset({RADAR_ONLY, POSITION_MISMATCH})
INPUT_TOPICS = (topics.ALERT_COMMANDS, topics.RADAR, topics.CELL_POSITIONS)
PRUNE_EVERY_S = 600.0


class RadarBook(AlertBook):
    """The AlertBook of the radar rules: takes over only their open alerts at start-up."""

    def restore(self, alerts: Iterable[Alert]) -> None:
        super().restore(a for a in alerts if a.rule in RADAR_RULES)


class FusionStage:
    name = "fusion"

    def __init__(
        self,
        config: SeagridConfig,
        *,
        max_wait: float | None = 2.0,
        max_pending: int = 2000,
        group: str = "fusion",
        consumer: str = "fusion-1",
        count: int = 4096,
        block: float = 0.2,
        publish_states: bool = True,
        checkpoint: Checkpoint | None = None,
        partitions: int = 1,
    ) -> None:
        """Raises RadarConfigError / TimingError for bad settings in `config`.

        `publish_states` False: no track states on FUSION (a replay has no radar picture
        to feed; encoding a state per track and scan was a tenth of its fusion time).
        `partitions`: N of `[bus] partitions`, the AIS watermarks to wait for."""
        self.radar_config = RadarConfig.from_config(config)
        grid = Grid(config.cells)
        self.engine = FusionEngine(self.radar_config, _cell_lookup(grid), states=publish_states)
        self.book = RadarBook(Router.from_config(config), AlertTiming.from_config(config))
        self.max_wait, self.max_pending = max_wait, max_pending
        self._ais_at = float("-inf")  # monotonic time of the last AIS batch
        self.group, self.consumer, self.count, self.block = group, consumer, count, block
        self.counters: Counter[str] = Counter()
        self._scans: dict[tuple[float, str], list[RadarReport]] = {}
        # keys of _scans in time order; a key already run (by _stale) is skipped when popped
        self._queue: list[tuple[float, str]] = []
        self._arrived: dict[tuple[float, str], float] = {}
        self._next_prune = 0.0
        self.publish_states = publish_states
        self.checkpoint = checkpoint
        # per partition: the newest AIS read, and positions held behind a waiting scan
        self.watermarks = AisWatermarks(partitions, max_wait)

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        cp = self.checkpoint
        if cp is not None:
            state = await cp.restore(snapshot.CLASSES)
            if state is not None:
                self.restore_state(state)
        for topic in INPUT_TOPICS:
            await bus.ensure_group(topic, self.group)
        while not stop.is_set():
            handled = await self.step(bus, self.block)
            if cp is not None:
                await cp.save_if_due(bus, self.snapshot_state, idle=not handled)
        if cp is not None:
            await cp.save(bus, self.snapshot_state)
            return
        await self._read(bus, topics.RADAR, self._on_radar)
        await self._publish(bus, self._due(float("inf")))

    def snapshot_state(self) -> dict[str, Any]:
        return snapshot.fusion_state(self.engine, self.book, self)

    def restore_state(self, state: dict[str, Any]) -> None:
        snapshot.restore_fusion(self.engine, self.book, self, state)
        now = time.monotonic()  # the old process's clock means nothing here
        self._arrived = dict.fromkeys(self._scans, now)

    async def step(self, bus: Bus, block: float) -> int:
        handled = await self._read(bus, topics.ALERT_COMMANDS, self._on_commands)
        handled += await self._read(bus, topics.RADAR, self._on_radar)
        batch = await bus.read(
            topics.CELL_POSITIONS, self.group, self.consumer, count=self.count, block=block
        )
        if batch:
            self._ais_at = time.monotonic()
            handled += await self._read(bus, topics.RADAR, self._on_radar)
            await self._on_positions(bus, self._fresh(topics.CELL_POSITIONS, batch))
            await self._done(bus, topics.CELL_POSITIONS, batch)
        if self.max_wait is not None and self._scans:
            now = time.monotonic()
            if now - self._ais_at >= self.max_wait:  # AIS silent: scans waited long enough
                await self._publish(bus, self._stale(now - self.max_wait))
            elif len(self._scans) > self.max_pending:
                await self._publish(bus, self._oldest(len(self._scans) - self.max_pending))
        return handled + len(batch)

    async def _read(self, bus: Bus, topic: str, handler: Any) -> int:
        total = 0
        while True:
            batch = await bus.read(topic, self.group, self.consumer, count=self.count, block=0)
            if not batch:
                return total
            fresh = self._fresh(topic, batch)
            if fresh:
                handler(fresh)
            await self._done(bus, topic, batch)
            total += len(batch)

    def _fresh(self, topic: str, batch: list[Delivery]) -> list[Delivery]:
        return fresh_of(self.checkpoint, topic, batch)

    async def _done(self, bus: Bus, topic: str, batch: list[Delivery]) -> None:
        await done_with(bus, self.checkpoint, topic, self.group, batch)

    def _on_radar(self, batch: list[Delivery]) -> None:
        now = time.monotonic()
        # records_of: a batch of records on the in-process bus, one encoded record on Redis
        for report in records_of(batch, RadarReport, partial(self._reject, "bad_radar")):
            if report.ts is None or report.radar is None:
                self.counters["radar_without_time_or_source"] += 1
                continue
            key = (report.ts, report.radar)
            reports = self._scans.get(key)
            if reports is None:
                reports = self._scans[key] = []
                heapq.heappush(self._queue, key)
            reports.append(report)
            self._arrived.setdefault(key, now)

    def _on_commands(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            try:
                command = command_from_json(decode(delivery.payload))
            except (CodecError, ValueError, KeyError, TypeError) as exc:
                self._reject("bad_command", delivery, exc)
                continue
            silences = command.action in (Action.SILENCE, Action.UNSILENCE)
            if command.rule not in RADAR_RULES and not silences:
                continue  # an AIS rule's alert: the alerts stage's book handles it
            try:
                self.book.command(command)
            except (CommandError, ValueError) as exc:
                log.info("fusion: operator command not applied: %s", exc)

    async def _on_positions(self, bus: Bus, batch: list[Delivery]) -> None:
        # records_of: a batch of records on the in-process bus, one encoded record on Redis
        positions = records_of(batch, CellPosition, partial(self._reject, "bad_position"))
        now = time.monotonic()
        self.watermarks.add(positions, now)
        await self._publish(bus, self._due(self.watermarks.bound(now)))

    def _due(self, before: float) -> tuple[list[AlertChange], list[bytes]]:
        """Run the scans earlier than `before`, each after the AIS positions up to its
        time; then hand the engine the positions before the first scan still waiting."""
        changes: list[AlertChange] = []
        states: list[bytes] = []
        queue = self._queue
        while queue and queue[0][0] < before:
            key = heapq.heappop(queue)
            if key in self._scans:
                self._run_scan(key, changes, states)
        self._settle()
        return changes, states

    def _settle(self) -> None:
        """Hand the engine the held positions before the first scan still waiting."""
        queue = self._queue
        while queue and queue[0] not in self._scans:  # run already (by _stale, _oldest)
            heapq.heappop(queue)
        self._admit(queue[0][0] if queue else math.inf)

    def _admit(self, upto: float) -> None:
        """Give the engine the held AIS positions at or before `upto`."""
        add = self.engine.add_position
        for p in self.watermarks.release(upto):
            add(p)

    def _stale(self, arrived_before: float) -> tuple[list[AlertChange], list[bytes]]:
        changes: list[AlertChange] = []
        states: list[bytes] = []
        old = [k for k, at in self._arrived.items() if at <= arrived_before]
        if old:
            latest = max(old)[0]  # everything up to the stale scan, in time order
            for key in sorted(k for k in self._scans if k[0] <= latest):
                self._run_scan(key, changes, states)
            self._settle()
        return changes, states

    def _oldest(self, count: int) -> tuple[list[AlertChange], list[bytes]]:
        changes: list[AlertChange] = []
        states: list[bytes] = []
        for key in sorted(self._scans)[:count]:
            self._run_scan(key, changes, states)
        self._settle()
        return changes, states

    def _run_scan(
        self, key: tuple[float, str], changes: list[AlertChange], states: list[bytes]
    ) -> None:
        ts, radar = key
        self._admit(ts)  # every AIS position up to the scan's time, none after it
        reports = self._scans.pop(key)
        self._arrived.pop(key, None)
        result: ScanResult = self.engine.scan(radar, ts, reports)
        changes += self.book.observe(result.observations)
        changes += self.book.advance(ts)
        if self.publish_states:
            states += [encode(s) for s in result.states]
        if ts >= self._next_prune:
            self._next_prune = ts + PRUNE_EVERY_S
            self.engine.prune(ts)

    async def _publish(self, bus: Bus, found: tuple[list[AlertChange], list[bytes]]) -> None:
        await self._send(bus, *found)

    async def _send(self, bus: Bus, changes: list[AlertChange], states: list[bytes]) -> None:
        if states:
            await bus.publish(topics.FUSION, states)
            self.counters["track_states"] += len(states)
        if changes:
            await bus.publish(topics.ALERTS, [encode(alert_change_to_json(c)) for c in changes])
            self.counters.update(f"{c.alert.rule}_{c.change}" for c in changes)

    def _reject(self, reason: str, delivery: Delivery, detail: object) -> None:
        self.counters[f"rejected_{reason}"] += 1
        if self.counters[f"rejected_{reason}"] <= 5:
            log.warning("fusion: dropped record %s (%s): %s", delivery.id, reason, detail)

    def status(self) -> dict[str, Any]:
        return {
            "radar_tracks": len(self.engine.tracks),
            "open_alerts": len(self.book.open_alerts()),
            "pending_scans": len(self._scans),
            **(self.checkpoint.status() if self.checkpoint is not None else {}),
            "held_positions": self.watermarks.held,
            **self.engine.counters,
            **self.counters,
        }


def _cell_lookup(grid: Grid) -> Any:
    def lookup(
        lon: list[float], lat: list[float], previous: list[str | None]
    ) -> tuple[list[str | None], list[str | None]]:
        index = grid.assign_few(lon, lat, [grid.index_of(c) for c in previous])
        return [grid.cell_id(i) for i in index], [grid.office(i) for i in index]

    return lookup
