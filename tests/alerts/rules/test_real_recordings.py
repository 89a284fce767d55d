"""The rules over real recordings (shared/data/ais): they run clean, and catch what is real."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import shapely

from services.alerts.evaluator import RuleEngine
from services.alerts.model import Observation
from services.alerts.thresholds import Thresholds
from services.core.config import Cell, SeagridConfig, load_config
from services.core.types import CellPosition, Position
from services.ingest.records import to_records
from tests.alerts.rules.world import config
from tests.ingest.helpers import decode_lines, read_lines

DEMO = Path(__file__).parents[3] / "services" / "demo" / "config"
SATELLITE = "amsa-risky/exact-earth-augmented-3.txt"  # 100 min, 603 MMSIs, worldwide


def replay(path: Path, cfg: SeagridConfig) -> tuple[int, int, list[Observation]]:
    """(positions, accepted, observations) with one clock tick per position."""
    messages, _ = decode_lines(read_lines(path))
    cells = [(c.id, c.office, c.geometry) for c in cfg.cells]
    engine = RuleEngine(cfg, Thresholds.from_config(cfg))
    total, accepted, out = 0, 0, []
    for msg in messages:
        out += engine.observe_message(msg.fields, msg.ts or 0.0, msg.mmsi) if msg.ts else []
        for rec in to_records(msg, "test"):
            if not isinstance(rec, Position):
                continue
            cell = next((c for c in cells if shapely.intersects_xy(c[2], rec.lon, rec.lat)), None)
            cp = CellPosition(
                rec.mmsi, rec.ts, rec.lat, rec.lon, cell[0] if cell else None,
                cell[1] if cell else None, rec.speed, rec.course, rec.heading, rec.status,
                rec.turn, rec.msg_type, rec.source, rec.mmsi_class,
            )  # fmt: skip
            total += 1
            kept, obs = engine.observe([cp])
            accepted += len(kept)
            out += obs + engine.tick(rec.ts)
    return total, accepted, out


@pytest.mark.parametrize(
    "name",
    [
        SATELLITE,
        "amsa-risky/exact-earth-with-tag-block.txt",
        "dma-aislib/replay_dump.txt",
        "gfw-ais-tools/ee-multiline.nmea",
        "libais/tagblock.nmea",
    ],
)
def test_real_recordings_raise_nothing_in_the_demo_jurisdiction(
    shared_ais: Path, name: str
) -> None:
    """They lie elsewhere in the world: no vessel of theirs is Quanzhou's business."""
    total, accepted, out = replay(shared_ais / name, load_config(DEMO))
    assert total > 0 and accepted >= 0.85 * total  # satellite: delivery-time stamps, see docs
    assert [o for o in out if o.active] == []


def test_satellite_recording_over_a_worldwide_cell(shared_ais: Path) -> None:
    """Everything is "inside": the shared test MMSI 1193046 (0x123456, the factory default
    of many transponders) is caught as a position jump; no gap is raised, since satellite
    coverage is far too patchy to learn as covered."""
    world = config(zones=[], cells=[Cell("ALL", "west", shapely.box(-180, -85, 180, 85))])
    total, accepted, out = replay(shared_ais / SATELLITE, world)
    raised = Counter(o.rule for o in out if o.active)
    jumps = Counter(o.mmsi for o in out if o.rule == "position_jump" and o.active)
    assert 1193046 in jumps
    assert raised["ais_gap"] == 0
    assert accepted < total
