"""The rules' batch lookahead (services/alerts/lookahead.py) changes nothing: the demo
recording through the processor with and without it gives the same alert changes and
accepted positions, a mode switched on and off mid-recording (new zones and thresholds
between two chunks of one batch) included."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest

from services.alerts.evaluator import RuleEngine
from services.alerts.lifecycle import AlertBook
from services.alerts.model import alert_change_to_json
from services.alerts.processor import AlertProcessor
from services.alerts.routing import Router
from services.alerts.thresholds import Thresholds
from services.alerts.timing import AlertTiming
from services.core import topics
from services.core.config import SeagridConfig, load_config
from services.core.settings import DEMO_CONFIG_DIR, IngestSettings
from services.core.types import CellPosition
from services.gridding.stage import GriddingStage
from services.infocentre.model import ModeActivation
from services.ingest.stage import IngestStage
from tests.replay_golden import DEMO_RECORDING


class ChunkByChunk(RuleEngine):
    """The rules as they were: every chunk asks its own spatial questions."""

    prefetch = None  # type: ignore[assignment]


@pytest.fixture(scope="module")
def demo() -> tuple[SeagridConfig, list[CellPosition]]:
    config = load_config(DEMO_CONFIG_DIR)
    ingest = IngestStage([], IngestSettings())
    lines = DEMO_RECORDING.read_bytes().splitlines()
    for start in range(0, len(lines), 4096):
        asyncio.run(ingest.accept("test", lines[start : start + 4096], time.time()))
    ingest.decoder.finish()
    gridding = GriddingStage(config)
    return config, gridding.process(ingest._outbox[topics.POSITIONS])[0]


def run(config: SeagridConfig, rules: RuleEngine, positions: list[CellPosition]) -> Any:
    middle = positions[len(positions) // 2].ts
    rules.set_modes([ModeActivation("fog-test", "fog", middle - 600.0, middle + 600.0)])
    book = AlertBook(Router.from_config(config), AlertTiming.from_config(config))
    processor = AlertProcessor(rules, book)
    changes, accepted = [], []
    for start in range(0, len(positions), 2048):
        out = processor.process(positions[start : start + 2048])
        changes += [orjson.dumps(alert_change_to_json(c)) for c in out.changes]
        accepted += out.accepted
    return changes, accepted


def test_lookahead_gives_what_each_chunk_would(
    demo: tuple[SeagridConfig, list[CellPosition]],
) -> None:
    config, positions = demo
    thresholds = Thresholds.from_config(config)
    batched = run(config, RuleEngine(config, thresholds), positions)
    alone = run(config, ChunkByChunk(config, thresholds), positions)
    assert batched == alone
    rules = {orjson.loads(c)["alert"]["rule"] for c in batched[0]}
    assert {"zone_entry", "predicted_entry"} <= rules  # the spatial answers were used


def test_answers_are_only_reused_for_the_next_run_of_the_batch_under_the_same_index(
    demo: tuple[SeagridConfig, list[CellPosition]],
) -> None:
    from services.alerts.lookahead import Lookahead

    _, positions = demo
    batch = positions[:10]
    zones, thresholds = object(), object()
    asked: list[int] = []

    def ask(chunk: list[CellPosition]) -> Any:
        asked.append(len(chunk))
        return [(k,) for k in range(len(chunk))], {3: [(7, 1.0)]}

    ahead = Lookahead.of(batch, zones, thresholds, ask)
    assert ahead.take(batch[:2], zones, object()) is None  # thresholds replaced (a mode)
    assert ahead.take(batch[:2], object(), thresholds) is None  # zones replaced (live data)
    assert ahead.take(batch[1:3], zones, thresholds) is None  # not where the last one ended
    assert ahead.take(batch[:2], zones, thresholds) == ([(0,), (1,)], {})
    assert ahead.take(batch[2:5], zones, thresholds) == ([(2,), (3,), (4,)], {1: [(7, 1.0)]})
    assert ahead.take(batch[5:11] + positions[10:12], zones, thresholds) is None  # past the end
    assert asked == [10]
