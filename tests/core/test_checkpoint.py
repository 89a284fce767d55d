"""A checkpoint acknowledges input with its snapshots (services/core/snapshot.py): at the
interval, and at once when the stage has caught up, but not every round of a trickle."""

from __future__ import annotations

import asyncio

from services.core.bus_memory import MemoryBus
from services.core.snapshot import IDLE_GAP, Checkpoint, MemorySnapshotStore

TOPIC, GROUP = "seagrid.test", "stage"


async def _read_one(bus: MemoryBus, cp: Checkpoint, payload: bytes) -> None:
    await bus.publish(TOPIC, [payload])
    batch = await bus.read(TOPIC, GROUP, "c", count=10, block=0)
    assert len(batch) == 1
    cp.acknowledge(TOPIC, GROUP, batch)


async def test_a_caught_up_stage_saves_and_acknowledges_at_once_but_not_every_round() -> None:
    bus, store = MemoryBus(), MemorySnapshotStore()
    await bus.ensure_group(TOPIC, GROUP)
    cp = Checkpoint(store, "stage", interval=60.0)
    state = {"n": 0}

    await _read_one(bus, cp, b"1")
    assert not await cp.save_if_due(bus, lambda: state)  # busy, interval not reached
    assert await bus.pending(TOPIC, GROUP) == 1
    assert await cp.save_if_due(bus, lambda: state, idle=True)  # caught up: save now
    assert await bus.pending(TOPIC, GROUP) == 0 and cp.saves == 1 and "stage" in store.saved

    assert not await cp.save_if_due(bus, lambda: state, idle=True)  # nothing waits
    await _read_one(bus, cp, b"2")
    assert not await cp.save_if_due(bus, lambda: state, idle=True)  # within the gap
    await asyncio.sleep(IDLE_GAP)
    assert await cp.save_if_due(bus, lambda: state, idle=True)
    assert await bus.pending(TOPIC, GROUP) == 0 and cp.saves == 2


async def test_without_an_idle_gap_only_the_interval_and_requests_save() -> None:
    bus, store = MemoryBus(), MemorySnapshotStore()
    await bus.ensure_group(TOPIC, GROUP)
    cp = Checkpoint(store, "stage", interval=60.0, idle_gap=None)
    await _read_one(bus, cp, b"1")
    assert not await cp.save_if_due(bus, dict, idle=True)
    assert await bus.pending(TOPIC, GROUP) == 1
    cp.request()
    assert await cp.save_if_due(bus, dict, idle=True)
    assert await bus.pending(TOPIC, GROUP) == 0
