"""Rule areas of the demo: one or more of every zone kind the alert rules know.

Placed where the research note's sources put such things (anchorages named in the gazetteer,
the Quanzhou-Kinmen water pipeline in Weitou Bay, sand-vessel enforcement in Weitou Bay),
but every boundary is invented. Speed-limit zones are corridors around the inner reaches of
the fairways in routes.py, so the simulator can obey them and a later scenario can break them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry

from services.demo.waters import KINMEN_CORNER

# The bundled recording starts 2026-03-02; the works run well past any replay of it.
WORKS_ACTIVE = ("2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z")
WORKS_FINISHED = ("2024-03-01T00:00:00Z", "2024-12-31T00:00:00Z")
# Per-zone dwell times shorter than the rules' defaults (docs/demo.md, docs/alerts-rules.md).
PIPELINE_DWELL_S = 300
SAND_BAN_DWELL_S = 300
# Meeting ships in the inner Quanzhou Bay channel pass at 0.2-0.4 nm by design; 0.2 nm is
# still above a harbour ship domain (docs/demo.md), so closer than that is close quarters.
INNER_CHANNEL_CPA_NM = 0.2


@dataclass(frozen=True)
class ZoneSpec:
    """A zone before clipping to water: its shape and the properties the rules read."""

    id: str
    kind: str
    name: str
    name_en: str
    shape: BaseGeometry
    params: dict[str, Any] = field(default_factory=dict)


def _corridor(coords: list[tuple[float, float]], half_width_deg: float) -> BaseGeometry:
    return LineString(coords).buffer(half_width_deg, cap_style="flat", join_style="round")


def _island_guard(land: BaseGeometry, lon: float, lat: float, margin_deg: float) -> BaseGeometry:
    island = next(g for g in getattr(land, "geoms", [land]) if g.contains(Point(lon, lat)))
    return island.buffer(margin_deg)


def _inner_channel(ring: BaseGeometry) -> ZoneSpec:
    """The water two-way traffic uses in the inner Quanzhou Bay channel (both sides of the
    centre line, as far as ships keep to starboard: 0.4 nm), the restricted ring left out."""
    line = [(118.80, 24.83), (118.78, 24.845), (118.74, 24.845), (118.72, 24.84), (118.70, 24.842)]
    return ZoneSpec(
        "fw-quanzhou-inner",
        "fairway",
        "泉州湾内航道",
        "Quanzhou Bay inner channel",
        _corridor(line + [(118.69, 24.858)], 0.009).difference(ring),
        {"close_quarters_cpa_nm": INNER_CHANNEL_CPA_NM},
    )


def zone_specs(land: BaseGeometry) -> list[ZoneSpec]:
    """Every demo zone; `land` is needed to draw a guard ring around an island."""
    specs = _zone_specs(land)
    ring = next(s.shape for s in specs if s.id == "rs-xiaozhui")
    return [*specs, _inner_channel(ring)]


def _zone_specs(land: BaseGeometry) -> list[ZoneSpec]:
    lon_k, lat_k = KINMEN_CORNER
    pipeline = _corridor([(118.562, 24.513), (118.53, 24.497), (lon_k, 24.482)], 0.004)
    return [
        ZoneSpec(
            "anch-xiutu",
            "anchorage",
            "秀涂锚地",
            "Xiutu anchorage",
            box(118.722, 24.828, 118.750, 24.838),
        ),
        ZoneSpec(
            "anch-houzhu",
            "anchorage",
            "后渚锚地",
            "Houzhu anchorage",
            box(118.664, 24.830, 118.688, 24.845),
        ),
        ZoneSpec(
            "anch-quanzhou-outer",
            "anchorage",
            "泉州湾口外锚地",
            "Quanzhou Bay outer anchorage",
            box(118.900, 24.810, 118.940, 24.835),
        ),
        ZoneSpec(
            "anch-meizhou",
            "anchorage",
            "湄洲湾口锚地",
            "Meizhou Bay mouth anchorage",
            box(119.090, 24.990, 119.130, 25.020),
        ),
        ZoneSpec(
            "anch-shenhu",
            "anchorage",
            "深沪湾锚地",
            "Shenhu Bay anchorage",
            box(118.712, 24.658, 118.740, 24.678),
        ),
        ZoneSpec(
            "anch-weitou",
            "anchorage",
            "围头锚地",
            "Weitou anchorage",
            box(118.620, 24.452, 118.665, 24.476),
        ),
        ZoneSpec(
            "sl-quanzhou-bay",
            "speed_limit",
            "泉州湾内航道限速区",
            "Quanzhou Bay inner channel speed limit",
            _corridor(
                [
                    (118.80, 24.83),
                    (118.78, 24.845),
                    (118.74, 24.845),
                    (118.72, 24.84),
                    (118.70, 24.842),
                    (118.69, 24.858),
                ],
                0.005,
            ),
            {"max_speed_kn": 10},
        ),
        ZoneSpec(
            "sl-meizhou",
            "speed_limit",
            "湄洲湾主航道限速区",
            "Meizhou Bay main channel speed limit",
            _corridor(
                [
                    (119.095, 25.025),
                    (119.085, 25.048),
                    (119.06, 25.06),
                    (119.03, 25.07),
                    (119.0, 25.078),
                    (118.975, 25.094),
                    (118.958, 25.108),
                ],
                0.006,
            ),
            {"max_speed_kn": 12},
        ),
        ZoneSpec(
            "sl-shijing",
            "speed_limit",
            "石井航道限速区",
            "Shijing channel speed limit",
            _corridor([(118.49, 24.575), (118.45, 24.60), (118.437, 24.617)], 0.004),
            {"max_speed_kn": 8},
        ),
        ZoneSpec(
            "na-kinmen-pipeline",
            "no_anchoring",
            "泉金供水管道禁锚区",
            "Quanzhou-Kinmen water pipeline no-anchoring area",
            pipeline,
            # A ship stopped over a pipeline for 5 min is worth a call from the VTS: the
            # damage is done when the anchor goes down, not after the default 10 min.
            {"anchoring_dwell_s": PIPELINE_DWELL_S},
        ),
        ZoneSpec(
            "rs-xiaozhui",
            "restricted",
            "小坠岛周边禁航区",
            "Xiaozhui island restricted area",
            _island_guard(land, 118.768, 24.829, 0.003),
        ),
        ZoneSpec(
            "ww-quanzhou-bay",
            "waterworks",
            "泉州湾北岸水工作业区",
            "Quanzhou Bay north shore works",
            box(118.790, 24.856, 118.812, 24.866),
            {"active_from": WORKS_ACTIVE[0], "active_to": WORKS_ACTIVE[1]},
        ),
        ZoneSpec(
            "ww-meizhou-finished",
            "waterworks",
            "湄洲湾南岸施工区(已完工)",
            "Meizhou Bay south shore works (finished)",
            box(118.900, 25.084, 118.925, 25.096),
            {"active_from": WORKS_FINISHED[0], "active_to": WORKS_FINISHED[1]},
        ),
        ZoneSpec(
            "smb-weitou-bay",
            "sand_mining_ban",
            "围头湾禁采区",
            "Weitou Bay sand-mining ban area",
            box(118.455, 24.555, 118.530, 24.600),
            # No vessel has business moving slowly here: the only through traffic (Shijing
            # fairway, Kinmen ferry) keeps above 4 kn, so 5 min slow and wandering is enough.
            {"loitering_dwell_s": SAND_BAN_DWELL_S},
        ),
    ]


def clip_to_water(spec: ZoneSpec, sea: BaseGeometry) -> BaseGeometry:
    """The part of the zone on water, snapped to 1e-5° (about 1 m)."""
    wet = spec.shape.intersection(sea)
    polys = [g for g in getattr(wet, "geoms", [wet]) if g.geom_type == "Polygon"]
    return shapely.set_precision(shapely.union_all(polys), 1e-5)
