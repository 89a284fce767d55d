"""Vessel kinds and the identities (MMSI, name, call sign, IMO, size) the simulator invents.

MMSIs use the Chinese MIDs 412, 413 and 414; names follow the pinyin of Chinese registered
names ("MIN SHI YU 01234" for 闽狮渔01234, a Shishi fishing boat). Every identity is made
up: a name may match a real ship by chance, its MMSI is what the demo knows it by.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MIDS = (412, 413, 414)


@dataclass(frozen=True)
class Kind:
    """What a kind of vessel looks like in AIS and how fast it goes."""

    name: str
    ship_type: int  # ITU-R M.1371 table 53
    ais_class: str  # "A" or "B"
    speed_kn: tuple[float, float]
    length_m: tuple[int, int]
    draught_m: tuple[float, float]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("cargo", 70, "A", (10.0, 14.0), (90, 230), (5.0, 12.0)),
        Kind("tanker", 80, "A", (9.0, 13.0), (100, 330), (6.0, 18.0)),
        Kind("passenger", 60, "A", (18.0, 24.0), (30, 50), (1.5, 2.5)),
        Kind("tug", 52, "A", (6.0, 10.0), (25, 40), (3.0, 5.0)),
        Kind("fishing", 30, "B", (2.0, 4.0), (12, 30), (1.5, 3.0)),
        Kind("fishing_a", 30, "A", (2.0, 4.0), (30, 45), (2.5, 4.0)),
        Kind("patrol", 55, "A", (12.0, 16.0), (20, 60), (1.5, 3.5)),
        Kind("patrol_fast", 55, "A", (25.0, 28.0), (15, 25), (1.0, 1.5)),
        Kind("dredger", 33, "A", (0.8, 1.8), (60, 110), (3.0, 5.0)),  # 33: dredging
        # an AIS-SART (ITU-R M.585: MMSI 970xxyyyy) is no ship: no type 5, no size
        Kind("sart", 0, "A", (0.0, 1.0), (0, 0), (0.0, 0.0)),
    )
}

_CARGO_PREFIXES = (
    "ZHE HAI",
    "MIN HANG",
    "HUA YANG",
    "XIN HAI ZHOU",
    "JIN HAI",
    "MIN FENG",
    "AN JI",
)
_TANKER_PREFIXES = ("DA QING", "MIN YOU", "HAI YANG SHI YOU", "CHANG HANG YOU", "ZHE YOU")
_FISHING_PREFIXES = ("MIN SHI YU", "MIN JIN YU", "MIN HUI YU", "MIN NAN YU")
_TUG_PREFIXES = ("QUAN GANG TUO", "QUAN ZHOU TUO", "MEI ZHOU WAN TUO")
_FERRY_PREFIXES = ("MIN NAN JIN MEN", "JIN XIA", "SHI JING")
_DESTINATIONS = (
    "QUANZHOU",
    "XIAOCUO",
    "DOUWEI",
    "SHIHU",
    "XIUTU",
    "SHIJING",
    "WEITOU",
    "XIAMEN",
    "FUZHOU",
    "NINGBO",
    "SHANGHAI",
    "SHANTOU",
    "SHENZHEN",
)


@dataclass(frozen=True)
class Identity:
    """The static data a vessel broadcasts (type 5, or type 24 for class B)."""

    mmsi: int
    name: str
    callsign: str
    imo: int
    kind: str
    ship_type: int
    ais_class: str
    to_bow: int
    to_stern: int
    to_port: int
    to_starboard: int
    draught: float
    destination: str


def imo_number(rng: random.Random) -> int:
    """A 7-digit IMO number with a valid check digit."""
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(5)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return int("".join(map(str, digits)) + str(check))


def _name(kind: str, rng: random.Random) -> str:
    if kind.startswith("fishing"):
        return f"{rng.choice(_FISHING_PREFIXES)} {rng.randint(1000, 9999):05d}"
    table = {
        "cargo": _CARGO_PREFIXES,
        "tanker": _TANKER_PREFIXES,
        "tug": _TUG_PREFIXES,
        "passenger": _FERRY_PREFIXES,
    }
    return f"{rng.choice(table.get(kind, _CARGO_PREFIXES))} {rng.randint(1, 999)}"


def _callsign(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    tail = "".join(rng.choice(letters) for _ in range(2)) + str(rng.randint(0, 9))
    return "B" + rng.choice("IQRSX") + tail


class Registry:
    """Hands out unique MMSIs and names for one scenario."""

    def __init__(self, rng: random.Random, reserved: set[int] | None = None) -> None:
        self.rng = rng
        self.used: set[int] = set(reserved or ())

    def mmsi(self) -> int:
        while True:
            m = rng_mid(self.rng) * 1_000_000 + self.rng.randint(100_000, 999_999)
            if m not in self.used:
                self.used.add(m)
                return m

    def identity(self, kind: str, mmsi: int | None = None, name: str | None = None) -> Identity:
        spec = KINDS[kind]
        rng = self.rng
        if mmsi is None:
            mmsi = self.mmsi()
        else:
            self.used.add(mmsi)
        length = rng.randint(*spec.length_m)
        beam = max(4, round(length * rng.uniform(0.14, 0.18))) if length else 0
        bow = round(length * rng.uniform(0.7, 0.85))
        port = beam // 2
        seagoing = kind in ("cargo", "tanker")
        return Identity(
            mmsi=mmsi,
            name=(name or _name(kind, rng))[:20],
            callsign=_callsign(rng),
            imo=imo_number(rng) if seagoing else 0,
            kind=kind,
            ship_type=spec.ship_type,
            ais_class=spec.ais_class,
            to_bow=bow,
            to_stern=length - bow,
            to_port=port,
            to_starboard=beam - port,
            draught=round(rng.uniform(*spec.draught_m), 1),
            destination=rng.choice(_DESTINATIONS) if seagoing or kind == "passenger" else "",
        )


def rng_mid(rng: random.Random) -> int:
    return rng.choice(MIDS)
