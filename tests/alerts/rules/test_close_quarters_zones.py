"""close_quarters with per-zone CPA/TCPA: a pair uses the larger of its two vessels' values.

The world's jurisdiction plus a narrow channel (CPA 0.2 nm, as in a harbour channel where
meeting ships routinely pass at 0.3 nm) and a dangerous-goods berth area (CPA 0.8 nm).
Two vessels meet head-on at 10 kn each, 300 s after T0, with a lateral offset: that offset
is their CPA.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from services.alerts.evaluator import RuleEngine
from services.alerts.thresholds import ThresholdError, Thresholds
from services.alerts.zones import ZoneIndex
from services.core.config import Zone
from tests.alerts.rules.world import T0, ZONES, _zone, config, engine, of, run, steer

A, B = 413000010, 413000020
NM = 1852.0
CHANNEL = _zone(
    "CH", "speed_limit", (118.743, 24.77, 118.757, 24.83), max_speed_kn=12,
    close_quarters_cpa_nm=0.2,
)  # fmt: skip
BERTH = _zone("DG", "restricted", (118.60, 24.77, 118.63, 24.83), close_quarters_cpa_nm=0.8)
QUICK = _zone("Q", "speed_limit", (118.743, 24.77, 118.757, 24.83), close_quarters_tcpa_s=120)


def _lon_m(metres: float) -> float:
    return metres / (111120 * math.cos(math.radians(24.8)))


def meeting(lateral_nm: float, lon: float = 118.75) -> list:
    """A northbound on `lon`, B southbound `lateral_nm` east of it: CPA = the offset."""
    run_m = 10.0 * 0.514444 * 300
    a = steer(A, T0, 24.80 - run_m / 111120, lon, 0.0, 10.0, 40)
    b = steer(B, T0, 24.80 + run_m / 111120, lon + _lon_m(lateral_nm * NM), 180.0, 10.0, 40)
    return a + b


def with_zones(*extra: Zone) -> RuleEngine:
    return engine(zones=(*ZONES, *extra))


@pytest.mark.parametrize(
    ("zones", "lateral_nm", "lon", "limit_nm"),
    [
        ((), 0.3, 118.75, 0.5),  # control: open water, global 0.5 nm
        ((CHANNEL,), 0.15, 118.75, 0.2),  # both in the channel, under its 0.2 nm
        ((CHANNEL,), 0.3, 118.754, 0.5),  # B is east of the channel: the larger, global CPA
        ((BERTH,), 0.6, 118.615, 0.8),  # both in the berth area: its 0.8 nm
        ((BERTH,), 0.6, 118.628, 0.8),  # only A in the berth area: the larger still applies
    ],
)
def test_close_quarters_raised_with_the_pairs_threshold(
    zones: tuple[Zone, ...], lateral_nm: float, lon: float, limit_nm: float
) -> None:
    raised = of(run(with_zones(*zones), meeting(lateral_nm, lon)), "close_quarters")
    assert {(o.mmsi, o.other_mmsi) for o in raised} == {(A, B)}
    assert raised[0].details["cpa_limit_nm"] == limit_nm
    assert raised[0].details["cpa_nm"] == pytest.approx(lateral_nm, abs=0.02)


@pytest.mark.parametrize(
    ("zones", "lateral_nm", "lon"),
    [
        ((CHANNEL,), 0.3, 118.75),  # a routine channel meeting at 0.3 nm
        ((CHANNEL,), 0.22, 118.749),  # just above the channel's 0.2 nm
        ((), 0.6, 118.615),  # berth area not configured: 0.6 nm is above the global 0.5
        ((BERTH,), 0.6, 118.70),  # same meeting outside the berth area
    ],
)
def test_close_quarters_not_raised_above_the_pairs_threshold(
    zones: tuple[Zone, ...], lateral_nm: float, lon: float
) -> None:
    assert not of(run(with_zones(*zones), meeting(lateral_nm, lon)), "close_quarters")


def test_zone_tcpa_raises_later_than_the_global_tcpa() -> None:
    late = of(run(with_zones(QUICK), meeting(0.1)), "close_quarters")
    early = of(run(with_zones(), meeting(0.1)), "close_quarters")
    assert late[0].details["tcpa_limit_s"] == 120.0 and late[0].details["tcpa_s"] <= 120.0
    assert early[0].details["tcpa_limit_s"] == 600.0 and early[0].details["tcpa_s"] > 250.0


def test_severity_is_relative_to_the_pairs_threshold() -> None:
    """0.06 nm is critical under the global 0.5 nm (a quarter: 0.125) but not in the channel
    of 0.2 nm (a quarter: 0.05), where ships meet that close by design."""
    channel = of(run(with_zones(CHANNEL), meeting(0.06)), "close_quarters")
    open_sea = of(run(with_zones(), meeting(0.06)), "close_quarters")
    assert {o.severity for o in channel} == {"warning"}
    assert "critical" in {o.severity for o in open_sea}


def test_threshold_at_largest_of_overlapping_zones_else_default() -> None:
    inner = _zone("I", "speed_limit", (0.0, 0.0, 1.0, 1.0), close_quarters_cpa_nm=0.2)
    outer = _zone("O", "restricted", (0.5, 0.0, 2.0, 1.0), close_quarters_cpa_nm=0.3)
    plain = _zone("P", "anchorage", (0.0, 0.0, 3.0, 1.0))
    index = ZoneIndex([inner, outer, plain], Thresholds())
    lon, lat = np.array([0.2, 0.7, 1.5, 2.5, 5.0]), np.full(5, 0.5)
    got = index.threshold_at("close_quarters_cpa_nm", lon, lat, 0.5)
    assert got.tolist() == [0.2, 0.3, 0.3, 0.5, 0.5]
    tcpa = index.threshold_at("close_quarters_tcpa_s", lon, lat, 600.0)  # set by no zone
    assert tcpa.tolist() == [600.0] * 5


@pytest.mark.parametrize(
    "name", ["close_quarters_interval_s", "close_quarters_min_speed_kn", "close_quarters_cpa_mn"]
)
def test_zone_cannot_set_pass_wide_or_misspelt_close_quarters_thresholds(name: str) -> None:
    bad = _zone("X", "speed_limit", (118.743, 24.77, 118.757, 24.83), **{name: 1.0})
    with pytest.raises(ThresholdError, match=f"zone X: .*{name}"):
        Thresholds.from_config(config(zones=(*ZONES, bad)))
