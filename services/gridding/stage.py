"""The gridding stage: positions in, positions with cell and office out, plus transitions.

Consumes POSITIONS (and STATIC, for the picture's ship types) and publishes every position
on CELL_POSITIONS with the cell and office it falls in (geometry only), and cell and
jurisdiction changes on TRANSITIONS (with hysteresis, see transitions.py).

The grid can be reloaded while running (`reload()`, wired to SIGHUP by
`install_reload_handler`): vessel state is keyed by cell *id*, not by index, so it survives
a reload, and the new grid applies from the next batch on. A broken configuration keeps the
old grid; the failure is logged and counted (`reload_failures`, `last_reload_error`).

Partitions (services/core/partitions.py): given `partition` I/N, the stage reads only the
streams of its vessels (`mmsi % N == I`) in groups of its own. With a `checkpoint` it runs
its own read loop: its state (committed cell and hysteresis per vessel, the picture) is
snapshotted with the input offsets every few seconds and on stop, input acknowledged only
once a snapshot covers it, and a restarted owner resumes from the snapshot
(services/core/snapshot.py).

A vessel silent for `picture_ttl` seconds of event time (default 30 minutes, ten times the
slowest regular AIS reporting interval) leaves the picture and its state is dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import signal
from collections import Counter
from functools import partial
from operator import attrgetter
from typing import Any

import numpy as np

from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.codec import CodecError, records_of
from services.core.config import ConfigError, SeagridConfig, load_config
from services.core.faults import Faults
from services.core.partitions import WHOLE, PartitionSpec, owner_view
from services.core.runner import Handler, consume, handle_batch
from services.core.snapshot import Checkpoint
from services.core.types import CellPosition, Position, Transition, VesselStatic
from services.gridding.grid import Grid
from services.gridding.picture import CellPicture
from services.gridding.transitions import TransitionPolicy, TransitionTracker, VesselCell

# What a gridding snapshot may contain besides builtin containers.
SNAPSHOT_CLASSES = (VesselCell, CellPicture)

log = logging.getLogger(__name__)


class GriddingStage:
    name = "gridding"

    def __init__(
        self,
        config: SeagridConfig,
        *,
        policy: TransitionPolicy | None = None,
        picture_ttl: float = 1800.0,
        group: str = "gridding",
        consumer: str = "gridding-1",
        partition: PartitionSpec = WHOLE,
        checkpoint: Checkpoint | None = None,
        block: float = 0.2,
    ) -> None:
        self.config = config
        self.partition, self.checkpoint, self.block = partition, checkpoint, block
        group, consumer = group + partition.suffix, consumer + partition.suffix
        self.grid = Grid(config.cells)
        self.tracker = TransitionTracker(policy)
        self.picture = CellPicture(picture_ttl)
        self.group, self.consumer = group, consumer
        self.counters: Counter[str] = Counter()
        self.faults = Faults("gridding", log)  # records whose handling raised (skipped)
        self.reloads = 0
        self.reload_failures = 0
        self.last_reload_error: str | None = None
        self._last_cell: dict[int, str | None] = {}
        self._clock = -math.inf

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        bus = owner_view(bus, self.partition)
        if self.checkpoint is not None:
            await self._run_checkpointed(bus, stop, self.checkpoint)
            return
        async with asyncio.TaskGroup() as group:
            group.create_task(
                consume(
                    bus,
                    topics.POSITIONS,
                    self.group,
                    self.consumer,
                    partial(self._on_positions, bus),
                    stop,
                    faults=self.faults,
                )
            )
            group.create_task(
                consume(
                    bus,
                    topics.STATIC,
                    self.group,
                    self.consumer,
                    self._on_static,
                    stop,
                    faults=self.faults,
                )
            )

    async def _run_checkpointed(self, bus: Bus, stop: asyncio.Event, cp: Checkpoint) -> None:
        """One loop over both inputs, so a snapshot never falls in the middle of a batch."""
        state = await cp.restore(SNAPSHOT_CLASSES)
        if state is not None:
            self.restore_state(state)
        for topic in (topics.STATIC, topics.POSITIONS):
            await bus.ensure_group(topic, self.group)
        on_positions = partial(self._on_positions, bus)
        while not stop.is_set():
            handled = await self._step(bus, cp, topics.STATIC, self._on_static, 0)
            handled += await self._step(bus, cp, topics.POSITIONS, on_positions, self.block)
            await cp.save_if_due(bus, self.snapshot_state, idle=not handled)
        await cp.save(bus, self.snapshot_state)

    async def _step(
        self, bus: Bus, cp: Checkpoint, topic: str, handler: Handler, block: float
    ) -> int:
        """Read and handle one batch of `topic`; returns how many deliveries it held."""
        batch = await bus.read(topic, self.group, self.consumer, count=512, block=block)
        if not batch:
            return 0
        fresh = cp.fresh(topic, batch)
        if fresh:
            # A record that keeps failing is counted and skipped: the next snapshot's
            # offsets pass it, so redelivery would skip it anyway.
            await handle_batch(handler, fresh, self.faults)
        cp.acknowledge(topic, self.group, batch)
        return len(batch)

    def snapshot_state(self) -> dict[str, Any]:
        """What a restarted owner of this partition needs to continue (no grid: config)."""
        return {
            "vessels": self.tracker._vessels,
            "picture": self.picture,
            "last_cell": self._last_cell,
            "clock": self._clock,
            "counters": dict(self.counters),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        self.tracker._vessels = state["vessels"]
        picture: CellPicture = state["picture"]
        picture.ttl = self.picture.ttl  # the configured one, not the saved one
        self.picture = picture
        self._last_cell = state["last_cell"]
        self._clock = state["clock"]
        self.counters.update(state["counters"])

    def reload(self) -> bool:
        """Load the configuration directory again; keep the current grid if it is broken."""
        try:
            config = load_config(self.config.directory)
            grid = Grid(config.cells)
        except ConfigError as exc:
            self._reload_failed("; ".join(str(i) for i in exc.errors))
            return False
        except Exception as exc:  # a reload must never take the running stage down
            self._reload_failed(f"{type(exc).__name__}: {exc}")
            return False
        self.config, self.grid = config, grid
        self.reloads += 1
        log.info("gridding: reloaded %s: %d cells", config.directory, len(grid))
        return True

    def _reload_failed(self, reason: str) -> None:
        self.reload_failures += 1
        self.last_reload_error = reason
        log.error("gridding: reload failed, keeping the previous grid: %s", reason)

    def status(self) -> dict[str, Any]:
        """Figures for health checks and metrics."""
        return {
            "partition": str(self.partition),
            **(self.checkpoint.status() if self.checkpoint is not None else {}),
            "cells": len(self.grid),
            "vessels": len(self.tracker),
            "reloads": self.reloads,
            "reload_failures": self.reload_failures,
            "last_reload_error": self.last_reload_error,
            **self.counters,
            "faults": self.faults.total(),
            **{f"fault_{reason}": n for reason, n in self.faults.counts.items()},
        }

    async def _on_static(self, batch: list[Delivery]) -> None:
        for static in records_of(batch, VesselStatic, self._bad_static):
            self.picture.set_ship_type(static.mmsi, static.ship_type)

    def _bad_static(self, _delivery: Delivery, _exc: CodecError) -> None:
        self.counters["static_rejected"] += 1

    async def _on_positions(self, bus: Bus, batch: list[Delivery]) -> None:
        positions = self._decode(batch)
        if not positions:
            return
        cell_positions, transitions = self.process(positions)
        await bus.publish_records(topics.CELL_POSITIONS, cell_positions)
        if transitions:
            await bus.publish_records(topics.TRANSITIONS, transitions)

    def process(self, positions: list[Position]) -> tuple[list[CellPosition], list[Transition]]:
        """Assign a batch to cells and update transitions and picture (no I/O)."""
        grid = self.grid  # one grid for the whole batch, even if a reload happens meanwhile
        n = len(positions)
        lon = np.fromiter([p.lon for p in positions], np.float64, n)
        lat = np.fromiter([p.lat for p in positions], np.float64, n)
        last_cell, index_of = self._last_cell, grid.index_of
        prev = np.fromiter([index_of(last_cell.get(p.mmsi)) for p in positions], np.int64, n)
        out: list[CellPosition] = []
        transitions: list[Transition] = []
        ids, offices = grid.ids + (None,), grid.offices + (None,)  # index -1: outside
        observe, state_of, place = self.tracker.observe, self.tracker.state, self.picture.place
        for p, index in zip(positions, grid.assign(lon, lat, prev).tolist(), strict=True):
            cell, office = ids[index], offices[index]
            mmsi, ts = p.mmsi, p.ts
            last_cell[mmsi] = cell
            out.append(with_cell(p, cell, office))
            state = state_of(mmsi)
            if state is not None and cell == state.cell and ts > state.ts:
                # Still in its committed cell: what observe() would do, without the call.
                state.ts, state.office = ts, office
                state.candidate, state.candidate_reports = None, 0
            else:
                depth = partial(grid.depth_m, index, p.lon, p.lat)
                transitions += observe(mmsi, ts, p.lat, p.lon, cell, office, depth)
                state = state_of(mmsi)
            place(mmsi, state.cell if state else cell, ts)
        self._clock = max(self._clock, max(p.ts for p in positions))
        for mmsi in self.picture.expire(self._clock):
            # silent for picture_ttl: forget it, so memory does not grow with every MMSI ever
            # heard; if it reports again it is a first sighting (initial events) again
            self.tracker.forget(mmsi)
            self._last_cell.pop(mmsi, None)
        self.counters["positions"] += len(out)
        self.counters["outside"] += sum(1 for p in out if p.cell is None)
        self.counters["transitions"] += len(transitions)
        return out, transitions

    def _decode(self, batch: list[Delivery]) -> list[Position]:
        """Positions of a batch; unusable records are counted and dropped, never retried."""
        positions = records_of(batch, Position, partial(self._reject, "bad_payload"))
        if all(map(_usable, positions)):
            return positions
        kept = []
        for p in positions:
            if _usable(p):
                kept.append(p)
            else:
                self._reject("bad_coordinates", batch[0], (p.mmsi, p.lat, p.lon, p.ts))
        return kept

    def _reject(self, reason: str, delivery: Delivery, detail: object) -> None:
        self.counters[f"rejected_{reason}"] += 1
        if self.counters[f"rejected_{reason}"] <= 5:  # a sample, not a flood
            log.warning("gridding: dropped record %s (%s): %s", delivery.id, reason, detail)


_CELL_FIELDS = tuple(f.name for f in dataclasses.fields(CellPosition))
_POSITION_FIELDS = tuple(f.name for f in dataclasses.fields(Position))
if _CELL_FIELDS != (*_POSITION_FIELDS[:4], "cell", "office", *_POSITION_FIELDS[4:]):
    raise ImportError("gridding: CellPosition is no longer Position + cell + office")
_SLOTS = tuple(CellPosition.__dict__[name].__set__ for name in _CELL_FIELDS)
_values = attrgetter(*_POSITION_FIELDS)
_new = object.__new__


def with_cell(p: Position, cell: str | None, office: str | None) -> CellPosition:
    """The CellPosition of `p`. Its slots are written directly: the frozen dataclass's
    __init__ goes through object.__setattr__ per field, which costs more than gridding."""
    v = _values(p)
    c = _new(CellPosition)
    s = _SLOTS
    s[0](c, v[0]), s[1](c, v[1]), s[2](c, v[2]), s[3](c, v[3]), s[4](c, cell), s[5](c, office)
    s[6](c, v[4]), s[7](c, v[5]), s[8](c, v[6]), s[9](c, v[7]), s[10](c, v[8]), s[11](c, v[9])
    s[12](c, v[10]), s[13](c, v[11])
    return c


def _usable(p: Position) -> bool:
    lat, lon, ts = p.lat, p.lon, p.ts
    if type(lat) is float and type(lon) is float and type(ts) is float:  # the usual case
        return -90 <= lat <= 90 and -180 <= lon <= 180 and math.isfinite(ts)
    values = (lat, lon, ts)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return False
    return -90 <= lat <= 90 and -180 <= lon <= 180


def install_reload_handler(stage: GriddingStage) -> None:
    """Reload the grid on SIGHUP (Unix convention for "re-read your configuration")."""
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, stage.reload)
