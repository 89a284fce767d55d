"""The alerts stage in partitions and restarted from its snapshot, over the real Redis.

Stages use the fixed topic names (services/core/topics.py), so every test starts and ends
with the `seagrid.*` keys of the test database deleted (SEAGRID_TEST_REDIS_URL names a
database of the test run's own).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from services.alerts.model import alert_change_from_json
from services.alerts.stage import AlertsStage
from services.core import topics
from services.core.bus import Bus, open_bus
from services.core.codec import decode
from services.core.config import SeagridConfig, load_config
from services.core.partitions import WHOLE, PartitionedBus, PartitionSpec, owner_view
from services.core.settings import IngestSettings
from services.core.snapshot import Checkpoint, RedisSnapshotStore, checkpoint_for
from services.core.types import CellPosition, Position
from services.gridding.stage import GriddingStage
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records
from tests.alerts.rules.world import T0, config, steer
from tests.conftest import REDIS_URL

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "services" / "demo"
A, B = 413000101, 413000102  # A odd (partition 1 of 2), B even (partition 0): A owns the pair


def crossing() -> list[CellPosition]:
    """A northbound and B westbound, meeting at (24.80, 118.75) 300 s after T0."""
    metres = 10.0 * 0.514444 * 300
    a = steer(A, T0, 24.80 - metres / 111120, 118.75, 0.0, 10.0, 90)
    b = steer(B, T0, 24.80, 118.75 + (10.0 * 0.514444 * 300) / 101000, 270.0, 10.0, 90)
    return sorted(a + b, key=lambda p: p.ts)


async def _alerts(bus: Bus) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := await bus.read(topics.ALERTS, "test-reader", "r", count=1000, block=0):
        out += [decode(d.payload) for d in batch]
    return out


async def _step_all(stages: list[AlertsStage], buses: list[Bus]) -> None:
    """Step the partitions in turn until none has anything left."""
    quiet = 0
    while quiet < 3:
        handled = 0
        for stage, bus in zip(stages, buses, strict=True):
            handled += await stage.step(bus, 0)
        quiet = quiet + 1 if handled == 0 else 0


@pytest.mark.usefixtures("clean_redis")
@pytest.mark.parametrize("count", [1, 2])
async def test_close_quarters_across_partitions_is_raised_once_by_the_lower_mmsi(
    count: int,
) -> None:
    raw = open_bus(REDIS_URL)
    bus: Bus = PartitionedBus(raw, count) if count > 1 else raw
    try:
        await bus.publish_records(topics.CELL_POSITIONS, crossing())
        specs = [PartitionSpec(i, count) for i in range(count)]
        stages = [AlertsStage(config(), partition=s, count=4) for s in specs]
        views = [owner_view(bus, s) for s in specs]
        for stage, view in zip(stages, views, strict=True):
            for topic in stage._inputs():
                await view.ensure_group(topic, stage.group)
        await _step_all(stages, views)
        changes = [c for c in await _alerts(raw) if c["alert"]["rule"] == "close_quarters"]
    finally:
        await raw.close()
    raised = [c["alert"] for c in changes if c["change"] == "raised"]
    assert len(raised) == 1, changes
    assert (raised[0]["mmsi"], raised[0]["other_mmsi"]) == (A, B)
    assert Counter(c["change"] for c in changes)["cleared"] == 1  # ended once they passed
    if count == 2:
        owner, other = stages[A % 2], stages[B % 2]
        assert owner.counters["raised"] == 1 and other.counters["raised"] == 0
        assert other.picture is not None and owner.picture is not None
        assert owner.picture.received > 0 and other.picture.received > 0


def _recording_positions(lines: int) -> tuple[SeagridConfig, list[CellPosition]]:
    """The first `lines` of the demo recording, decoded and gridded in-process."""
    cfg = load_config(DEMO / "config")
    decoder, dedup = Decoder(IngestSettings()), Deduplicator(IngestSettings().dedup_window)
    positions: list[Position] = []
    with (DEMO / "recording.nmea").open("rb") as source:
        for _, line in zip(range(lines), source, strict=False):
            for message in decoder.push(line.rstrip(b"\n"), feed="demo", received_at=0.0):
                if not dedup.is_duplicate(message):
                    positions += [r for r in to_records(message, "demo") if isinstance(r, Position)]
    return cfg, GriddingStage(cfg).process(positions)[0]


class Run:
    """One alerts process: its own bus connection, snapshot store and stage."""

    def __init__(
        self, cfg: SeagridConfig, interval: float = 20.0, partition: PartitionSpec = WHOLE
    ) -> None:
        self.bus = _bus(partition.count)
        self.store = RedisSnapshotStore(REDIS_URL)
        # no idle saves: a kill must find what came after the snapshot unacknowledged
        self.checkpoint: Checkpoint = checkpoint_for(
            self.store, "alerts", partition.suffix, partition.count, interval, idle_gap=None
        )
        self.stage = AlertsStage(
            cfg, checkpoint=self.checkpoint, count=300, block=0.05, partition=partition
        )
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.stage.run(self.bus, self.stop))

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(120):
            while not done():
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.01)

    def applied(self) -> int:
        return self.stage.processor.counters["positions"] + self.stage.counters["duplicates"]

    async def end(self, kill: bool = False) -> None:
        if kill:  # kill -9: no final snapshot, nothing acknowledged since the last one
            # Cancelled until it stops: on Python 3.11 a cancellation that meets the
            # expiry of redis-py's read timeout can be absorbed by it.
            while not self.task.done():
                self.task.cancel()
                await asyncio.wait({self.task}, timeout=0.2)
            assert self.task.cancelled()
        else:
            self.stop.set()
            await self.task
        await self.bus.close()
        await self.store.close()


def _bus(count: int) -> Bus:
    """What a process of a deployment with `[bus] partitions = count` opens."""
    raw = open_bus(REDIS_URL)
    return PartitionedBus(raw, count) if count > 1 else raw


async def _publish(positions: list[CellPosition], count: int = 1) -> None:
    bus = _bus(count)
    for start in range(0, len(positions), 1000):
        await bus.publish_records(topics.CELL_POSITIONS, positions[start : start + 1000])
    await bus.close()


async def _published_alerts() -> list[dict[str, Any]]:
    bus = open_bus(REDIS_URL)
    try:
        return await _alerts(bus)
    finally:
        await bus.close()


def _identity(change: dict[str, Any]) -> tuple[str, str, float]:
    parsed = alert_change_from_json(change)
    return parsed.alert.id, parsed.change, parsed.at


@pytest.mark.usefixtures("clean_redis")
async def test_a_killed_alerts_stage_restarted_from_its_snapshot_matches_an_undisturbed_run(
    redis_client: aioredis.Redis,
) -> None:
    cfg, positions = _recording_positions(30_000)
    total = len(positions)
    first, second = total * 4 // 10, total * 7 // 10

    await _publish(positions)
    calm = Run(cfg)
    await calm.until(lambda: calm.applied() >= total)
    await calm.end()
    undisturbed = await _published_alerts()
    assert len({c["alert"]["rule"] for c in undisturbed}) >= 5  # a recording that says much
    keys = [k async for k in redis_client.scan_iter(match="seagrid.*")]
    await redis_client.delete(*keys)

    await _publish(positions[:first])
    old = Run(cfg)
    await old.until(lambda: old.applied() >= first)
    old.checkpoint.request()
    await old.until(lambda: old.checkpoint.saves == 1)
    await _publish(positions[first:second])
    await old.until(lambda: old.applied() >= second)
    await old.end(kill=True)
    pending = await redis_client.xpending(topics.CELL_POSITIONS, "alerts")
    assert pending["pending"] == second - first  # handled after the snapshot: not acknowledged
    await _publish(positions[second:])
    new = Run(cfg)
    await new.until(lambda: new.applied() >= total)
    await new.end()
    disturbed = await _published_alerts()

    assert new.checkpoint.skipped == 0  # the snapshot's own input was acknowledged with it
    # Alerts published between the snapshot and the kill are published again by the new
    # owner (at least once; the store keeps each change once): nothing lost, nothing new.
    assert {_identity(c) for c in disturbed} == {_identity(c) for c in undisturbed}
    assert len(disturbed) >= len(undisturbed)
    open_calm = {a.id for a in calm.stage.book.open_alerts()}
    assert {a.id for a in new.stage.book.open_alerts()} == open_calm
    assert new.stage.processor.counters["positions"] == calm.stage.processor.counters["positions"]
    assert await redis_client.xpending(topics.CELL_POSITIONS, "alerts") == {
        "pending": 0, "min": None, "max": None, "consumers": [],
    }  # fmt: skip


@pytest.mark.usefixtures("clean_redis")
async def test_a_snapshot_of_another_layout_or_garbage_is_ignored() -> None:
    store = RedisSnapshotStore(REDIS_URL)
    try:
        await store.save("alerts", b"not a snapshot")
        cp = checkpoint_for(store, "alerts", "", 1, 5.0)
        assert await cp.restore(()) is None
        bus = open_bus(REDIS_URL)
        stage = AlertsStage(config(), checkpoint=cp)
        cp.acknowledge(topics.CELL_POSITIONS, "alerts", [])
        await cp.save(bus, stage.snapshot_state)
        await bus.close()
        other = checkpoint_for(store, "alerts", "", 2, 5.0)  # written for 1 partition
        assert await other.restore(()) is None
        same = checkpoint_for(store, "alerts", "", 1, 5.0)
        from services.alerts import snapshot

        assert await same.restore(snapshot.CLASSES) is not None
        assert await same.restore(()) is None  # a class it may not resolve: refused
    finally:
        await store.close()


def _caught_up(run: Run, count: int) -> bool:
    return run.applied() >= count


def _owned(positions: list[CellPosition], spec: PartitionSpec) -> int:
    return sum(1 for p in positions if spec.owns(p.mmsi))


def _by_rule(changes: list[dict[str, Any]]) -> dict[str, set[tuple[str, str, float]]]:
    out: dict[str, set[tuple[str, str, float]]] = {}
    for change in changes:
        out.setdefault(change["alert"]["rule"], set()).add(_identity(change))
    return out


async def _run_partitions(
    cfg: SeagridConfig, positions: list[CellPosition], kill_at: tuple[int, int] | None
) -> tuple[list[dict[str, Any]], list[Run]]:
    """Both partitions of 2 over `positions`; with `kill_at` (first, second) partition 1 is
    snapshotted once it has applied its share of `positions[:first]`, killed once it has
    applied its share of `positions[:second]`, and a new owner started after the rest is
    published. Returns the alert changes published, and the runs at the end."""
    specs = [PartitionSpec(0, 2), PartitionSpec(1, 2)]
    first, second = kill_at or (len(positions), len(positions))
    await _publish(positions[:first], 2)
    runs = [Run(cfg, partition=s) for s in specs]
    one = runs[1]
    if kill_at is not None:
        await one.until(lambda: one.applied() >= _owned(positions[:first], specs[1]))
        one.checkpoint.request()
        await one.until(lambda: one.checkpoint.saves == 1)
        await _publish(positions[first:second], 2)
        await one.until(lambda: one.applied() >= _owned(positions[:second], specs[1]))
        await one.end(kill=True)
        await _publish(positions[second:], 2)
        runs[1] = Run(cfg, partition=specs[1])
    for run, spec in zip(runs, specs, strict=True):
        await run.until(partial(_caught_up, run, _owned(positions, spec)))
    await asyncio.sleep(0.5)  # the last picture entries, and what they raise
    for run in runs:
        await run.end()
    return await _published_alerts(), runs


@pytest.mark.usefixtures("clean_redis")
async def test_an_alerts_partition_killed_and_restarted_matches_an_undisturbed_partitioned_run(
    redis_client: aioredis.Redis,
) -> None:
    cfg, positions = _recording_positions(30_000)
    total = len(positions)
    undisturbed, calm = await _run_partitions(cfg, positions, None)
    keys = [k async for k in redis_client.scan_iter(match="seagrid.*")]
    await redis_client.delete(*keys)
    disturbed, runs = await _run_partitions(cfg, positions, (total * 4 // 10, total * 7 // 10))

    calm_rules, rules = _by_rule(undisturbed), _by_rule(disturbed)
    assert len(calm_rules) >= 5
    # Exactly the same changes, nothing lost, nothing new: per-vessel rules by their
    # snapshot, close quarters across partitions by the partitions' event-time watermarks
    # too (pairs.py, lockstep.py), which make the restarted partition's passes see what
    # the undisturbed one saw.
    assert rules == calm_rules
    assert calm_rules["close_quarters"]
    # and what one process raises, in order, on the same positions
    whole = AlertsStage(cfg).processor.process(positions).changes
    assert {
        (c.alert.id, c.change, c.at) for c in whole if c.alert.rule == "close_quarters"
    } == calm_rules["close_quarters"]

    def still_open(runs: list[Run]) -> set[tuple[str, int | None, int | None]]:
        return {
            (a.id if a.rule != "close_quarters" else a.rule, a.mmsi, a.other_mmsi)
            for run in runs
            for a in run.stage.book.open_alerts()
        }

    assert still_open(runs) == still_open(calm)
    pending = [
        await redis_client.xpending(f"{topics.CELL_POSITIONS}.p{i}", f"alerts-p{i}")
        for i in range(2)
    ]
    assert [p["pending"] for p in pending] == [0, 0]
