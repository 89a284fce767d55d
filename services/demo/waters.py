"""The jurisdiction box, the land polygons and the water between them.

Cells and zones are clipped to water so that an office is never handed a hill, and every
fairway the simulator follows is checked against the same land polygons the map shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

# lon_min, lat_min, lon_max, lat_max: from the south shore of Meizhou Bay to Weitou Bay.
BOX = (118.30, 24.40, 119.30, 25.30)

# Kinmen (Taiwan-administered) lies south-west of this corner; nothing of ours goes there.
KINMEN_CORNER = (118.50, 24.55)

NOTE = "Illustrative demo boundary, not an official or navigational boundary."


def load_land(config_dir: Path) -> BaseGeometry:
    """The union of the land polygons of `land.geojson` in `config_dir`."""
    with open(config_dir / "land.geojson", encoding="utf-8") as fh:
        doc = json.load(fh)
    return shapely.union_all([shape(f["geometry"]) for f in doc["features"]])


def water(land: BaseGeometry) -> BaseGeometry:
    """The box minus the land."""
    return box(*BOX).difference(land)


def in_kinmen_corner(geom: BaseGeometry) -> bool:
    """Whether any part of `geom` lies south-west of the Kinmen corner."""
    lon, lat = KINMEN_CORNER
    corner = box(BOX[0] - 1, BOX[1] - 1, lon, lat)
    return bool(geom.intersection(corner).area > 0 or geom.intersects(corner.buffer(-1e-9)))
