"""Radar fusion killed mid-stream and restarted from its snapshot, over the real Redis: the
same radar alerts as an undisturbed run (services/radar/snapshot.py).

Stages use the fixed topic names (services/core/topics.py), so every test starts and ends
with the `seagrid.*` keys of the test database deleted (SEAGRID_TEST_REDIS_URL names a
database of the test run's own).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from services.alerts.model import alert_change_from_json
from services.core import topics
from services.core.bus import Bus, open_bus
from services.core.codec import decode, encode
from services.core.config import SeagridConfig, load_config
from services.core.settings import IngestSettings
from services.core.snapshot import FORMAT, Checkpoint, RedisSnapshotStore, checkpoint_for, dumps
from services.core.types import CellPosition, Position
from services.gridding.stage import GriddingStage
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records
from services.radar import snapshot
from services.radar.nmea import RadarReport
from services.radar.stage import RADAR_RULES, FusionStage
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis
DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"
LINES = 30_000  # 20 min of the demo: radar_only and position_mismatch raised, updated, cleared
GROUP = "fusion"
RADAR_LEAD_S = 60.0


@dataclass(frozen=True)
class Recording:
    config: SeagridConfig
    positions: list[CellPosition]  # gridded, in the recording's order
    radar: list[RadarReport]

    def phase(self, start: int, end: int) -> tuple[list[RadarReport], list[CellPosition]]:
        """Positions [start:end] and the radar reports of their time: every scan up to
        RADAR_LEAD_S past the newest of these positions, none that an earlier phase had.
        Radar runs ahead of AIS as it does live (straight from ingest, while AIS goes
        through gridding), so fusion holds scans waiting for AIS when it is snapshotted
        and killed. Within a phase the radar goes out first, so no AIS position reaches
        fusion before the scans of its time (the rule its event-time order relies on)."""
        positions = self.positions[start:end]
        after = self._bound(self.positions[:start])
        until = self._bound(positions) if end < len(self.positions) else float("inf")
        radar = [r for r in self.radar if r.ts is not None and after < r.ts <= until]
        return radar, positions

    @staticmethod
    def _bound(positions: list[CellPosition]) -> float:
        return max((p.ts for p in positions), default=float("-inf")) + RADAR_LEAD_S


@cache
def recording() -> Recording:
    """The first LINES lines of the demo recording, decoded and gridded in-process."""
    config = load_config(DEMO / "config")
    radar: list[RadarReport] = []
    decoder = Decoder(IngestSettings(), radar_sink=radar.append)
    dedup = Deduplicator(IngestSettings().dedup_window)
    positions: list[Position] = []
    with (DEMO / "recording.nmea").open("rb") as source:
        for _, line in zip(range(LINES), source, strict=False):
            for message in decoder.push(line.rstrip(b"\n"), feed="demo", received_at=0.0):
                if not dedup.is_duplicate(message):
                    positions += [r for r in to_records(message, "demo") if isinstance(r, Position)]
    return Recording(config, GriddingStage(config).process(positions)[0], radar)


async def _publish(radar: list[RadarReport], positions: list[CellPosition]) -> None:
    bus = open_bus(REDIS_URL)
    try:
        for start in range(0, len(radar), 1000):
            await bus.publish(topics.RADAR, [encode(r) for r in radar[start : start + 1000]])
        for start in range(0, len(positions), 1000):
            await bus.publish_records(topics.CELL_POSITIONS, positions[start : start + 1000])
    finally:
        await bus.close()


class Run:
    """One alerts process's fusion: its own bus connection, snapshot store and stage."""

    def __init__(self, config: SeagridConfig, interval: float = 20.0) -> None:
        self.bus: Bus = open_bus(REDIS_URL)
        self.store = RedisSnapshotStore(REDIS_URL)
        # no idle saves: a kill must find what came after the snapshot unacknowledged
        self.checkpoint: Checkpoint = checkpoint_for(
            self.store, "fusion", "", 1, interval, idle_gap=None
        )
        # max_wait None: scans wait for AIS however long it takes (no wall clock), as in
        # `seagrid replay`, so two runs over the same input must agree exactly
        self.stage = FusionStage(
            config, max_wait=None, checkpoint=self.checkpoint, count=500, block=0.05
        )
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.stage.run(self.bus, self.stop))

    async def until(self, done: Callable[[], Awaitable[bool]]) -> None:
        async with asyncio.timeout(60):
            while not await done():
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.02)

    async def caught_up(self) -> bool:
        """Every radar report and position published so far has been read."""
        lags = [await self.bus.lag(t, GROUP) for t in (topics.RADAR, topics.CELL_POSITIONS)]
        return lags == [0, 0]

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


async def _radar_changes() -> list[dict[str, Any]]:
    bus = open_bus(REDIS_URL)
    out: list[dict[str, Any]] = []
    try:
        while batch := await bus.read(topics.ALERTS, "test-reader", "r", count=1000, block=0):
            out += [decode(d.payload) for d in batch]
    finally:
        await bus.close()
    assert all(c["alert"]["rule"] in RADAR_RULES for c in out)
    return out


def _identity(change: dict[str, Any]) -> tuple[str, str, float]:
    parsed = alert_change_from_json(change)
    return parsed.alert.id, parsed.change, parsed.at


