"""Gridding in partitions, killed and restarted from its snapshot, over the real Redis.

The stages use the fixed `seagrid.*` stream names, so every test starts and ends with those
keys of the test database deleted (SEAGRID_TEST_REDIS_URL names the test run's database).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from services.core import topics
from services.core.bus import Bus, open_bus
from services.core.codec import records_of
from services.core.config import SeagridConfig, load_config
from services.core.partitions import WHOLE, PartitionedBus, PartitionSpec
from services.core.settings import IngestSettings
from services.core.snapshot import Checkpoint, RedisSnapshotStore, checkpoint_for
from services.core.types import CellPosition, Position, Transition
from services.gridding.stage import GriddingStage
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records
from tests.conftest import REDIS_URL

DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"


def _recording(lines: int) -> tuple[SeagridConfig, list[Position]]:
    cfg = load_config(DEMO / "config")
    decoder, dedup = Decoder(IngestSettings()), Deduplicator(IngestSettings().dedup_window)
    out: list[Position] = []
    with (DEMO / "recording.nmea").open("rb") as source:
        for _, line in zip(range(lines), source, strict=False):
            for message in decoder.push(line.rstrip(b"\n"), feed="demo", received_at=0.0):
                if not dedup.is_duplicate(message):
                    out += [r for r in to_records(message, "demo") if isinstance(r, Position)]
    return cfg, out


def _bus(count: int) -> Bus:
    raw = open_bus(REDIS_URL)
    return PartitionedBus(raw, count) if count > 1 else raw


class Run:
    """One gridding process: its own bus connection, snapshot store and stage."""

    def __init__(self, cfg: SeagridConfig, partition: PartitionSpec = WHOLE) -> None:
        self.bus = _bus(partition.count)
        self.store = RedisSnapshotStore(REDIS_URL)
        # no idle saves: a kill must find what came after the snapshot unacknowledged
        self.checkpoint: Checkpoint = checkpoint_for(
            self.store, "gridding", partition.suffix, partition.count, 20.0, idle_gap=None
        )
        self.stage = GriddingStage(cfg, partition=partition, checkpoint=self.checkpoint, block=0.05)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.stage.run(self.bus, self.stop))

    def applied(self) -> int:
        return self.stage.counters["positions"]

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(60):
            while not done():
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.01)

    async def end(self, kill: bool = False) -> None:
        if kill:  # kill -9: no final snapshot, nothing acknowledged since the last one
            while not self.task.done():
                self.task.cancel()
                await asyncio.wait({self.task}, timeout=0.2)
            assert self.task.cancelled()
        else:
            self.stop.set()
            await self.task
        await self.bus.close()
        await self.store.close()


async def _publish(positions: list[Position], count: int) -> None:
    bus = _bus(count)
    for start in range(0, len(positions), 1000):
        await bus.publish_records(topics.POSITIONS, positions[start : start + 1000])
    await bus.close()


async def _outputs(count: int) -> tuple[list[CellPosition], list[Transition]]:
    bus = _bus(count)
    cells: list[CellPosition] = []
    transitions: list[Transition] = []
    try:
        while batch := await bus.read(
            topics.CELL_POSITIONS, "test-reader", "r", count=5000, block=0
        ):
            cells += records_of(batch, CellPosition, lambda _d, e: pytest.fail(str(e)))
        while batch := await bus.read(topics.TRANSITIONS, "test-reader", "r", count=5000, block=0):
            transitions += records_of(batch, Transition, lambda _d, e: pytest.fail(str(e)))
    finally:
        await bus.close()
    return cells, transitions


def _caught_up(run: Run, count: int) -> bool:
    return run.applied() >= count


def _owned(positions: list[Position], spec: PartitionSpec) -> int:
    return sum(1 for p in positions if spec.owns(p.mmsi))


@pytest.mark.usefixtures("clean_redis")
async def test_gridding_partition_killed_and_restarted_matches_one_undisturbed_process(
    redis_client: aioredis.Redis,
) -> None:
    cfg, positions = _recording(20_000)
    total = len(positions)
    await _publish(positions, 1)
    calm = Run(cfg)
    await calm.until(lambda: calm.applied() >= total)
    await calm.end()
    cells, transitions = await _outputs(1)
    assert len(transitions) > 10
    await redis_client.delete(*[k async for k in redis_client.scan_iter(match="seagrid.*")])

    first, second = total * 4 // 10, total * 7 // 10
    specs = [PartitionSpec(0, 2), PartitionSpec(1, 2)]
    await _publish(positions[:first], 2)
    runs = [Run(cfg, s) for s in specs]
    one = runs[1]
    await one.until(lambda: one.applied() >= _owned(positions[:first], specs[1]))
    one.checkpoint.request()
    await one.until(lambda: one.checkpoint.saves == 1)
    await _publish(positions[first:second], 2)
    await one.until(lambda: one.applied() >= _owned(positions[:second], specs[1]))
    await one.end(kill=True)
    await _publish(positions[second:], 2)
    runs[1] = Run(cfg, specs[1])
    for run, spec in zip(runs, specs, strict=True):
        await run.until(partial(_caught_up, run, _owned(positions, spec)))
    for run in runs:
        await run.end()
    split_cells, split_transitions = await _outputs(2)

    # Each vessel's output in its order, all of it; what the killed owner published after
    # its snapshot is published again (at least once), nothing else.
    assert set(split_cells) == set(cells)
    assert set(split_transitions) == set(transitions)
    for mmsi in {p.mmsi for p in positions}:
        mine = [t for t in split_transitions if t.mmsi == mmsi]
        assert sorted(set(mine), key=mine.index) == [t for t in transitions if t.mmsi == mmsi]
    for index in range(2):
        pending = await redis_client.xpending(f"{topics.POSITIONS}.p{index}", f"gridding-p{index}")
        assert pending["pending"] == 0
