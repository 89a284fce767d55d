"""`seagrid grid make`: generate a regular grid.geojson over a bounding box.

Exit 0 when the file was written, 1 when the arguments or input files are unusable (the
message says which), without writing anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import shapely

from services.gridding.make import (
    MakeError,
    make_grid,
    parse_bbox,
    parse_step,
    read_polygons,
    to_geojson,
)


def register(sub: Any) -> None:
    parser = sub.add_parser("grid", help="grid tools")
    actions = parser.add_subparsers(dest="grid_command", required=True, metavar="ACTION")
    make = actions.add_parser(
        "make",
        help="generate a regular grid.geojson",
        description="Regular grid over a box; ids G-rRRR-cCCC from the south-west corner.",
    )
    make.add_argument("--bbox", required=True, help="minlon,minlat,maxlon,maxlat")
    make.add_argument(
        "--step", required=True, help="cell size: 2nm (nautical miles) or 5' (arcmin)"
    )
    make.add_argument(
        "--offices",
        type=Path,
        help="GeoJSON of office areas (property office); a cell goes to "
        "the office covering most of it, cells no area touches are left out",
    )
    make.add_argument("--land", type=Path, help="GeoJSON of land polygons to clip cells to water")
    make.add_argument("--office-default", help="office for cells no office area touches")
    make.add_argument("--out", required=True, type=Path, help="where to write grid.geojson")
    make.set_defaults(func=run_make)


def run_make(args: argparse.Namespace) -> int:
    try:
        offices = (
            read_polygons(_read_json(args.offices), str(args.offices), "office")
            if args.offices
            else None
        )
        land = None
        if args.land:
            land = shapely.union_all(
                [g for _, g in read_polygons(_read_json(args.land), str(args.land))]
            )
        made = make_grid(
            parse_bbox(args.bbox), parse_step(args.step), offices, land, args.office_default
        )
    except MakeError as exc:
        print(f"seagrid grid make: {exc}", file=sys.stderr)
        return 1
    if not made.cells:
        print(
            "seagrid grid make: no cell left (all on land or outside office areas)", file=sys.stderr
        )
        return 1
    args.out.write_text(json.dumps(to_geojson(made.cells)) + "\n", encoding="utf-8")
    print(
        f"wrote {len(made.cells)} cells ({made.rows} rows x {made.cols} columns; "
        f"{made.on_land} on land, {made.unowned} outside office areas left out) to {args.out}",
        file=sys.stderr,
    )
    return 0


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MakeError(f"cannot read {path}: {exc}") from None
