"""Fairways, berths, patrol beats and fishing grounds the traffic simulator follows.

All DEMO sketches: the real routeing systems exist but their coordinates were not found in
public sources (see shared/data/geo/README.md). The three trunk lines start from the
research note's DEMO fairways; every line was placed by hand on the bundled coastline and is
checked to stay on water when the files are built. Paths run from sea to berth or anchorage;
the simulator uses them in either direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Coord = tuple[float, float]  # lon, lat


@dataclass(frozen=True)
class Path:
    """A route a vessel follows from its first to its last point (or back)."""

    id: str
    name: str
    name_zh: str
    kind: str  # fairway, lane, ferry, fishing, tug
    users: tuple[str, ...]
    coords: tuple[Coord, ...]
    end: str = ""  # berth, anchorage or "" (leaves the box)


@dataclass(frozen=True)
class Beat:
    """A closed patrol loop inside one office's waters."""

    id: str
    office: str
    coords: tuple[Coord, ...]


@dataclass(frozen=True)
class Ground:
    """A fishing ground: boats wander inside it at trawling speed."""

    id: str
    name: str
    name_zh: str
    coords: tuple[Coord, ...]
    ports: tuple[str, ...] = field(default=("xiangzhi",))


# Outer approaches shared by several paths, seaward end first.
_MEIZHOU = (
    (119.28, 24.96),
    (119.15, 24.985),
    (119.095, 25.025),
    (119.085, 25.048),
    (119.06, 25.06),
)
# The last point is north of the line to Xiaozhui island: a ship holding the approach leg's
# course must pass north of the restricted ring (predicted_entry looks 10 min ahead), and
# the inner channel runs at 24.845, 0.4 nm clear of the ring's top (24.8376).
_QUANZHOU = ((119.06, 24.74), (118.88, 24.80), (118.80, 24.83))
_QUANZHOU_INNER = _QUANZHOU + ((118.78, 24.845),)
_WEITOU = ((118.80, 24.43), (118.66, 24.49), (118.60, 24.50), (118.56, 24.505))

