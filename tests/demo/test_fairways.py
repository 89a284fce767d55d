"""Normal traffic on the demo fairways never points at a restricted zone.

predicted_entry looks ahead along the course over ground for 10 minutes; a fairway leg that
points at the Xiaozhui ring (the old Quanzhou Bay approach did, until its bend) makes every
ship on it a predicted intruder. The ships keep 0.25-0.4 nm to starboard of the centre line
(services/sim/behaviour.keep_starboard), so each Quanzhou path is checked both ways, at
both offsets, from points along every leg.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
import shapely
from shapely.geometry import LineString

from services.alerts.thresholds import Thresholds
from services.core.config import load_config
from services.demo import CONFIG_DIR, routes
from services.sim.behaviour import STARBOARD_NM, keep_starboard
from services.sim.fleet import KINDS
from services.sim.world import World, load_world

Coord = tuple[float, float]
FASTEST_KN = max(KINDS[k].speed_kn[1] for k in ("cargo", "tanker"))  # fairway users


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(CONFIG_DIR)


@pytest.fixture(scope="module")
def ring() -> shapely.Geometry:
    return next(z.geometry for z in load_config(CONFIG_DIR).zones if z.id == "rs-xiaozhui")


def _ahead(p: Coord, a: Coord, b: Coord, metres: float) -> LineString:
    """The straight course from p in the direction a -> b, `metres` long."""
    scale = math.cos(math.radians(p[1]))
    dx, dy = (b[0] - a[0]) * scale, b[1] - a[1]
    k = metres / 111120 / math.hypot(dx, dy)
    return LineString([p, (p[0] + dx * k / scale, p[1] + dy * k)])


def legs_pointing_at(
    world: World, coords: Sequence[Coord], zone: shapely.Geometry
) -> list[tuple[float, Coord]]:
    """(offset nm, point) where a ship on the path, either way, heads into `zone` in time
    (at its fastest there: the cruise speed, or the speed limit the simulator keeps)."""
    horizon_s = Thresholds().predicted_entry_horizon_s
    found = []
    for side in (*STARBOARD_NM, *(-s for s in STARBOARD_NM)):
        path = keep_starboard(world, coords, side)
        path = path if side > 0 else path[::-1]
        for a, b in zip(path, path[1:], strict=False):
            for k in range(11):
                p = (a[0] + (b[0] - a[0]) * k / 10, a[1] + (b[1] - a[1]) * k / 10)
                reach = min(FASTEST_KN, world.speed_cap(p)) * 0.514444 * horizon_s
                if _ahead(p, a, b, reach).intersects(zone):
                    found.append((side, p))
    return found


@pytest.mark.parametrize("path", [p for p in routes.PATHS if p.id.startswith("qz-")], ids=str)
def test_quanzhou_fairways_keep_their_courses_off_the_restricted_ring(
    world: World, ring: shapely.Geometry, path: routes.Path
) -> None:
    assert legs_pointing_at(world, path.coords, ring) == []


def test_the_old_approach_leg_pointed_at_the_ring(world: World, ring: shapely.Geometry) -> None:
    """The check finds what it is for: the approach that ended at (118.80, 24.82)."""
    old = ((119.06, 24.74), (118.88, 24.80), (118.80, 24.82), (118.78, 24.838), (118.74, 24.842))
    assert legs_pointing_at(world, old, ring)


def test_the_inner_channel_sets_its_own_close_quarters_cpa() -> None:
    zones = {z.id: z for z in load_config(CONFIG_DIR).zones}
    channel = zones["fw-quanzhou-inner"]
    assert channel.kind == "fairway"
    assert channel.params["close_quarters_cpa_nm"] == 0.2
    assert not channel.geometry.intersects(zones["rs-xiaozhui"].geometry.buffer(-1e-5))
