"""AlertProcessor ordering and the AlertsStage on the in-process bus, with the real rules."""

from __future__ import annotations

import asyncio

import pytest

from services.alerts.evaluator import RuleEngine
from services.alerts.lifecycle import AlertBook
from services.alerts.model import (
    AlertChange,
    OperatorCommand,
    Silence,
    alert_change_from_json,
    command_for,
    command_to_json,
)
from services.alerts.processor import AlertProcessor
from services.alerts.routing import Router
from services.alerts.stage import AlertsStage
from services.alerts.thresholds import Thresholds
from services.core import topics
from services.core.bus_memory import MemoryBus
from services.core.codec import decode, encode, payloads_of
from services.core.config import SeagridConfig, load_config
from services.core.types import CellPosition, VesselStatic
from tests.alerts.scenarios.nmea import CONFIG, KN, M_PER_DEG, T0

A, B = 412000001, 412000002


@pytest.fixture(scope="module")
def config() -> SeagridConfig:
    return load_config(CONFIG)


def processor(config: SeagridConfig) -> AlertProcessor:
    book = AlertBook(Router.from_config(config))
    return AlertProcessor(RuleEngine(config, Thresholds.from_config(config)), book)


def north(
    mmsi: int, lat: float, lon: float, n: int, speed: float = 8.0, every: float = 10.0
) -> list[CellPosition]:
    """`n` reports northbound from (lat, lon), all in cell W-1."""
    step = speed * KN * every / M_PER_DEG
    return [
        CellPosition(mmsi, T0 + k * every, lat + k * step, lon, "W-1", "west", speed, 0.0)
        for k in range(n)
    ]


def summary(changes: list[AlertChange]) -> list[tuple[str, str, int, float, float | None]]:
    return [(c.change, c.alert.rule, c.alert.mmsi, c.at, c.alert.cleared_at) for c in changes]


def test_result_does_not_depend_on_batching(config: SeagridConfig) -> None:
    # A through rs-1 (zone entry, prediction), B silent for 20 min after 60 reports (gap)
    positions = sorted(
        north(A, 24.050, 118.025, 150) + north(B, 24.045, 118.050, 60, speed=3.0),
        key=lambda p: p.ts,
    )
    positions += [CellPosition(B, T0 + 1800.0, 24.046, 118.05, "W-1", "west", 3.0, 0.0)]
    results = []
    for size in (1, 7, 64, len(positions)):
        proc = processor(config)
        changes: list[AlertChange] = []
        for i in range(0, len(positions), size):
            changes += proc.process(positions[i : i + size]).changes
        results.append(summary(changes))
    rules = {r[1] for r in results[0]}
    assert {"zone_entry", "predicted_entry", "ais_gap"} <= rules
    assert all(r == results[0] for r in results)


def test_message_takes_its_place_by_event_time_whenever_it_arrives(
    config: SeagridConfig,
) -> None:
    track = north(A, 24.050, 118.025, 30)  # 0..290 s
    mayday = {"msg_type": 14, "mmsi": A, "text": "MAYDAY", "ts": "2026-03-02T00:01:45Z"}

    early = processor(config)
    early.add_message(mayday)  # arrived before every position
    first = early.process(track).changes

    late = processor(config)
    second = late.process(track[:12]).changes  # up to 110 s
    late.add_message(mayday)
    second += late.process(track[12:]).changes

    assert summary(first) == summary(second)
    (distress,) = [c.alert for c in first if c.alert.rule == "distress"]
    assert distress.raised_at == T0 + 105.0
    assert distress.lat == track[10].lat  # the report at 100 s, the last before it


def test_static_report_of_a_vessel_in_the_batch_waits_for_its_positions(
    config: SeagridConfig,
) -> None:
    proc = processor(config)
    proc.add_statics([VesselStatic(A, T0 + 55.0, 5, to_bow=150, to_stern=150)])
    proc.process(north(A, 24.050, 118.025, 5))  # 0..40 s: not yet
    assert proc.rules.tracks[A].length_m is None  # type: ignore[attr-defined]
    proc.process(north(A, 24.050, 118.025, 7)[5:])  # 50, 60 s: applied between them
    assert proc.rules.tracks[A].length_m == 300.0  # type: ignore[attr-defined]


