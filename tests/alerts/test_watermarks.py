"""Event-time watermarks between alerts partitions (services/alerts/pairs.py), over the real
Redis: a partition ticks only once the others have shared everything before the tick, so
two partitions raise close quarters exactly as one process does, even when one of them
falls behind; a partition without traffic, or one that is down, holds nobody up."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from services.alerts import snapshot
from services.alerts.model import alert_change_from_json
from services.alerts.stage import AlertsStage
from services.core import topics
from services.core.bus import Bus, open_bus
from services.core.codec import decode
from services.core.partitions import PartitionedBus, PartitionSpec, owner_view
from services.core.snapshot import Checkpoint, RedisSnapshotStore, checkpoint_for
from services.core.types import CellPosition
from tests.alerts.rules.world import T0, config, steer
from tests.conftest import REDIS_URL

A, B = 413000101, 413000102  # A odd (partition 1 of 2) owns the pair; B even (partition 0)
Change = tuple[str, str, float]  # alert id, change, at


def crossing() -> list[CellPosition]:
    """A northbound and B westbound, meeting at (24.80, 118.75) 300 s after T0; B turns
    away at 240 s, so where B is at each pass decides when the pair is raised and ended."""
    metres = 10.0 * 0.514444 * 300
    a = steer(A, T0, 24.80 - metres / 111120, 118.75, 0.0, 10.0, 90)
    b = steer(B, T0, 24.80, 118.75 + metres / 101000, 270.0, 10.0, 24)
    turn = b[-1]
    b += steer(B, turn.ts + 10.0, turn.lat, turn.lon, 200.0, 10.0, 66)
    return sorted(a + b, key=lambda p: p.ts)


def one_process(positions: list[CellPosition]) -> list[Change]:
    """What one process raises: the reference."""
    stage = AlertsStage(config())
    out = stage.processor.process(positions)
    return [(c.alert.id, c.change, c.at) for c in out.changes if c.alert.rule == "close_quarters"]


class Partitions:
    """Two alerts partitions over one Redis, stepped by the test."""

    def __init__(self, **options: Any) -> None:
        self.raw = open_bus(REDIS_URL)
        self.bus: Bus = PartitionedBus(self.raw, 2)
        specs = [PartitionSpec(i, 2) for i in range(2)]
        self.stages = [AlertsStage(config(), partition=s, count=16, **options) for s in specs]
        self.views = [owner_view(self.bus, s) for s in specs]

    async def start(self, positions: list[CellPosition]) -> None:
        for stage, view in zip(self.stages, self.views, strict=True):
            for topic in stage._inputs():
                await view.ensure_group(topic, stage.group)
        await self.raw.ensure_group(topics.ALERTS, "test")
        await self.bus.publish_records(topics.CELL_POSITIONS, positions)

    async def step(self, index: int, times: int = 1) -> None:
        for _ in range(times):
            await self.stages[index].step(self.views[index], 0)

    def handled(self, index: int) -> int:
        return self.stages[index].processor.counters["positions"]

    async def until_done(self, total: int, only: tuple[int, ...] = (0, 1)) -> None:
        async with asyncio.timeout(30):
            while sum(self.handled(i) for i in range(2)) < total:
                for i in only:
                    await self.step(i)
                await asyncio.sleep(0.01)

    async def changes(self) -> list[Change]:
        out: list[Change] = []
        while batch := await self.raw.read(topics.ALERTS, "test", "t", count=1000, block=0):
            for delivery in batch:
                change = alert_change_from_json(decode(delivery.payload))
                if change.alert.rule == "close_quarters":
                    out.append((change.alert.id, change.change, change.at))
        return out

    async def close(self) -> None:
        await self.raw.close()


@pytest.mark.usefixtures("clean_redis")
async def test_two_partitions_raise_what_one_process_raises_when_one_falls_behind() -> None:
    positions = crossing()
    expected = one_process(positions)
    changes = [c[1] for c in expected]
    assert changes[0] == "raised" and changes[-1] == "cleared"  # a real encounter
    run = Partitions()
    try:
        await run.start(positions)
        # the owner of the pair (partition 1) runs alone: B's partition is behind, so it
        # must not tick (pass) on a picture without B; it waits, holding its positions
        await run.step(1, times=20)
        lockstep = run.stages[1].lockstep
        assert lockstep is not None and len(lockstep.held) > 0
        assert run.handled(1) == 0
        # B's partition starts, far behind: the two go on in step
        await run.until_done(len(positions))
        # each handled its own vessel's positions only
        assert run.handled(1) == 90 and run.handled(0) == 90
        got = await run.changes()
    finally:
        await run.close()
    assert got == expected  # same alert ids (raise times), same changes at the same times
    assert run.stages[1].counters["raised"] == 1 and run.stages[0].counters["raised"] == 0


def sparse_crossing() -> list[CellPosition]:
    """The crossing with A reporting every 70 s (offset by 5 s), B every 10 s: most tick
    intervals hold B's reports only, so one process runs A's passes on ticks B's reports
    drive."""
    metres = 10.0 * 0.514444 * 300
    a = steer(A, T0 + 5.0, 24.80 - metres / 111120, 118.75, 0.0, 10.0, 13, dt=70.0)
    b = steer(B, T0, 24.80, 118.75 + metres / 101000, 270.0, 10.0, 90)
    return sorted(a + b, key=lambda p: p.ts)


@pytest.mark.usefixtures("clean_redis")
async def test_the_other_partitions_ticks_are_run_where_one_process_runs_them() -> None:
    positions = sparse_crossing()
    expected = one_process(positions)
    assert expected and expected[0][1] == "raised"
    run = Partitions(idle_after=0.05)
    a, b = (run.stages[i].processor.counters for i in (1, 0))
    try:
        await run.start(positions)
        await run.until_done(len(positions))
        # after A's last report, B's go on for 50 s: A runs those ticks once its input
        # has run dry (as one process runs them for A's vessel)
        async with asyncio.timeout(10):
            while a["ticks"] < b["ticks"]:
                await run.step(1)
                await asyncio.sleep(0.01)
        got = await run.changes()
    finally:
        await run.close()
    assert got == expected  # raised and ended at the same passes
    assert a["ticks"] == b["ticks"] == 90  # every tick interval of B's, in A too


@pytest.mark.usefixtures("clean_redis")
async def test_a_partition_without_traffic_says_so_and_holds_nobody_up() -> None:
    alone = [p for p in crossing() if p.mmsi == A]  # nothing for partition 0
    waiting = Partitions(idle_after=3600.0, give_up_after=None)
    try:
        await waiting.start(alone)
        for _ in range(5):
            await waiting.step(0)
            await waiting.step(1)
        assert waiting.handled(1) == 0  # partition 0 could still get earlier reports
    finally:
        await waiting.close()

    idle = Partitions(idle_after=0.05)
    try:
        await idle.start(alone)
        await idle.until_done(len(alone))
        assert idle.stages[0].counters["idle_announced"] >= 1
        assert idle.stages[1].picture is not None
        assert idle.stages[1].picture.watermarks == {0: None}
    finally:
        await idle.close()


@pytest.mark.usefixtures("clean_redis")
async def test_a_partition_not_heard_from_is_not_waited_for_past_give_up_after() -> None:
    positions = crossing()
    run = Partitions(give_up_after=0.3)
    try:
        await run.start(positions)
        started = time.monotonic()
        await run.until_done(90, only=(1,))  # partition 0's process is down
        assert time.monotonic() - started >= 0.3
        assert run.stages[1].status()["partitions_not_waited_for"] == 1
    finally:
        await run.close()


@pytest.mark.usefixtures("clean_redis")
async def test_a_partition_killed_while_holding_positions_loses_none_of_them() -> None:
    """Snapshot taken while positions wait for the other partition, then kill -9: the held
    positions were not acknowledged, come again, and are applied (not taken for repeats)."""
    positions = crossing()
    expected = one_process(positions)
    store = RedisSnapshotStore(REDIS_URL)

    def checkpoint() -> Checkpoint:
        return checkpoint_for(store, "alerts", "-p1", 2, 3600.0, idle_gap=None)

    run = Partitions()
    first = run.stages[1] = AlertsStage(
        config(), partition=PartitionSpec(1, 2), count=16, checkpoint=checkpoint()
    )
    try:
        await run.start(positions)
        await run.step(0, times=2)  # partition 0 a little ahead: partition 1 goes that far
        await run.step(1, times=20)
        before = run.handled(1)
        assert 0 < before < 90 and first.lockstep is not None and first.lockstep.held
        assert first.checkpoint is not None
        await first.checkpoint.save(run.views[1], first.snapshot_state)
        # killed: a new process, its own connection, restored from the snapshot
        await run.raw.close()
        run.raw = open_bus(REDIS_URL)
        run.bus = PartitionedBus(run.raw, 2)
        run.views = [owner_view(run.bus, PartitionSpec(i, 2)) for i in range(2)]
        second = run.stages[1] = AlertsStage(
            config(), partition=PartitionSpec(1, 2), count=16, checkpoint=checkpoint()
        )
        assert second.checkpoint is not None
        second.restore_state(await second.checkpoint.restore(snapshot.CLASSES))
        second.processor.counters["positions"] = 0
        await run.until_done(180 - before)
        got = await run.changes()
    finally:
        await run.close()
        await store.close()
    assert run.handled(1) == 90 - before and second.counters["duplicates"] == 0
    assert got == expected
