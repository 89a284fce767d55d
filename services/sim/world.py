"""What the simulator knows of a configuration directory: water, routes, limits, fleet lists.

Read from the same files the service reads (seagrid.toml, zones.geojson) plus the demo's
routes.geojson and land.geojson, so traffic obeys the configured speed limits and anchors in
the configured anchorages. A directory without routes or land cannot be simulated: the
error names the missing file.
"""

from __future__ import annotations

import json
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from services.sim.geo import Coord

SPEED_MARGIN = 0.9  # simulated masters keep 10 % under a posted limit
NO_GO_MARGIN = 0.002  # degrees (~200 m) everyday traffic keeps off restricted and works zones
NO_GO_KINDS = ("restricted", "waterworks")


class ConfigError(ValueError):
    """The configuration directory lacks something the simulator needs."""


@dataclass(frozen=True)
class Route:
    id: str
    kind: str
    coords: tuple[Coord, ...]
    users: tuple[str, ...] = ()
    end: str = ""
    office: str = ""


@dataclass
class World:
    box: tuple[float, float, float, float]
    land: BaseGeometry
    routes: dict[str, Route]
    berths: dict[str, Coord]
    grounds: dict[str, BaseGeometry]
    anchorages: dict[str, BaseGeometry]
    speed_zones: list[tuple[BaseGeometry, float]]
    patrol_vessels: list[dict[str, Any]] = field(default_factory=list)
    watchlist: list[int] = field(default_factory=list)
    zones: dict[str, BaseGeometry] = field(default_factory=dict)  # every rule area, by id
    jurisdiction: BaseGeometry | None = None  # union of grid.geojson's cells, when present
    no_go: BaseGeometry | None = None  # restricted and works zones, with a margin
    radars: list[dict[str, Any]] = field(default_factory=list)  # seagrid.toml [[radars]]

    def clear_of_zones(self, coords: list[Coord]) -> bool:
        """Whether a path keeps out of restricted and works zones (and their margin)."""
        return self.no_go is None or not self.no_go.intersects(LineString(coords))

    def in_zone(self, p: Coord) -> bool:
        """Whether p lies in any rule area (where stopping or slowing may be an offence)."""
        pt = Point(p)
        return any(zone.contains(pt) for zone in self.zones.values())

    def on_water(self, p: Coord) -> bool:
        lon, lat = p
        inside = self.box[0] < lon < self.box[2] and self.box[1] < lat < self.box[3]
        return inside and not self.land.contains(Point(lon, lat))

    def clear_line(self, a: Coord, b: Coord) -> bool:
        """Whether the straight line from a to b stays on water."""
        return (
            self.on_water(a) and self.on_water(b) and not self.land.intersects(LineString([a, b]))
        )

    def speed_cap(self, p: Coord) -> float:
        """The fastest a law-abiding vessel goes at p (knots); inf outside limits."""
        pt = Point(p)
        caps = [limit * SPEED_MARGIN for zone, limit in self.speed_zones if zone.contains(pt)]
        return min(caps, default=float("inf"))

    def point_in(self, area: BaseGeometry, rng: random.Random, margin: float = 0.0) -> Coord:
        """A random point inside area (shrunk by margin degrees) and on water."""
        inner = area.buffer(-margin) if margin else area
        if inner.is_empty:
            inner = area
        x0, y0, x1, y1 = inner.bounds
        for _ in range(1000):
            p = (rng.uniform(x0, x1), rng.uniform(y0, y1))
            if inner.contains(Point(p)) and self.on_water(p):
                return p
        raise ConfigError("no water found inside an area")


def _features(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"{path.name}: missing (the simulator needs it in {path.parent})")
    with open(path, encoding="utf-8") as fh:
        return list(json.load(fh)["features"])


def _route(f: dict[str, Any]) -> Route:
    p = f["properties"]
    coords = tuple((float(x), float(y)) for x, y in f["geometry"]["coordinates"])
    return Route(
        p["id"], p["kind"], coords, tuple(p.get("users", ())), p.get("end", ""), p.get("office", "")
    )


def _land(config_dir: Path) -> tuple[BaseGeometry, tuple[float, float, float, float]]:
    feats = _features(config_dir / "land.geojson")
    land = shapely.union_all([shape(f["geometry"]) for f in feats])
    clip = feats[0]["properties"].get("bbox_clip") or list(land.bounds)
    shapely.prepare(land)
    return land, (clip[0], clip[1], clip[2], clip[3])


_Zones = tuple[dict[str, BaseGeometry], list[tuple[BaseGeometry, float]], dict[str, BaseGeometry]]


def _zones(config_dir: Path) -> _Zones:
    anchorages: dict[str, BaseGeometry] = {}
    limits: list[tuple[BaseGeometry, float]] = []
    every: dict[str, BaseGeometry] = {}
    for f in _features(config_dir / "zones.geojson"):
        p = f["properties"]
        every[p["id"]] = shape(f["geometry"])
        if p["kind"] == "anchorage":
            anchorages[p["id"]] = shape(f["geometry"])
        elif p["kind"] == "speed_limit" and "max_speed_kn" in p:
            limits.append((shape(f["geometry"]), float(p["max_speed_kn"])))
    return anchorages, limits, every


def _no_go(config_dir: Path) -> BaseGeometry | None:
    areas = [
        shape(f["geometry"]).buffer(NO_GO_MARGIN)
        for f in _features(config_dir / "zones.geojson")
        if f["properties"]["kind"] in NO_GO_KINDS
    ]
    if not areas:
        return None
    union = shapely.union_all(areas)
    shapely.prepare(union)
    return union


def _jurisdiction(config_dir: Path) -> BaseGeometry | None:
    """The cells' union: where the alert rules look (None without a grid)."""
    path = config_dir / "grid.geojson"
    if not path.is_file():
        return None
    area = shapely.union_all([shape(f["geometry"]) for f in _features(path)])
    shapely.prepare(area)
    return area


def load_world(config_dir: Path) -> World:
    """Read a configuration directory; ConfigError names what is missing."""
    land, box = _land(config_dir)
    anchorages, limits, every = _zones(config_dir)
    routes: dict[str, Route] = {}
    berths: dict[str, Coord] = {}
    grounds: dict[str, BaseGeometry] = {}
    for f in _features(config_dir / "routes.geojson"):
        kind, geom = f["properties"]["kind"], f["geometry"]
        if geom["type"] == "LineString":
            routes[f["properties"]["id"]] = _route(f)
        elif kind == "berth":
            berths[f["properties"]["id"]] = (geom["coordinates"][0], geom["coordinates"][1])
        elif kind == "fishing_ground":
            grounds[f["properties"]["id"]] = shape(geom)
    toml_path = config_dir / "seagrid.toml"
    settings = tomllib.loads(toml_path.read_text(encoding="utf-8")) if toml_path.is_file() else {}
    return World(
        box=box,
        land=land,
        routes=routes,
        berths=berths,
        grounds=grounds,
        anchorages=anchorages,
        speed_zones=limits,
        patrol_vessels=list(settings.get("patrol_vessels", [])),
        watchlist=[int(w["mmsi"]) for w in settings.get("watchlist", [])],
        zones=every,
        jurisdiction=_jurisdiction(config_dir),
        no_go=_no_go(config_dir),
        radars=list(settings.get("radars", [])),
    )
