"""Seasonal modes on the rules with one global pass (ais_gap, position_jump), everywhere
and for an area, and the modes every alert records as in force when it was raised."""

from __future__ import annotations

import math

import pytest
import shapely

from services.alerts.lifecycle import AlertBook
from services.alerts.routing import Router
from services.core.types import CellPosition
from services.infocentre.model import ModeActivation
from services.infocentre.modes import BUILT_IN
from tests.alerts.rules.world import T0, engine, of, pos, run, steer

A = 413000001
SHIP = 413000003
LAT, LON = 24.751, 118.801  # cell NE, covered once `busy` traffic has taught the map
NE = shapely.box(118.7, 24.7, 118.9, 24.9)
SW = shapely.box(118.5, 24.5, 118.7, 24.7)


def busy(n: int = 30) -> list[CellPosition]:
    return [pos(413100000 + v, T0 + 10 * k, LAT, LON + 0.0001 * v, 0.2, 0.0) for v in range(n) for k in range(10)]  # fmt: skip


def silent_after(activations: list[ModeActivation]) -> float:
    """Seconds of silence after which the target's ais_gap is raised, to the 10 s."""
    eng = engine()
    eng.set_modes(activations)
    run(eng, busy(), tick=False)
    target = steer(A, T0, LAT, LON + 0.0002, 0.0, 0.0, 10)
    run(eng, target)
    last = target[-1].ts
    for wait in range(10, 1200, 10):
        if [o for o in of(eng.tick(last + wait), "ais_gap") if o.mmsi == A]:
            return float(wait)
    return math.inf


def mode(name: str, area: shapely.Geometry | None = None) -> ModeActivation:
    return ModeActivation(f"a-{name}", name, -math.inf, math.inf, area)


@pytest.mark.parametrize(
    ("activations", "after"),
    [
        ([], 600.0),  # default: 10 min
        ([mode("fog")], 300.0),  # fog everywhere: 5 min
        ([mode("typhoon")], 300.0),
        ([mode("winter")], 480.0),  # 8 min
        ([mode("holiday")], 480.0),
        ([mode("fog", NE)], 300.0),  # fog over the vessel's area
        ([mode("fog", SW)], 600.0),  # fog elsewhere: the default here
        ([mode("winter"), mode("fog", NE)], 300.0),  # the stricter area mode on top
    ],
)
def test_modes_set_the_ais_gap_threshold(activations: list[ModeActivation], after: float) -> None:
    assert silent_after(activations) == after


def test_every_built_in_mode_documents_an_ais_gap_threshold() -> None:
    assert all("ais_gap_min_s" in spec.thresholds for spec in BUILT_IN)


def jump_of(metres_north: float, activations: list[ModeActivation]) -> bool:
    """Whether a 400 m hop in 2 s (~390 kn) from the vessel's track counts as a jump."""
    eng = engine()
    eng.set_modes(activations)
    track = steer(SHIP, T0, LAT, LON, 0.0, 0.0, 3)
    run(eng, track)
    hop = pos(SHIP, T0 + 22, LAT + metres_north / 111_320.0, LON, 0.0, 0.0)
    accepted, observations = eng.observe([hop])
    return bool(of(observations, "position_jump")) and not accepted


@pytest.mark.parametrize(
    ("activations", "jump"),
    [
        ([], False),  # under the 500 m that GPS scatter may reach
        ([mode("fog")], True),  # fog: 300 m
        ([mode("typhoon", NE)], True),  # typhoon over the track's area
        ([mode("typhoon", SW)], False),
        ([mode("winter")], False),
    ],
)
def test_modes_set_the_position_jump_threshold(
    activations: list[ModeActivation], jump: bool
) -> None:
    assert jump_of(400.0, activations) is jump


def test_observations_carry_the_modes_in_force_where_they_happen() -> None:
    eng = engine()
    eng.set_modes([mode("holiday"), mode("fog", NE), mode("typhoon", SW)])
    ne = run(eng, steer(SHIP, T0, 24.71, 118.705, 0.0, 5.0, 2))  # into restricted zone R
    entries = of(ne, "zone_entry")
    assert entries and all(o.modes == ("fog", "holiday") for o in entries)
    gone = of(eng.observe([pos(SHIP, T0 + 5000, 24.6, 118.6, 5.0, 0.0)])[1], "zone_entry", False)
    assert gone and gone[0].modes == ()  # an ending is no raise: nothing to record


def test_an_alert_keeps_the_modes_it_was_raised_under() -> None:
    eng = engine()
    book = AlertBook(Router("centre", {"NE": "east"}))
    eng.set_modes([mode("fog", NE)])
    changes = book.observe(run(eng, steer(SHIP, T0, 24.71, 118.705, 0.0, 5.0, 2)))
    (raised,) = [c.alert for c in changes if c.change == "raised"]
    assert raised.rule == "zone_entry" and raised.details["modes"] == ["fog"]
    # fog lifts; later updates of the same alert still say what raised it
    eng.set_modes([])
    later = steer(SHIP, T0 + 20, 24.712, 118.706, 45.0, 5.0, 40, dt=30.0)
    updates = [c.alert for c in book.observe(run(eng, later)) if c.change == "updated"]
    assert updates and all(u.details["modes"] == ["fog"] for u in updates)
    # an alert raised in normal supervision records none
    book2, eng2 = AlertBook(Router("centre", {"NE": "east"})), engine()
    plain = book2.observe(run(eng2, steer(SHIP, T0, 24.71, 118.705, 0.0, 5.0, 2)))
    assert all("modes" not in c.alert.details for c in plain)
