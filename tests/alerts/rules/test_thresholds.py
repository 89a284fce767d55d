"""Thresholds: defaults, [rules] overrides (flat and per-rule tables), zone overrides."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import shapely

from services.alerts.evaluator import RuleEngine
from services.alerts.thresholds import ThresholdError, Thresholds
from services.core.config import Zone, load_config
from tests.alerts.rules.world import config

REPO = Path(__file__).parents[3]


def test_every_default_is_documented_in_the_docs() -> None:
    doc = (REPO / "docs" / "alerts-rules.md").read_text()
    missing = [f.name for f in dataclasses.fields(Thresholds) if f"`{f.name}`" not in doc]
    assert missing == []


def test_rules_overrides_flat_and_nested() -> None:
    th = Thresholds.from_config(
        config(rules={"speeding_tolerance_kn": 2, "close_quarters": {"cpa_nm": 0.3}})
    )
    assert th.speeding_tolerance_kn == 2.0 and th.close_quarters_cpa_nm == 0.3
    assert th.ais_gap_min_s == Thresholds().ais_gap_min_s


def test_anchoring_prohibited_table_maps_to_anchoring_prefix() -> None:
    th = Thresholds.from_config(config(rules={"anchoring_prohibited": {"dwell_s": 300}}))
    assert th.anchoring_dwell_s == 300.0


@pytest.mark.parametrize(
    "rules",
    [
        {"speeding_tolerence_kn": 2},  # misspelt
        {"close_quarters": {"cpa": 0.3}},  # unknown in the table
        {"ais_gap_min_s": "ten minutes"},
        {"ais_gap_min_s": -1},
        {"loitering_dwell_s": True},
    ],
)
def test_bad_rules_are_errors(rules: dict) -> None:
    with pytest.raises(ThresholdError):
        Thresholds.from_config(config(rules=rules))


def test_zone_override_applies_to_that_zone_only_and_typos_fail() -> None:
    box = shapely.box(118.6, 24.6, 118.61, 24.61)
    fine = Zone("z", "no_anchoring", "z", box, params={"anchoring_dwell_s": 60, "note": "x"})
    th = Thresholds()
    assert th.for_zone(fine).anchoring_dwell_s == 60.0
    assert th.anchoring_dwell_s == 600.0
    typo = Zone("z", "no_anchoring", "z", box, params={"anchoring_dwel_s": 60})
    with pytest.raises(ThresholdError, match="zone z"):
        Thresholds.from_config(config(zones=[typo]))


def test_bad_watchlist_is_an_error() -> None:
    cfg = config()
    cfg.sections["watchlist"] = [{"mmsi": "412000001"}]
    with pytest.raises(ThresholdError, match="watchlist"):
        RuleEngine(cfg, Thresholds())


def test_a_watchlist_that_is_not_an_array_is_one_readable_problem() -> None:
    cfg = config()
    cfg.sections["watchlist"] = {"mmsi": 412000001}  # [watchlist], not [[watchlist]]
    with pytest.raises(ThresholdError) as raised:
        RuleEngine(cfg, Thresholds())
    assert raised.value.problems == ["[[watchlist]] must be an array of tables"]
    assert str(raised.value) == "[[watchlist]] must be an array of tables"


def test_demo_configuration_loads() -> None:
    cfg = load_config(REPO / "services" / "demo" / "config")
    engine = RuleEngine(cfg, Thresholds.from_config(cfg))
    assert len(engine.zones) == len(cfg.zones) and engine.watchlist