def _tracks(stage: FusionStage) -> dict[tuple[str, int], tuple[Any, ...]]:
    """What a track has come to: where, how often seen, to which vessel, which rules active."""
    return {
        key: (t.first_seen, t.last_seen, t.lat, t.lon, t.updates, t.mmsi, t.misses, t.active)
        for key, t in stage.engine.tracks.items()
    }


async def _wipe(client: aioredis.Redis) -> None:
    keys = [k async for k in client.scan_iter(match="seagrid.*")]
    await client.delete(*keys)


@pytest.mark.usefixtures("clean_redis")
async def test_fusion_killed_and_restored_from_its_snapshot_matches_an_undisturbed_run(
    redis_client: aioredis.Redis,
) -> None:
    rec = recording()
    total = len(rec.positions)
    first, second = total * 4 // 10, total * 7 // 10
    phases = [rec.phase(0, first), rec.phase(first, second), rec.phase(second, total)]

    for phase in phases:
        await _publish(*phase)
    calm = Run(rec.config)
    await calm.until(calm.caught_up)
    await calm.end()
    undisturbed = await _radar_changes()
    raised = Counter(c["alert"]["rule"] for c in undisturbed if c["change"] == "raised")
    assert raised.keys() == RADAR_RULES  # both radar rules have something to say
    assert {c["change"] for c in undisturbed} == {"raised", "updated", "cleared"}
    await _wipe(redis_client)

    await _publish(*phases[0])
    old = Run(rec.config)
    await old.until(old.caught_up)
    old.checkpoint.request()
    await old.until(lambda: _saved(old.checkpoint, 1))
    assert old.stage._scans  # the snapshot holds scans still waiting for their AIS
    await _publish(*phases[1])
    await old.until(old.caught_up)
    assert old.stage.engine.counters["scans"] > 0
    assert old.stage._scans  # scans waiting for AIS: kept in the snapshot, lost with the kill
    await old.end(kill=True)
    # handled after the snapshot: not acknowledged, so the group hands it out again
    for topic, phase in ((topics.RADAR, 0), (topics.CELL_POSITIONS, 1)):
        pending = await redis_client.xpending(topic, GROUP)
        assert pending["pending"] == len(phases[1][phase])
    before_kill = len(await _radar_changes_peek(redis_client))
    await _publish(*phases[2])
    new = Run(rec.config)
    await new.until(new.caught_up)
    await new.end()
    disturbed = await _radar_changes()

    assert new.checkpoint.skipped == 0  # the snapshot's own input was acknowledged with it
    assert before_kill > 0  # the old run had raised radar alerts before it was killed
    # Changes published between the snapshot and the kill are published again by the new
    # owner (at least once; the store keeps each change once): nothing lost, nothing new.
    assert {_identity(c) for c in disturbed} == {_identity(c) for c in undisturbed}
    assert len(disturbed) >= len(undisturbed)
    assert {a.id for a in new.stage.book.open_alerts()} == {
        a.id for a in calm.stage.book.open_alerts()
    }
    assert _tracks(new.stage) == _tracks(calm.stage)
    assert new.stage.engine.counters == calm.stage.engine.counters
    assert sorted(new.stage._scans) == sorted(calm.stage._scans)  # the scans still waiting
    for topic in (topics.RADAR, topics.CELL_POSITIONS):
        assert (await redis_client.xpending(topic, GROUP))["pending"] == 0


async def _saved(checkpoint: Checkpoint, saves: int) -> bool:
    return checkpoint.saves >= saves


async def _radar_changes_peek(client: aioredis.Redis) -> list[Any]:
    """Alert changes on the bus so far, without reading them in a group."""
    return list(await client.xrange(topics.ALERTS))


@pytest.mark.usefixtures("clean_redis")
@pytest.mark.parametrize("kind", ["garbage", "other format", "other layout", "foreign class"])
async def test_a_snapshot_fusion_cannot_use_is_ignored_with_a_warning(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    rec = recording()
    store = RedisSnapshotStore(REDIS_URL)
    state = FusionStage(rec.config).snapshot_state()
    layout, version = ("2 partitions" if kind == "other layout" else "1 partitions"), FORMAT
    if kind == "other format":
        version = FORMAT + 1
    if kind == "foreign class":
        state["stage"]["_queue"] = [Path("/not/a/snapshot/class")]
    data = dumps({"format": version, "layout": layout, "offsets": {}, "state": state})
    await store.save("fusion", b"\x00 not a snapshot" if kind == "garbage" else data)
    await store.close()

    radar, positions = rec.phase(0, len(rec.positions) // 4)
    await _publish(radar, positions)
    with caplog.at_level(logging.WARNING, logger="services.core.snapshot"):
        run = Run(rec.config)
        await run.until(run.caught_up)
    await run.end()
    assert any("starting afresh" in r.getMessage() for r in caplog.records)
    assert run.checkpoint.skipped == 0
    assert run.stage.engine.counters["reports"] > 0  # it started cold and fused the input
    # the snapshot it wrote in its place is one the next run uses
    store = RedisSnapshotStore(REDIS_URL)
    try:
        restored = await checkpoint_for(store, "fusion", "", 1, 5.0).restore(snapshot.CLASSES)
    finally:
        await store.close()
    assert restored is not None
    again = FusionStage(rec.config)
    again.restore_state(restored)
    assert _tracks(again) == _tracks(run.stage)