PATHS: tuple[Path, ...] = (
    Path(
        "mz-xiaocuo",
        "Meizhou Bay main channel to Xiaocuo",
        "湄洲湾主航道-肖厝",
        "fairway",
        ("cargo", "tanker"),
        _MEIZHOU + ((119.03, 25.07), (119.0, 25.078), (118.975, 25.094), (118.958, 25.108)),
        "berth",
    ),
    Path(
        "mz-douwei",
        "Meizhou Bay main channel to Douwei",
        "湄洲湾主航道-斗尾",
        "fairway",
        ("tanker", "cargo"),
        _MEIZHOU + ((119.04, 25.062),),
        "berth",
    ),
    Path(
        "mz-anchorage",
        "Meizhou Bay mouth to the Meizhou Bay anchorage",
        "湄洲湾口-锚地",
        "fairway",
        ("cargo", "tanker"),
        ((119.28, 24.96), (119.15, 24.985), (119.11, 25.005)),
        "anchorage",
    ),
    Path(
        "qz-houzhu",
        "Quanzhou Bay main approach to Houzhu",
        "泉州湾主航道-后渚",
        "fairway",
        ("cargo",),
        _QUANZHOU_INNER + ((118.74, 24.845), (118.72, 24.84), (118.70, 24.842), (118.69, 24.858)),
        "berth",
    ),
    Path(
        "qz-xiutu",
        "Quanzhou Bay main approach to Xiutu",
        "泉州湾主航道-秀涂",
        "fairway",
        ("cargo", "tanker"),
        # leaving the berth eastward first: a straight run SSE from it would point at the ring
        _QUANZHOU_INNER + ((118.766, 24.851), (118.752, 24.853)),
        "berth",
    ),
    Path(
        "qz-shihu",
        "Quanzhou Bay main approach to Shihu",
        "泉州湾主航道-石湖",
        "fairway",
        ("cargo",),
        _QUANZHOU_INNER + ((118.74, 24.845), (118.728, 24.826)),
        "berth",
    ),
    Path(
        "qz-xiutu-anchorage",
        "Quanzhou Bay main approach to Xiutu anchorage",
        "泉州湾-秀涂锚地",
        "fairway",
        ("cargo", "tanker"),
        _QUANZHOU_INNER + ((118.75, 24.843), (118.735, 24.834)),
        "anchorage",
    ),
    Path(
        "qz-houzhu-anchorage",
        "Quanzhou Bay main approach to Houzhu anchorage",
        "泉州湾-后渚锚地",
        "fairway",
        ("cargo",),
        _QUANZHOU_INNER + ((118.74, 24.845), (118.70, 24.842), (118.678, 24.838)),
        "anchorage",
    ),
    Path(
        "qz-outer-anchorage",
        "Quanzhou Bay outer anchorage",
        "泉州湾口外锚地",
        "fairway",
        ("cargo", "tanker"),
        ((119.06, 24.74), (118.95, 24.80), (118.922, 24.822)),
        "anchorage",
    ),
    Path(
        "qz-jinshang",
        "Approach to Jinshang",
        "锦尚作业区进港航路",
        "fairway",
        ("cargo",),
        ((119.06, 24.74), (118.90, 24.755), (118.79, 24.75)),
        "berth",
    ),
    Path(
        "sh-shenhu",
        "Approach to Shenhu port",
        "深沪港进港航路",
        "fairway",
        ("cargo", "fishing"),
        ((118.86, 24.55), (118.74, 24.62), (118.705, 24.655), (118.69, 24.646), (118.674, 24.638)),
        "berth",
    ),
    Path(
        "wt-shijing",
        "Weitou approach to Shijing",
        "围头-石井航路",
        "fairway",
        ("cargo",),
        _WEITOU + ((118.53, 24.54), (118.49, 24.575), (118.45, 24.60), (118.437, 24.617)),
        "berth",
    ),
    Path(
        "wt-anchorage",
        "Weitou anchorage",
        "围头锚地",
        "fairway",
        ("cargo",),
        ((118.80, 24.43), (118.68, 24.46), (118.643, 24.464)),
        "anchorage",
    ),
    Path(
        "sh-anchorage",
        "Shenhu Bay anchorage",
        "深沪湾锚地",
        "fairway",
        ("cargo",),
        ((118.86, 24.55), (118.74, 24.62), (118.726, 24.668)),
        "anchorage",
    ),
    Path(
        "wt-weitou",
        "Weitou approach to Weitou port",
        "围头港进港航路",
        "fairway",
        ("cargo",),
        _WEITOU + ((118.55, 24.515), (118.556, 24.528)),
        "berth",
    ),
    Path(
        "ferry-shijing-kinmen",
        "Shijing-Kinmen passenger route (towards Kinmen)",
        "石井-金门客运航线(往金门方向)",
        "ferry",
        ("passenger",),
        ((118.437, 24.617), (118.45, 24.60), (118.47, 24.575), (118.485, 24.55)),
        "berth",
    ),
    Path(
        "lane-southbound",
        "Coastal through lane, southbound",
        "沿海过境航路(南行)",
        "lane",
        ("cargo", "tanker"),
        ((119.29, 25.10), (119.21, 24.95), (119.06, 24.70), (118.86, 24.50), (118.72, 24.41)),
    ),
    Path(
        "lane-northbound",
        "Coastal through lane, northbound",
        "沿海过境航路(北行)",
        "lane",
        ("cargo", "tanker"),
        ((118.75, 24.405), (118.89, 24.495), (119.09, 24.70), (119.235, 24.95), (119.295, 25.06)),
    ),
    Path(
        "fish-xiangzhi-east",
        "Xiangzhi fishing port to the eastern grounds",
        "祥芝渔港-东部渔场",
        "fishing",
        ("fishing",),
        ((118.786, 24.773), (118.82, 24.77), (118.87, 24.74)),
    ),
    Path(
        "fish-xiangzhi-south",
        "Xiangzhi fishing port to the southern grounds",
        "祥芝渔港-南部渔场",
        "fishing",
        ("fishing",),
        ((118.786, 24.773), (118.80, 24.74), (118.83, 24.68)),
    ),
    Path(
        "tug-quanzhou",
        "Tug beat in Quanzhou Bay",
        "泉州湾拖轮作业",
        "tug",
        ("tug",),
        ((118.728, 24.826), (118.735, 24.834), (118.752, 24.853)),
    ),
    Path(
        "tug-meizhou",
        "Tug beat in Meizhou Bay",
        "湄洲湾拖轮作业",
        "tug",
        ("tug",),
        ((118.958, 25.108), (118.975, 25.094), (119.0, 25.078), (119.03, 25.07), (119.04, 25.062)),
    ),
)

