"""No record ends the alerts stage: what raises is counted by reason, logged once per reason
(then rarely), and the records around it are handled as usual."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from services.alerts.evaluator import RuleEngine
from services.alerts.lifecycle import AlertBook
from services.alerts.model import Observation
from services.alerts.processor import AlertProcessor
from services.alerts.routing import Router
from services.alerts.stage import AlertsStage
from services.alerts.thresholds import Thresholds
from services.core import topics
from services.core.bus_memory import MemoryBus
from services.core.codec import encode
from services.core.config import SeagridConfig, load_config
from services.core.types import CellPosition
from tests.alerts.scenarios.nmea import CONFIG, T0
from tests.alerts.test_lifecycle_stage import north

A, B, C, POISON = 412000001, 412000002, 412000003, 412999999


@pytest.fixture(scope="module")
def config() -> SeagridConfig:
    return load_config(CONFIG)


class PoisonedRules(RuleEngine):
    """The real rules, except that one MMSI's reports make them raise (as a bug would)."""

    def observe(
        self, positions: list[CellPosition]
    ) -> tuple[list[CellPosition], list[Observation]]:
        if any(p.mmsi == POISON for p in positions):
            raise ZeroDivisionError("poisoned record")
        return super().observe(positions)

    def tick(self, now: float) -> list[Observation]:
        if now > T0 + 10 * 86400:
            raise OverflowError("poisoned clock")
        return super().tick(now)


def processor(config: SeagridConfig, rules: Any = None) -> AlertProcessor:
    rules = rules or RuleEngine(config, Thresholds.from_config(config))
    return AlertProcessor(rules, AlertBook(Router.from_config(config)))


def test_close_quarters_pair_outlives_the_pruning_of_its_tracks(config: SeagridConfig) -> None:
    """Two vessels close, then silence for two days: ending the pair needs its track (this
    was a KeyError that stopped `seagrid replay`)."""
    proc = processor(config)
    head_on = north(B, 24.050, 118.030, 12) + [
        CellPosition(A, T0 + k * 10.0, 24.062 - k * 0.0004, 118.030, "W-1", "west", 8.0, 180.0)
        for k in range(12)
    ]
    out = proc.process(sorted(head_on, key=lambda p: p.ts))
    assert any(c.alert.rule == "close_quarters" for c in out.changes)
    later = CellPosition(C, T0 + 2 * 86400.0, 24.0, 118.0, "W-1", "west", 0.0, 0.0)
    proc.process([later])
    assert not proc.faults.counts  # was {"tick.KeyError": 1}: the pass had lost its tracks


def test_a_poisoned_record_costs_itself_only(
    config: SeagridConfig, caplog: pytest.LogCaptureFixture
) -> None:
    proc = processor(config, PoisonedRules(config, Thresholds.from_config(config)))
    poison = [CellPosition(POISON, T0 + k, 24.05, 118.02, "W-1", "west") for k in range(50)]
    good = north(A, 24.050, 118.025, 150)
    with caplog.at_level(logging.WARNING):
        out = proc.process(sorted(good + poison, key=lambda p: p.ts))
    assert len(out.accepted) == len(good)  # every good report went through the rules
    assert {c.alert.rule for c in out.changes} >= {"zone_entry"}
    assert proc.faults.counts == {"position.ZeroDivisionError": 50}
    logged = [r for r in caplog.records if "ZeroDivisionError" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info  # once, with its traceback


async def test_stage_goes_on_after_a_failing_tick(config: SeagridConfig) -> None:
    bus = MemoryBus()
    stage = AlertsStage(config, rules=PoisonedRules(config, Thresholds.from_config(config)))
    for topic in (topics.CELL_POSITIONS, topics.STATIC, topics.MESSAGES, topics.ALERT_COMMANDS):
        await bus.ensure_group(topic, stage.group)
    far = CellPosition(A, T0 + 20 * 86400.0, 24.05, 118.02, "W-1", "west")
    after = north(B, 24.050, 118.025, 3)
    after = [CellPosition(B, far.ts + p.ts - T0, p.lat, p.lon, p.cell, p.office) for p in after]
    await bus.publish(topics.CELL_POSITIONS, [encode(p) for p in (far, *after)])
    await stage.step(bus, 0.0)
    status = stage.status()
    assert status["faults"] >= 1 and status["fault_tick.OverflowError"] >= 1
    assert status["positions"] == 4  # the records themselves were all handled
    await bus.close()
