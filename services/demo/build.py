"""Write grid.geojson, zones.geojson and routes.geojson of the demo configuration.

Run `python -m services.demo.build [CONFIG_DIR]` after editing cells.py, zones.py or
routes.py (land.geojson must exist: scripts/make-coastline). The output is deterministic, so
a rebuild without edits changes no byte. It refuses to write a route that crosses land.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from services.demo import CONFIG_DIR, routes
from services.demo.cells import build_cells
from services.demo.waters import NOTE, load_land, water
from services.demo.zones import clip_to_water, zone_specs

log = logging.getLogger(__name__)

OFFICE_NAMES = {
    "quangang": "泉港海事处",
    "huian": "惠安海事处",
    "fengze": "丰泽海事处",
    "shishi": "石狮海事处",
    "jinjiang": "晋江海事处",
    "nanan": "南安海事处",
}


class RouteOnLand(ValueError):
    """A route of routes.py crosses the land polygons."""


def _feature(geom: BaseGeometry, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def _collection(name: str, features: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "name": name,
        "note": NOTE + " Simulated demo data for the seagrid demo.",
        "features": features,
    }


def grid_features(sea: BaseGeometry) -> list[dict[str, Any]]:
    return [
        _feature(
            geom,
            {"id": cid, "office": office, "name": f"{OFFICE_NAMES[office]} {cid}", "note": NOTE},
        )
        for cid, office, geom in build_cells(sea)
    ]


def zone_features(land: BaseGeometry, sea: BaseGeometry) -> list[dict[str, Any]]:
    features = []
    for spec in zone_specs(land):
        props = {"id": spec.id, "kind": spec.kind, "name": spec.name, "name_en": spec.name_en}
        props.update(spec.params)
        props["note"] = NOTE
        features.append(_feature(clip_to_water(spec, sea), props))
    return features


def _check_on_water(rid: str, geom: BaseGeometry, land: BaseGeometry) -> None:
    if geom.intersects(land):
        raise RouteOnLand(f"routes.py: {rid}: crosses land")


def route_features(land: BaseGeometry) -> list[dict[str, Any]]:
    features = []
    for p in routes.PATHS:
        line = LineString(p.coords)
        _check_on_water(p.id, line, land)
        features.append(
            _feature(
                line,
                {
                    "id": p.id,
                    "kind": p.kind,
                    "name": p.name_zh,
                    "name_en": p.name,
                    "users": list(p.users),
                    "end": p.end,
                    "note": NOTE,
                },
            )
        )
    for b in routes.BEATS:
        line = LineString(b.coords)
        _check_on_water(b.id, line, land)
        features.append(
            _feature(
                line,
                {
                    "id": b.id,
                    "kind": "patrol",
                    "office": b.office,
                    "name": f"{OFFICE_NAMES[b.office]}巡航线",
                    "note": NOTE,
                },
            )
        )
    for g in routes.GROUNDS:
        poly = Polygon(g.coords)
        _check_on_water(g.id, poly, land)
        features.append(
            _feature(
                poly,
                {
                    "id": g.id,
                    "kind": "fishing_ground",
                    "name": g.name_zh,
                    "name_en": g.name,
                    "ports": list(g.ports),
                    "note": NOTE,
                },
            )
        )
    for pid, name, name_zh, lon, lat in routes.PORT_AREAS:
        _check_on_water(pid, Point(lon, lat), land)
        features.append(
            _feature(
                Point(lon, lat),
                {
                    "id": pid,
                    "kind": "berth",
                    "name": name_zh,
                    "name_en": name,
                    "note": "Approximate position on water next to the port area; " + NOTE,
                },
            )
        )
    return features


def write(path: Path, doc: dict[str, Any]) -> None:
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # One feature per line: small diffs when one zone moves.
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"')
    path.write_text(text + "\n", encoding="utf-8")


def build(config_dir: Path) -> None:
    land = load_land(config_dir)
    sea = water(land)
    write(config_dir / "grid.geojson", _collection("grid", grid_features(sea)))
    write(config_dir / "zones.geojson", _collection("zones", zone_features(land, sea)))
    write(config_dir / "routes.geojson", _collection("routes", route_features(land)))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else CONFIG_DIR
    build(target)
    log.info("wrote grid, zones and routes to %s", target)