BEATS: tuple[Beat, ...] = (
    Beat(
        "beat-quangang",
        "quangang",
        (
            (118.97, 25.100),
            (119.03, 25.072),
            (119.075, 25.045),
            (119.09, 25.01),
            (119.05, 25.005),
            (119.02, 25.085),
            (118.97, 25.100),
        ),
    ),
    Beat(
        "beat-huian",
        "huian",
        (
            (118.93, 24.855),
            (119.00, 24.87),
            (119.05, 24.93),
            (119.12, 24.95),
            (119.15, 24.88),
            (119.03, 24.845),
            (118.93, 24.855),
        ),
    ),
    Beat(
        "beat-fengze",
        "fengze",
        (
            (118.665, 24.835),
            (118.70, 24.845),
            (118.74, 24.845),
            (118.78, 24.845),
            (118.83, 24.85),
            (118.80, 24.815),
            (118.75, 24.815),
            (118.74, 24.828),
            (118.665, 24.835),
        ),
    ),
    Beat(
        "beat-shishi",
        "shishi",
        (
            (118.82, 24.795),  # not (118.80, 24.80): the leg from the south aimed at the works
            (118.88, 24.79),
            (118.92, 24.75),
            (118.86, 24.71),
            (118.80, 24.73),
            (118.82, 24.795),
        ),
    ),
    Beat(
        "beat-jinjiang",
        "jinjiang",
        (
            (118.72, 24.615),
            (118.75, 24.58),
            (118.70, 24.52),
            (118.60, 24.49),
            (118.56, 24.51),
            (118.665, 24.525),
            (118.72, 24.615),
        ),
    ),
    Beat(
        "beat-nanan",
        "nanan",
        ((118.437, 24.617), (118.45, 24.60), (118.44, 24.585), (118.425, 24.59), (118.437, 24.617)),
    ),
)

GROUNDS: tuple[Ground, ...] = (
    Ground(
        "ground-east",
        "Eastern fishing grounds (off Xiangzhi)",
        "祥芝外海渔场(示意)",
        ((118.86, 24.70), (118.98, 24.70), (118.98, 24.80), (118.86, 24.78), (118.86, 24.70)),
    ),
    Ground(
        "ground-south",
        "Southern fishing grounds (off Shenhu)",
        "深沪外海渔场(示意)",
        ((118.78, 24.60), (118.90, 24.60), (118.90, 24.68), (118.80, 24.70), (118.78, 24.60)),
    ),
)

# name, name_zh, lon, lat: berth or harbour positions on water next to the research note's
# APPROXIMATE port areas (shared/data/geo/README.md), which lie on the shore.
PORT_AREAS: tuple[tuple[str, str, str, float, float], ...] = (
    ("xiaocuo", "Xiaocuo port area", "肖厝港区", 118.958, 25.108),
    ("douwei", "Douwei port area", "斗尾港区", 119.04, 25.062),
    ("houzhu", "Houzhu work area", "后渚作业区", 118.69, 24.858),
    ("xiutu", "Xiutu work area", "秀涂作业区", 118.752, 24.853),
    ("shihu", "Shihu work area", "石湖作业区", 118.728, 24.826),
    ("jinshang", "Jinshang work area", "锦尚作业区", 118.79, 24.75),
    ("xiangzhi", "Xiangzhi central fishing port", "祥芝中心渔港", 118.786, 24.773),
    ("shenhu", "Shenhu port", "深沪港", 118.674, 24.638),
    ("weitou", "Weitou port", "围头港", 118.556, 24.528),
    ("shijing", "Shijing port", "石井港", 118.437, 24.617),
)
