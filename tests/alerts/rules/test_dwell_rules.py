"""Tables of cases for anchoring_prohibited, anchor_drag and loitering."""

from __future__ import annotations

import pytest

from services.core.types import VesselStatic
from tests.alerts.rules.world import T0, engine, of, pos, run, steer

SHIP = 413000002


def still(n: int, lat: float, lon: float, dt: float = 60.0, **kw: object) -> list:
    kw = {"speed": 0.1, "course": 0.0, **kw}
    return [pos(SHIP, T0 + dt * k, lat, lon, **kw) for k in range(n)]  # type: ignore[arg-type]


# --- anchoring_prohibited -----------------------------------------------------------------


def test_anchoring_prohibited_after_dwell() -> None:
    obs = run(engine(), still(16, 24.71, 118.56))  # 15 min in N at 0.1 kn
    raised = of(obs, "anchoring_prohibited")
    assert raised and raised[0].ts == T0 + 600 and raised[0].zone == "N"
    assert raised[0].cell == "NW"


def test_anchoring_prohibited_by_status_even_when_sog_jitters() -> None:
    obs = run(engine(), still(12, 24.71, 118.56, speed=0.8, status=1))
    assert of(obs, "anchoring_prohibited")


@pytest.mark.parametrize(
    "positions",
    [
        still(6, 24.71, 118.56),  # 5 min: waiting, not anchoring
        still(16, 24.71, 118.60),  # stationary outside the zone
        steer(SHIP, T0, 24.705, 118.551, 90.0, 8.0, 30),  # passing through at 8 kn
    ],
)
def test_anchoring_prohibited_negative(positions: list) -> None:
    assert not of(run(engine(), positions), "anchoring_prohibited")


def test_anchoring_prohibited_ends_when_under_way() -> None:
    positions = still(12, 24.71, 118.56) + steer(SHIP, T0 + 720, 24.71, 118.56, 0.0, 6.0, 3)
    obs = run(engine(), positions)
    assert [o.ts for o in of(obs, "anchoring_prohibited", active=False)] == [T0 + 720]


# --- anchor_drag ----------------------------------------------------------------------


def test_anchor_drag_beyond_swing_radius() -> None:
    # anchored in A, then drifting north at 0.8 kn: radius 150 + 50 + 100 m (unknown LOA)
    anchored = still(5, 24.81, 118.82, status=1)
    drift = steer(SHIP, T0 + 300, 24.81, 118.82, 0.0, 0.8, 30, dt=60.0, status=1)
    obs = run(engine(), anchored + drift)
    raised = of(obs, "anchor_drag")
    assert raised and raised[0].zone == "A"
    assert raised[0].details["distance_m"] > 300.0
    # 0.8 kn = 24.7 m/min: 300 m is passed between 12 and 13 minutes of drift
    assert T0 + 300 + 12 * 60 <= raised[0].ts <= T0 + 300 + 13 * 60


def test_anchor_drag_radius_grows_with_known_length() -> None:
    eng = engine()
    eng.observe_static([VesselStatic(SHIP, T0, 5, to_bow=250, to_stern=50)])  # 300 m LOA
    anchored = still(5, 24.81, 118.82, status=1)
    drift = steer(SHIP, T0 + 300, 24.81, 118.82, 0.0, 0.8, 18, dt=60.0, status=1)  # ~420 m
    assert not of(run(eng, anchored + drift), "anchor_drag")


@pytest.mark.parametrize(
    "tail",
    [
        # swinging on its chain within 150 m
        [pos(SHIP, T0 + 300 + 60 * k, 24.81 + (k % 3) * 0.0005, 118.82, 0.6, 0.0, 1) for k in range(20)],
        # weighs anchor and leaves at 10 kn
        steer(SHIP, T0 + 300, 24.81, 118.82, 0.0, 10.0, 30, status=0),
    ],
)  # fmt: skip
def test_anchor_drag_negative(tail: list) -> None:
    assert not of(run(engine(), still(5, 24.81, 118.82, status=1) + tail), "anchor_drag")


def test_anchor_drag_not_outside_an_anchorage() -> None:
    anchored = still(5, 24.60, 118.85, status=1)
    drift = steer(SHIP, T0 + 300, 24.60, 118.85, 0.0, 0.8, 30, dt=60.0, status=1)
    assert not of(run(engine(), anchored + drift), "anchor_drag")


# --- loitering ----------------------------------------------------------------------------


def wander(n: int, lat: float, lon: float, speed: float = 1.0) -> list:
    """A slow zig-zag: 1 kn, turning 90 degrees every 5 minutes."""
    out, la, lo = [], lat, lon
    for k in range(n):
        course = (k // 5 % 4) * 90.0
        out.append(pos(SHIP, T0 + 60 * k, la, lo, speed, course))
        la += 30.9 / 111120 * (1 if course == 0 else -1 if course == 180 else 0)
        lo += 30.9 / 101000 * (1 if course == 90 else -1 if course == 270 else 0)
    return out


def test_loitering_after_dwell() -> None:
    obs = run(engine(), wander(40, 24.77, 118.67))
    raised = of(obs, "loitering")
    assert raised and raised[0].ts == T0 + 1800 and raised[0].zone == "B"


@pytest.mark.parametrize(
    "positions",
    [
        wander(40, 24.77, 118.60),  # outside the ban zone
        still(40, 24.77, 118.67),  # lying still: no wandering (anchoring rules' business)
        wander(20, 24.77, 118.67),  # 19 minutes: under the dwell time
        steer(SHIP, T0, 24.751, 118.67, 0.0, 8.0, 40),  # transiting at 8 kn
    ],
)
def test_loitering_negative(positions: list) -> None:
    assert not of(run(engine(), positions), "loitering")
