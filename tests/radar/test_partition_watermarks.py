"""Fusion reading two partitions' AIS over the real Redis (services/radar/watermarks.py): a
radar scan waits until every partition's AIS has passed its time, so a partition that falls
behind does not turn its vessels into radar-only targets."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

from services.core import topics
from services.core.bus import Bus, open_bus
from services.core.codec import decode, encode
from services.core.config import load_config
from services.core.partitions import PartitionedBus
from services.core.types import CellPosition
from services.demo import CONFIG_DIR
from services.radar.nmea import TLL, RadarReport
from services.radar.stage import FusionStage
from tests.conftest import REDIS_URL

T0 = 1772409600.0
SEEN = 413000011  # partition 1 of 2: the vessel the radar sees, behind
FAR = 413000002  # partition 0: a vessel far away, ahead
SCANS = 25  # four minutes of scans: long enough for a radar-only target to be raised


def _at(k: int) -> tuple[float, float, float]:
    """Scan k's time and the seen vessel's position then (it drifts east slowly)."""
    return T0 + 10.0 * k, 24.567, 118.49 + 0.00002 * k


async def _publish(bus: Bus, *, radar: bool, far: bool, seen: bool) -> None:
    for k in range(SCANS + 1):
        t, lat, lon = _at(k)
        if radar and k < SCANS:
            report = RadarReport(TLL, 7, "vts-weitou", t, lat=lat, lon=lon)
            await bus.publish(topics.RADAR, [encode(report)])
        if far:
            ahead = CellPosition(FAR, t + 1.0, 24.9, 118.9, None, None, 10.0, 0.0)
            await bus.publish_records(topics.CELL_POSITIONS, [ahead])
        if seen:
            vessel = CellPosition(SEEN, t, lat, lon, None, None, 0.3, 90.0)
            await bus.publish_records(topics.CELL_POSITIONS, [vessel])


async def _drain(stage: FusionStage, bus: Bus) -> None:
    while await stage.step(bus, 0.0):
        pass


async def _read(bus: Bus, topic: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := await bus.read(topic, "test", "t", count=1000, block=0):
        out += [decode(d.payload) for d in batch]
    return out


async def _stage(bus: Bus, max_wait: float | None) -> FusionStage:
    stage = FusionStage(load_config(CONFIG_DIR), max_wait=max_wait, partitions=2)
    for topic in (topics.RADAR, topics.CELL_POSITIONS, topics.ALERT_COMMANDS):
        await bus.ensure_group(topic, stage.group)
    for topic in (topics.ALERTS, topics.FUSION):
        await bus.ensure_group(topic, "test")
    return stage


@pytest.mark.usefixtures("clean_redis")
async def test_a_scan_waits_for_the_partition_that_is_behind() -> None:
    bus = PartitionedBus(open_bus(REDIS_URL), 2)
    try:
        stage = await _stage(bus, max_wait=None)
        # radar and partition 0 first, all of it; partition 1 (the seen vessel) behind
        await _publish(bus, radar=True, far=True, seen=False)
        await _drain(stage, bus)
        assert stage.status()["pending_scans"] == SCANS  # none run without partition 1
        assert stage.status()["held_positions"] > 0  # partition 0's later AIS held back
        await _publish(bus, radar=False, far=False, seen=True)
        await _drain(stage, bus)
        assert stage.status()["pending_scans"] == 0
        alerts = await _read(bus, topics.ALERTS)
        states = await _read(bus, topics.FUSION)
    finally:
        await bus.close()
    assert [a["alert"]["rule"] for a in alerts] == []  # no false radar_only
    assert len(states) == SCANS and states[-1]["mmsi"] == SEEN  # associated with its AIS


@pytest.mark.usefixtures("clean_redis")
async def test_a_silent_partition_is_not_waited_for_past_max_wait() -> None:
    bus = PartitionedBus(open_bus(REDIS_URL), 2)
    try:
        stage = await _stage(bus, max_wait=0.2)
        await _publish(bus, radar=True, far=False, seen=False)
        await stage.step(bus, 0.0)  # the scans are read
        await asyncio.sleep(0.25)  # partition 1 silent longer than max_wait
        await _publish(bus, radar=False, far=True, seen=False)
        await _drain(stage, bus)
        assert stage.status()["pending_scans"] == 0
        alerts = await _read(bus, topics.ALERTS)
    finally:
        await bus.close()
    # the radar sees a vessel no AIS of partition 0 knows, and partition 1 is silent
    assert {a["alert"]["rule"] for a in alerts} == {"radar_only"}


@pytest.mark.usefixtures("clean_redis")
async def test_a_restarted_fusion_keeps_the_watermarks_and_held_positions_of_its_snapshot() -> None:
    """Held positions are read and acknowledged with the snapshot: it must carry them (and
    each partition's watermark), or the scans would wait for AIS that never comes again."""
    bus = PartitionedBus(open_bus(REDIS_URL), 2)
    try:
        first = await _stage(bus, max_wait=None)
        await _publish(bus, radar=True, far=True, seen=False)
        await _drain(first, bus)
        held = first.status()["held_positions"]
        assert held > 0 and first.status()["pending_scans"] == SCANS
        state = pickle.loads(pickle.dumps(first.snapshot_state()))  # as Checkpoint keeps it
        restarted = await _stage(bus, max_wait=None)
        restarted.restore_state(state)
        assert restarted.status()["held_positions"] == held
        await _publish(bus, radar=False, far=False, seen=True)
        await _drain(restarted, bus)
        assert restarted.status()["pending_scans"] == 0
        assert restarted.status()["held_positions"] == 0
        alerts = await _read(bus, topics.ALERTS)
        states = await _read(bus, topics.FUSION)
    finally:
        await bus.close()
    assert [a["alert"]["rule"] for a in alerts] == []
    assert len(states) == SCANS and states[-1]["mmsi"] == SEEN
