"""AlertTiming: defaults, [lifecycle] overrides in seagrid.toml, per-zone overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import box

from services.alerts.model import Rule
from services.alerts.timing import DEFAULT_TIMINGS, AlertTiming, RuleTiming, TimingError
from services.core.config import Centre, SeagridConfig, Zone, load_config
from services.core.settings import DEMO_CONFIG_DIR


def config(sections: dict[str, Any], zone_params: dict[str, Any] | None = None) -> SeagridConfig:
    zone = Zone("rs-1", "restricted", "r", box(118.0, 24.0, 118.1, 24.1), params=zone_params or {})
    return SeagridConfig(Path("."), Centre("c", "centre"), (), (), (zone,), sections)


def test_every_rule_has_a_default() -> None:
    assert set(DEFAULT_TIMINGS) == set(Rule)
    demo = AlertTiming.from_config(load_config(DEMO_CONFIG_DIR))
    assert demo.for_alert("zone_entry", "rs-xiaozhui") == DEFAULT_TIMINGS[Rule.ZONE_ENTRY]


def test_overrides_from_toml_and_zone() -> None:
    timing = AlertTiming.from_config(
        config(
            {"lifecycle": {"update_interval_s": 30, "close_quarters": {"min_duration_s": 90}}},
            {"clear_after_s": 5, "name_en": "x"},
        )
    )
    assert timing.update_interval_s == 30.0
    cq = timing.for_alert("close_quarters", None)
    assert cq == RuleTiming(90.0, DEFAULT_TIMINGS[Rule.CLOSE_QUARTERS].clear_after_s)
    assert timing.for_alert("zone_entry", "rs-1") == RuleTiming(0.0, 5.0)
    assert timing.for_alert("zone_entry", "elsewhere") == DEFAULT_TIMINGS[Rule.ZONE_ENTRY]


@pytest.mark.parametrize(
    ("sections", "zone_params", "message"),
    [
        ({"lifecycle": {"nonsense": {"min_duration_s": 1}}}, None, "unknown rule"),
        ({"lifecycle": {"speeding": {"min_duration": 1}}}, None, "unknown setting"),
        ({"lifecycle": {"speeding": {"min_duration_s": -1}}}, None, "non-negative"),
        ({"lifecycle": {"update_interval_s": "1m"}}, None, "non-negative"),
        ({"lifecycle": {"typo_s": 1}}, None, "unknown setting"),
        ({"lifecycle": 3}, None, "must be a table"),
        ({}, {"min_duration_s": True}, "zone rs-1"),
    ],
)
def test_bad_timings_are_errors(
    sections: dict[str, Any], zone_params: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(TimingError, match=message):
        AlertTiming.from_config(config(sections, zone_params))
