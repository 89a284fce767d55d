"""A small test jurisdiction for the rule tables: four cells, one zone of each kind.

Boxes in lon/lat, about 2 km across; positions get their cell and office from the cells
exactly as gridding would (pure geometry), so the rules see what the pipeline gives them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shapely

from services.alerts.evaluator import RuleEngine
from services.alerts.geo import KNOT_MS, offset
from services.alerts.model import Observation
from services.alerts.thresholds import Thresholds
from services.core.config import Cell, Centre, Office, SeagridConfig, Zone
from services.core.config_zones import parse_iso8601
from services.core.types import CellPosition, MmsiClass
from services.ingest.mmsi import classify

T0 = 1772323200.0  # 2026-03-01T00:00:00Z

CELLS = (
    Cell("SW", "west", shapely.box(118.5, 24.5, 118.7, 24.7)),
    Cell("NW", "west", shapely.box(118.5, 24.7, 118.7, 24.9)),
    Cell("SE", "east", shapely.box(118.7, 24.5, 118.9, 24.7)),
    Cell("NE", "east", shapely.box(118.7, 24.7, 118.9, 24.9)),
)


def _zone(ident: str, kind: str, box: tuple[float, float, float, float], **props: Any) -> Zone:
    extra: dict[str, Any] = {}
    if "max_speed_kn" in props:
        extra["max_speed_kn"] = float(props["max_speed_kn"])
    if "active_from" in props:
        extra["active_from"] = parse_iso8601(props["active_from"])
        extra["active_to"] = parse_iso8601(props["active_to"])
    return Zone(ident, kind, ident, shapely.box(*box), params=dict(props), **extra)


ZONES = (
    _zone("R", "restricted", (118.70, 24.70, 118.72, 24.72)),
    _zone(
        "WW", "waterworks", (118.60, 24.60, 118.62, 24.62),
        active_from="2026-01-01T00:00:00Z", active_to="2027-01-01T00:00:00Z",
    ),
    _zone(
        "WO", "waterworks", (118.60, 24.80, 118.62, 24.82),
        active_from="2024-01-01T00:00:00Z", active_to="2025-01-01T00:00:00Z",
    ),
    _zone("S", "speed_limit", (118.75, 24.60, 118.80, 24.65), max_speed_kn=10),
    _zone("S6", "speed_limit", (118.75, 24.52, 118.80, 24.57), max_speed_kn=6,
          speeding_tolerance_kn=0.5),
    _zone("N", "no_anchoring", (118.55, 24.70, 118.57, 24.72)),
    _zone("A", "anchorage", (118.80, 24.80, 118.84, 24.84)),
    _zone("B", "sand_mining_ban", (118.65, 24.75, 118.69, 24.79)),
)  # fmt: skip

WATCHED = 412000001


def config(
    zones: Iterable[Zone] = ZONES,
    rules: dict[str, Any] | None = None,
    cells: Iterable[Cell] = CELLS,
) -> SeagridConfig:
    sections: dict[str, Any] = {"watchlist": [{"mmsi": WATCHED, "reason": "test"}]}
    if rules is not None:
        sections["rules"] = rules
    return SeagridConfig(
        directory=Path("."),
        centre=Centre("centre", "Centre"),
        offices=(Office("west", "West"), Office("east", "East")),
        cells=tuple(cells),
        zones=tuple(zones),
        sections=sections,
    )


def engine(**kwargs: Any) -> RuleEngine:
    cfg = config(**kwargs)
    return RuleEngine(cfg, Thresholds.from_config(cfg))


def pos(
    mmsi: int,
    ts: float,
    lat: float,
    lon: float,
    speed: float | None = 10.0,
    course: float | None = 0.0,
    status: int | None = 0,
    msg_type: int = 1,
) -> CellPosition:
    cell = next((c for c in CELLS if shapely.intersects_xy(c.geometry, lon, lat)), None)
    return CellPosition(
        mmsi, ts, lat, lon, cell.id if cell else None, cell.office if cell else None,
        speed=speed, course=course, status=status, msg_type=msg_type,
        mmsi_class=classify(mmsi).value if classify(mmsi) != MmsiClass.INVALID else "ship",
    )  # fmt: skip


def steer(
    mmsi: int,
    t0: float,
    lat: float,
    lon: float,
    course: float,
    speed: float,
    n: int,
    dt: float = 10.0,
    **kwargs: Any,
) -> list[CellPosition]:
    """`n` reports every `dt` s of a vessel holding `course` at `speed` from (lat, lon)."""
    out = []
    for k in range(n):
        la, lo = offset(lat, lon, course, speed * KNOT_MS * dt * k)
        out.append(pos(mmsi, t0 + dt * k, la, lo, speed, course, **kwargs))
    return out


def run(eng: RuleEngine, positions: Iterable[CellPosition], tick: bool = True) -> list[Observation]:
    """Positions in time order one at a time, with a clock tick at each (as the stage does)."""
    out: list[Observation] = []
    for p in sorted(positions, key=lambda q: q.ts):
        out.extend(eng.observe([p])[1])
        if tick:
            out.extend(eng.tick(p.ts))
    return out


def of(observations: list[Observation], rule: str, active: bool = True) -> list[Observation]:
    return [o for o in observations if o.rule == rule and o.active is active]
