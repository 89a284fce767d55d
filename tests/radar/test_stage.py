"""The fusion stage on the in-process bus: radar and AIS in, radar alerts and track states
out in event-time order, operator commands and restored alerts for radar rules only."""

from __future__ import annotations

import asyncio

from services.alerts.model import (
    Action,
    alert_change_from_json,
    command_for,
    command_to_json,
)
from services.core import topics
from services.core.bus_memory import MemoryBus
from services.core.codec import decode, encode
from services.core.config import load_config
from services.core.types import CellPosition
from services.demo import CONFIG_DIR
from services.radar.nmea import TLL, RadarReport
from services.radar.stage import FusionStage
from tests.web.conftest import make_alert

T0 = 1772409600.0


async def drain(stage: FusionStage, bus: MemoryBus) -> None:
    while await stage.step(bus, 0.0):
        pass


async def published(bus: MemoryBus, topic: str) -> list[dict]:
    out: list[dict] = []
    while batch := await bus.read(topic, "test", "t", count=1000, block=0):
        out += [decode(d.payload) for d in batch]
        await bus.ack(topic, "test", [d.id for d in batch])
    return out


async def test_radar_only_raised_in_event_time_and_acknowledged_by_an_operator() -> None:
    bus = MemoryBus()
    stage = FusionStage(load_config(CONFIG_DIR), max_wait=None)
    for topic in (topics.ALERTS, topics.FUSION):
        await bus.ensure_group(topic, "test")
    for topic in (topics.RADAR, topics.CELL_POSITIONS, topics.ALERT_COMMANDS):
        await bus.ensure_group(topic, stage.group)
    for k in range(25):  # 4 min of scans, an AIS vessel far away moves the clock on
        t = T0 + 10.0 * k
        dark = RadarReport(TLL, 7, "vts-weitou", t, lat=24.567, lon=118.49 + 0.00002 * k)
        await bus.publish(topics.RADAR, [encode(dark)])
        far = CellPosition(413000001, t + 1.0, 24.9, 118.9, None, None, 10.0, 0.0)
        await bus.publish(topics.CELL_POSITIONS, [encode(far)])
        await drain(stage, bus)
    changes = [alert_change_from_json(c) for c in await published(bus, topics.ALERTS)]
    raised = [c for c in changes if c.change == "raised"]
    assert [(c.alert.rule, c.alert.mmsi) for c in raised] == [("radar_only", None)]
    assert {c.change for c in changes} <= {"raised", "updated"}  # updated once a minute
    alert = raised[0].alert
    assert alert.raised_at == T0 + 180.0 and alert.track == {"radar": "vts-weitou", "target": 7}
    assert (alert.cell, alert.office) == ("JJ-11", "jinjiang")
    states = await published(bus, topics.FUSION)
    assert len(states) == 25 and all(s["mmsi"] is None for s in states)
    # confirmed after 60 s and 10 updates: the 10th scan (90 s with 10 s scans)
    assert [s["confirmed"] for s in states].index(True) == 9
    # an operator acknowledges it; a command about an AIS rule's alert is not ours
    ack = command_for(Action.ACKNOWLEDGE, alert, "op", T0 + 300.0)
    other = command_for(Action.ACKNOWLEDGE, make_alert(), "op", T0 + 300.0)
    await bus.publish(topics.ALERT_COMMANDS, [encode(command_to_json(c)) for c in (other, ack)])
    await drain(stage, bus)
    assert stage.book.get(alert.id).status == "acknowledged"  # type: ignore[union-attr]
    await bus.close()


async def test_restore_takes_over_only_radar_alerts() -> None:
    stage = FusionStage(load_config(CONFIG_DIR))
    radar = make_alert(rule="radar_only", mmsi=None, zone=None, track={"radar": "r", "target": 1})
    ais = make_alert()
    stage.book.restore([radar, ais])
    assert [a.id for a in stage.book.open_alerts()] == [radar.id]
    await asyncio.sleep(0)


async def _scan_and_ais(stage: FusionStage, bus: MemoryBus, ais_ts: float) -> None:
    """One radar scan at T0, then AIS positions of time `ais_ts` for a while (wall time)."""
    await bus.ensure_group(topics.FUSION, "test")
    for topic in (topics.RADAR, topics.CELL_POSITIONS, topics.ALERT_COMMANDS):
        await bus.ensure_group(topic, stage.group)
    target = RadarReport(TLL, 7, "vts-weitou", T0, lat=24.567, lon=118.49)
    await bus.publish(topics.RADAR, [encode(target)])
    for _ in range(6):  # 0.3 s of AIS arriving, three times max_wait
        behind = CellPosition(413000001, ais_ts, 24.9, 118.9, None, None, 10.0, 0.0)
        await bus.publish(topics.CELL_POSITIONS, [encode(behind)])
        await stage.step(bus, 0.0)
        await asyncio.sleep(0.05)


async def test_a_scan_waits_for_ais_that_is_behind_but_arriving() -> None:
    """Gridding catching up (AIS arriving, older than the scan): the scan waits for the AIS
    of its time instead of taking every vessel for a radar-only target after max_wait."""
    bus = MemoryBus()
    stage = FusionStage(load_config(CONFIG_DIR), max_wait=0.1)
    await _scan_and_ais(stage, bus, ais_ts=T0 - 60.0)
    assert stage.status()["pending_scans"] == 1 and not await published(bus, topics.FUSION)
    later = CellPosition(413000001, T0 + 1.0, 24.9, 118.9, None, None, 10.0, 0.0)
    await bus.publish(topics.CELL_POSITIONS, [encode(later)])
    await drain(stage, bus)
    assert stage.status()["pending_scans"] == 0 and await published(bus, topics.FUSION)


async def test_a_scan_goes_ahead_when_ais_is_silent_or_too_many_wait() -> None:
    bus = MemoryBus()
    silent = FusionStage(load_config(CONFIG_DIR), max_wait=0.1)
    for topic in (topics.RADAR, topics.CELL_POSITIONS, topics.ALERT_COMMANDS):
        await bus.ensure_group(topic, silent.group)
    await bus.ensure_group(topics.FUSION, "test")
    target = RadarReport(TLL, 7, "vts-weitou", T0, lat=24.567, lon=118.49)
    await bus.publish(topics.RADAR, [encode(target)])
    await silent.step(bus, 0.0)
    await asyncio.sleep(0.15)
    await silent.step(bus, 0.0)  # no AIS at all (radar-only, AIS feeds down): max_wait
    assert silent.status()["pending_scans"] == 0 and await published(bus, topics.FUSION)

    held = FusionStage(load_config(CONFIG_DIR), max_wait=0.1, max_pending=0)
    await _scan_and_ais(held, MemoryBus(), ais_ts=T0 - 60.0)  # AIS behind, no room to wait
    assert held.status()["pending_scans"] == 0
