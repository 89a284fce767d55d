"""`[[neighbours]]` of seagrid.toml: the neighbouring MSAs seagrid hands vessels over to.

    [[neighbours]]
    id = "putian"
    name = "莆田海事局"
    url = "https://putian.example/api/neighbours/notices"   # their inbound endpoint
    key_env = "SEAGRID_NEIGHBOUR_PUTIAN_KEY"   # the shared key (or `key = "..."` inline)
    area = [[119.0, 25.2], [119.4, 25.2], [119.4, 25.5], [119.0, 25.5], [119.0, 25.2]]

`area` is the outer ring of their waters (lon, lat), or a GeoJSON Polygon/MultiPolygon
object. The key is best kept out of the file (`key_env`): the configuration directory is
often in version control. The same key signs what we send them and verifies what they send
us. `url` is any delivery-channel URL (`http(s)://`, or `log://` for a dry run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

MIN_KEY_BYTES = 16


class NeighbourConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Neighbour:
    id: str
    name: str
    url: str
    key: bytes
    area: BaseGeometry


def parse_neighbours(
    sections: dict[str, Any], env: dict[str, str] | None = None
) -> list[Neighbour]:
    tables = sections.get("neighbours", [])
    if not isinstance(tables, list):
        raise NeighbourConfigError(["[[neighbours]] must be an array of tables"])
    found, problems = [], []
    for n, table in enumerate(tables):
        try:
            found.append(_neighbour(table, os.environ if env is None else env))
        except NeighbourConfigError as exc:
            problems += [f"[[neighbours]] entry {n}: {p}" for p in exc.problems]
    ids = [x.id for x in found]
    problems += [
        f"[[neighbours]]: id {i!r} given twice" for i in sorted(set(ids)) if ids.count(i) > 1
    ]
    if problems:
        raise NeighbourConfigError(problems)
    return found


def _neighbour(table: Any, env: Any) -> Neighbour:
    if not isinstance(table, dict):
        raise NeighbourConfigError(["must be a table"])
    problems = [f"needs {k}" for k in ("id", "name", "url") if not isinstance(table.get(k), str)]
    key = table.get("key")
    if isinstance(table.get("key_env"), str):
        key = env.get(table["key_env"])
        if key is None:
            problems.append(f"environment variable {table['key_env']} is not set")
    if key is not None and (not isinstance(key, str) or len(key.encode()) < MIN_KEY_BYTES):
        problems.append(f"key must be at least {MIN_KEY_BYTES} bytes")
    elif key is None and "key_env" not in table:
        problems.append("needs key_env (or key)")
    area = _area(table.get("area"), problems)
    if problems:
        raise NeighbourConfigError(problems)
    assert area is not None and isinstance(key, str)
    return Neighbour(table["id"], table["name"], table["url"], key.encode(), area)


def _area(value: Any, problems: list[str]) -> BaseGeometry | None:
    try:
        geometry = shape(value) if isinstance(value, dict) else Polygon(value)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        problems.append("area must be a ring of [lon, lat] pairs or a GeoJSON polygon")
        return None
    if geometry.is_empty or not shapely.is_valid(geometry):
        problems.append("area is not a valid polygon")
        return None
    shapely.prepare(geometry)
    return geometry
