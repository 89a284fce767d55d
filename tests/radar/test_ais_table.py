"""The fusion engine's AIS columns keep the order and values of its per-vessel fixes, which
association's vessel numbering (and so its tie-breaks) depends on."""

from __future__ import annotations

import math
import random

import numpy as np

from services.radar.ais import AisTable


def test_rows_follow_dictionary_order_through_forgetting_and_compaction() -> None:
    rng = random.Random(5)
    table = AisTable(capacity=4)  # small: forces both compaction and growth
    fixes: dict[int, tuple[float, float, float, float | None, float | None]] = {}
    for step in range(3000):
        mmsi = rng.randrange(40)
        if rng.random() < 0.2 and mmsi in fixes:
            del fixes[mmsi]
            table.forget(mmsi)
            continue
        speed = None if rng.random() < 0.1 else rng.uniform(0, 30)
        fix = (float(step), rng.uniform(-90, 90), rng.uniform(-180, 180), speed, None)
        fixes[mmsi] = fix
        table.put(mmsi, *fix)
        horizon = step - rng.uniform(0, 500)
        mmsis, rows = table.fresh(horizon)
        want = [(m, f) for m, f in fixes.items() if f[0] >= horizon]
        assert mmsis == [m for m, _ in want]
        expected = np.array([f for _, f in want], dtype=float).reshape(-1, 5)
        assert np.array_equal(rows, expected, equal_nan=True)
    assert len(table) == len(fixes)


def test_a_forgotten_vessel_heard_again_comes_last() -> None:
    table = AisTable()
    for mmsi in (1, 2, 3):
        table.put(mmsi, 10.0, 0.0, 0.0, 1.0, 90.0)
    table.forget(1)
    table.put(1, 11.0, 0.0, 0.0, None, None)
    mmsis, rows = table.fresh(-math.inf)
    assert mmsis == [2, 3, 1]
    assert math.isnan(rows[2, 3]) and math.isnan(rows[2, 4])


def test_dead_reckoning_is_reused_only_while_no_fix_arrives() -> None:
    """Radars sweeping at the same time share the dead-reckoned vessels; a fix arriving
    between their scans (or a forgotten vessel) is seen by the next one."""
    from services.core.types import CellPosition
    from services.radar.fusion import FusionEngine
    from tests.radar.scenes import SITE, radar_config

    engine = FusionEngine(radar_config())

    def fix(mmsi: int, ts: float) -> CellPosition:
        return CellPosition(mmsi, ts, SITE.lat, SITE.lon, None, None, 10.0, 90.0)

    engine.add_position(fix(1, 100.0))
    first = engine._ais_at(105.0)
    assert engine._ais_at(105.0) is first  # the second radar at the same time
    engine.add_position(fix(2, 104.0))
    second = engine._ais_at(105.0)
    assert second[0] == [1, 2]
    assert engine._ais_at(110.0)[0] == [1, 2]
    engine.prune(100.0 + 6 * 180.0 + 1)  # vessel 1 silent for long
    assert engine._ais_at(1185.0)[0] == []  # vessel 2 too old to dead-reckon that far
    assert engine._ais_at(105.0)[0] == [2]
    assert second[2][0] == first[2][0]  # vessel 1 dead-reckoned east alike both times
