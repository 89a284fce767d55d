"""The rule engine with living data: watchlist expiry by event time, removal, waterworks
from the register, modes switching rules and thresholds."""

from __future__ import annotations

import math

import shapely

from services.alerts.evaluator import RuleEngine
from services.alerts.thresholds import Thresholds
from services.core.config import SeagridConfig
from services.core.types import CellPosition
from services.infocentre.live import LiveData
from services.infocentre.model import ModeActivation, WatchEntry, Waterworks
from tests.web.conftest import demo_config

__all__ = ["demo_config"]
MMSI = 412990002
T0 = 1_767_225_600.0


def engine(config: SeagridConfig) -> RuleEngine:
    return RuleEngine(config, Thresholds.from_config(config))


def at(config: SeagridConfig, ts: float, speed: float = 5.0, mmsi: int = MMSI) -> CellPosition:
    cell = config.cells[0]
    p = cell.geometry.representative_point()
    return CellPosition(mmsi, ts, p.y, p.x, cell.id, cell.office, speed=speed, course=90.0)


def states(rules: RuleEngine, *positions: CellPosition) -> list[tuple[str, bool]]:
    return [(o.rule, o.active) for o in rules.observe(list(positions))[1] if o.mmsi == MMSI]


def test_expiry_is_event_time_and_removal_ends_the_condition(demo_config: SeagridConfig) -> None:
    rules = engine(demo_config)
    entry = WatchEntry(MMSI, "suspended", "停航", expires_at=T0 + 100)
    assert rules.apply_live(LiveData(1, (entry,)))
    assert states(rules, at(demo_config, T0)) == [("watchlist", True), ("suspended_moving", True)]
    assert states(rules, at(demo_config, T0 + 100)) == [
        ("watchlist", False),
        ("suspended_moving", False),
    ]
    assert not rules.apply_live(LiveData(1, ()))  # same version: ignored
    rules.apply_live(LiveData(2, (WatchEntry(MMSI, "key_vessel"),)))
    assert states(rules, at(demo_config, T0 + 200)) == [("watchlist", True)]
    rules.apply_live(LiveData(3, ()))
    assert states(rules, at(demo_config, T0 + 300)) == [("watchlist", False)]


def test_waterworks_site_is_a_zone_only_in_its_period(demo_config: SeagridConfig) -> None:
    rules = engine(demo_config)
    point = at(demo_config, T0)
    area = shapely.Point(point.lon, point.lat).buffer(0.01)
    site = Waterworks("ww-1", "码头施工", area, T0 + 100, T0 + 200)
    rules.apply_live(LiveData(1, waterworks=(site,)))
    zone_obs = [("zone_entry", True)]
    assert states(rules, at(demo_config, T0)) == []
    assert states(rules, at(demo_config, T0 + 150)) == zone_obs
    assert states(rules, at(demo_config, T0 + 250)) == [("zone_entry", False)]


def test_mode_switches_a_rule_off_and_overrides_thresholds(demo_config: SeagridConfig) -> None:
    rules = engine(demo_config)
    rules.apply_live(LiveData(1, (WatchEntry(MMSI, "suspended"),)))
    slow = 0.8  # under the 1 kn default: not moving
    assert states(rules, at(demo_config, T0, slow)) == [("watchlist", True)]
    fog = ModeActivation("a1", "fog", T0 + 50, T0 + 150)
    rules.apply_live(LiveData(2, (WatchEntry(MMSI, "suspended"),), modes=(fog,)))
    assert rules.thresholds.close_quarters_cpa_nm == 0.5  # not yet in force
    states(rules, at(demo_config, T0 + 60, slow))
    assert rules.thresholds.close_quarters_cpa_nm == 1.0 and rules.modes.names() == ["fog"]
    states(rules, at(demo_config, T0 + 160, slow))
    assert rules.thresholds.close_quarters_cpa_nm == 0.5 and rules.modes.names() == []
    # a user mode that switches the watchlist rule off clears it where it is in force
    typhoon = ModeActivation("a2", "typhoon", -math.inf, math.inf)
    rules.modes.specs["typhoon"] = rules.modes.specs["typhoon"].__class__(
        "typhoon", "防台", rules_off=frozenset({"watchlist"})
    )
    rules.apply_live(LiveData(3, (WatchEntry(MMSI, "suspended"),), modes=(typhoon,)))
    assert states(rules, at(demo_config, T0 + 200, slow)) == [("watchlist", False)]