def test_bad_message_is_refused_and_nothing_else_lost(config: SeagridConfig) -> None:
    proc = processor(config)
    with pytest.raises(ValueError):
        proc.add_message({"msg_type": 14, "text": "MAYDAY"})
    assert proc.process(north(A, 24.050, 118.025, 3)).accepted


async def run_stage(stage: AlertsStage, bus: MemoryBus, rounds: int = 3) -> None:
    for _ in range(rounds):
        await stage.step(bus, 0.0)


async def read_all(bus: MemoryBus, topic: str) -> list[bytes]:
    out = []
    while batch := await bus.read(topic, "test", "t", count=10_000, block=0):
        out += payloads_of(batch)
    return out


async def test_stage_publishes_pipeline_changes_and_applies_commands(
    config: SeagridConfig,
) -> None:
    bus = MemoryBus()
    stage = AlertsStage(config, publish_accepted=True)
    await bus.ensure_group(topics.ALERTS, "test")
    await bus.ensure_group(topics.ACCEPTED_POSITIONS, "test")
    track = north(A, 24.066, 118.025, 30)  # into rs-1 after ~110 s
    await bus.publish(topics.CELL_POSITIONS, [encode(p) for p in track[:20]] + [b"{bad"])
    await run_stage(stage, bus)
    changes = [alert_change_from_json(decode(p)) for p in await read_all(bus, topics.ALERTS)]
    (raised, *updates) = [c for c in changes if c.alert.rule == "zone_entry"]
    assert raised.change == "raised" and raised.alert.office == "west"
    assert all(c.change == "updated" for c in updates)
    assert len(await read_all(bus, topics.ACCEPTED_POSITIONS)) == 20
    assert stage.status()["rejected_bad_position"] == 1

    # an operator acknowledges (the web has stored it): the book knows, ALERTS stays quiet
    ack = command_for("acknowledge", raised.alert, "duty-officer", 1.0)
    silence = Silence("s1", B, T0, T0 + 3600.0, actor="duty-officer")
    commands = [ack, OperatorCommand("silence", "duty-officer", 2.0, silence=silence)]
    await bus.publish(topics.ALERT_COMMANDS, [encode(command_to_json(c)) for c in commands])
    await bus.publish(topics.ALERT_COMMANDS, [b'{"action": "explode"}'])
    await bus.publish(topics.CELL_POSITIONS, [encode(p) for p in track[20:]])
    await run_stage(stage, bus)
    assert stage.book.get(raised.alert.id).status == "acknowledged"  # type: ignore[union-attr]
    assert len(stage.book.silences) == 1
    assert stage.status()["rejected_bad_command"] == 1
    later = [alert_change_from_json(decode(p)) for p in await read_all(bus, topics.ALERTS)]
    assert all(c.actor is None for c in later)
    assert all(c.alert.status == "acknowledged" for c in later if c.alert.id == raised.alert.id)
    await bus.close()


async def test_stage_run_returns_on_stop_after_applying_buffered_messages(
    config: SeagridConfig,
) -> None:
    bus = MemoryBus()
    stage = AlertsStage(config, block=0.01)
    await bus.ensure_group(topics.ALERTS, "test")
    await bus.publish(topics.CELL_POSITIONS, [encode(p) for p in north(A, 24.05, 118.025, 3)])
    mayday = {"msg_type": 14, "mmsi": A, "text": "SOS", "ts": "2026-03-02T01:00:00Z"}
    await bus.publish(topics.MESSAGES, [encode(mayday)])
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(bus, stop))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 5.0)
    changes = [alert_change_from_json(decode(p)) for p in await read_all(bus, topics.ALERTS)]
    assert [c.alert.rule for c in changes] == ["distress"]  # later than every position
    await bus.close()
