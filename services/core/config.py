"""The configuration directory (CONTRACTS §5): `seagrid.toml`, `grid.geojson`, `zones.geojson`.

Every stage loads it through `load_config(dir)`, so a directory that one stage accepts is
accepted by all of them. Validation collects *every* problem before failing instead of
stopping at the first: an operator fixing a hand-drawn grid wants the whole list at once.
Problems are data (`ConfigIssue`, carried by `ConfigError`); only the CLI prints them.

Sections of `seagrid.toml` other than `centre` and `offices` (rules, watchlist, feeds,
escalation, and any added later) are kept raw in `SeagridConfig.sections` for the stages
that own them, rather than rejected here.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from shapely.geometry.base import BaseGeometry

from services.core.config_geometry import (
    check_overlaps,
    check_swapped,
    geometry_problem,
    parse_geometry,
)
from services.core.config_zones import ZONE_KINDS, Zone, zone_params

TOML_FILE = "seagrid.toml"
GRID_FILE = "grid.geojson"
ZONES_FILE = "zones.geojson"

__all__ = [
    "GRID_FILE",
    "TOML_FILE",
    "ZONES_FILE",
    "ZONE_KINDS",
    "Cell",
    "Centre",
    "ConfigError",
    "ConfigIssue",
    "Office",
    "SeagridConfig",
    "Zone",
    "check_config",
    "load_cells",
    "load_config",
]


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem found in a configuration file; `str()` gives `FILE: feature ID: reason`."""

    file: str
    feature: str
    reason: str
    warning: bool = False

    def __str__(self) -> str:
        reason = f"warning: {self.reason}" if self.warning else self.reason
        return f"{self.file}: feature {self.feature}: {reason}"


class ConfigError(ValueError):
    """The configuration directory has errors; `issues` lists all of them (warnings too)."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        errors = [i for i in issues if not i.warning]
        super().__init__(
            f"{len(errors)} configuration error(s); first: {errors[0] if errors else '-'}"
        )

    @property
    def errors(self) -> list[ConfigIssue]:
        return [i for i in self.issues if not i.warning]


@dataclass(frozen=True, slots=True)
class Centre:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Office:
    id: str
    name: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """A grid cell: the unit of responsibility that decides which office an alert goes to."""

    id: str
    office: str
    geometry: BaseGeometry
    name: str | None = None


@dataclass(frozen=True)
class SeagridConfig:
    directory: Path
    centre: Centre
    offices: tuple[Office, ...]
    cells: tuple[Cell, ...]
    zones: tuple[Zone, ...]
    sections: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[ConfigIssue, ...] = ()

    def office_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.offices)


class _Issues:
    """Collects issues for one file, so each check only says what is wrong."""

    def __init__(self, file: Path, sink: list[ConfigIssue]) -> None:
        self.file, self.sink = str(file), sink

    def error(self, feature: str, reason: str) -> None:
        self.sink.append(ConfigIssue(self.file, feature, reason))

    def warn(self, feature: str, reason: str) -> None:
        self.sink.append(ConfigIssue(self.file, feature, reason, warning=True))


def load_config(directory: Path | str) -> SeagridConfig:
    """Load and validate a configuration directory.

    Raises ConfigError (with every issue found) when there is any error. Warnings alone do
    not fail; they are returned in `SeagridConfig.warnings`.
    """
    config, issues = _load(Path(directory))
    if config is None or any(not i.warning for i in issues):
        raise ConfigError(issues)
    return config


def check_config(directory: Path | str) -> list[ConfigIssue]:
    """Every error and warning of a configuration directory (empty when all is well)."""
    return _load(Path(directory))[1]


def _load(directory: Path) -> tuple[SeagridConfig | None, list[ConfigIssue]]:
    issues: list[ConfigIssue] = []
    if not directory.is_dir():
        return None, [ConfigIssue(str(directory), "-", "not a directory")]
    toml_path = directory / TOML_FILE
    raw = _read_toml(toml_path, _Issues(toml_path, issues))
    centre, offices = _parse_toml(raw, _Issues(toml_path, issues))
    office_ids = {o.id for o in offices}
    cells = load_cells(directory / GRID_FILE, office_ids, issues)
    zones = _load_zones(directory / ZONES_FILE, cells, issues)
    _warn_idle_offices(offices, cells, _Issues(toml_path, issues))
    if centre is None:
        return None, issues
    sections = {k: v for k, v in raw.items() if k not in ("centre", "offices")}
    config = SeagridConfig(
        directory=directory,
        centre=centre,
        offices=tuple(offices),
        cells=tuple(cells),
        zones=tuple(zones),
        sections=sections,
        warnings=tuple(i for i in issues if i.warning),
    )
    return config, issues


def _read_toml(path: Path, out: _Issues) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        out.error("-", "file missing")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        out.error("-", f"cannot read: {exc}")
    return {}


def _parse_toml(raw: dict[str, Any], out: _Issues) -> tuple[Centre | None, list[Office]]:
    centre = None
    table = raw.get("centre")
    if not isinstance(table, dict):
        out.error("centre", "missing [centre] table with id and name")
    elif _text(table.get("id")) and _text(table.get("name")):
        centre = Centre(table["id"], table["name"])
    else:
        out.error("centre", "centre needs a non-empty id and name")
    offices = _parse_offices(raw.get("offices", []), out)
    known = {o.id for o in offices} | ({centre.id} if centre else set())
    for office in offices:
        if office.parent is not None and office.parent not in known:
            out.error(office.id, f"parent {office.parent!r} is not an office or the centre")
    return centre, offices


def _parse_offices(entries: Any, out: _Issues) -> list[Office]:
    if not isinstance(entries, list):
        out.error("offices", "offices must be an array of tables ([[offices]])")
        return []
    offices: list[Office] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        ident = entry.get("id") if isinstance(entry, dict) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if not _text(ident) or not _text(name):
            out.error(
                ident if _text(ident) else f"offices[{n}]",
                "an office needs a non-empty id and name",
            )
            continue
        if ident in seen:
            out.error(ident, "duplicate office id")
            continue
        parent = entry.get("parent")
        if parent is not None and not _text(parent):
            out.error(ident, "parent must be an office id")
            parent = None
        seen.add(ident)
        offices.append(Office(ident, name, parent))
    return offices


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value.strip() != ""


def _read_features(path: Path, out: _Issues, required: bool) -> list[dict[str, Any]] | None:
    """The features of a GeoJSON FeatureCollection; None (and an issue) when unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            out.error("-", "file missing")
        return None
    except (OSError, ValueError) as exc:
        out.error("-", f"not valid JSON: {exc}")
        return None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        out.error("-", "expected a GeoJSON FeatureCollection")
        return None
    if not isinstance(features, list):
        out.error("-", "FeatureCollection without a features array")
        return None
    return features


def _feature_id(feature: Any, n: int) -> tuple[str, str | None, dict[str, Any]]:
    """(label for messages, id or None, properties) of feature number `n`."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    props = props if isinstance(props, dict) else {}
    ident = props.get("id")
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if _text(ident):
        return str(ident), str(ident), props
    return f"#{n}", None, props


def _features_with_geometry(
    features: list[Any], out: _Issues
) -> list[tuple[str, dict[str, Any], BaseGeometry]]:
    """Features with a unique id and a valid polygonal geometry, in file order."""
    kept: list[tuple[str, dict[str, Any], BaseGeometry]] = []
    seen: set[str] = set()
    for n, feature in enumerate(features):
        label, ident, props = _feature_id(feature, n)
        if ident is None:
            out.error(label, "missing properties.id")
            continue
        if ident in seen:
            out.error(ident, "duplicate id")
            continue
        seen.add(ident)
        raw = feature.get("geometry") if isinstance(feature, dict) else None
        geom, reason = parse_geometry(raw)
        reason = reason or (geometry_problem(geom) if geom is not None else None)
        if reason or geom is None:
            out.error(ident, reason or "missing geometry")
            continue
        kept.append((ident, props, geom))
    return kept


def load_cells(path: Path, offices: set[str], sink: list[ConfigIssue]) -> list[Cell]:
    """The cells of a grid.geojson; problems are appended to `sink`, bad cells left out."""
    out = _Issues(path, sink)
    features = _read_features(path, out, required=True)
    if features is None:
        return []
    cells: list[Cell] = []
    for ident, props, geom in _features_with_geometry(features, out):
        office = props.get("office")
        if not _text(office):
            out.error(ident, "missing properties.office")
        elif office not in offices:
            out.error(ident, f"unknown office {office!r} (not in {TOML_FILE})")
        else:
            name = props.get("name")
            cells.append(Cell(ident, office, geom, name if isinstance(name, str) else None))
    geoms = [c.geometry for c in cells]
    ids = [c.id for c in cells]
    for ident, reason in check_swapped(ids, geoms, geoms) + check_overlaps(ids, geoms):
        out.error(ident, reason)
    if not features:
        out.warn("-", "no cells: every position would be outside the jurisdiction")
    bad = {i.feature for i in sink if not i.warning and i.file == out.file}
    return [c for c in cells if c.id not in bad]


def _load_zones(path: Path, cells: list[Cell], sink: list[ConfigIssue]) -> list[Zone]:
    """zones.geojson is optional: a jurisdiction may have no zone rules yet."""
    out = _Issues(path, sink)
    features = _read_features(path, out, required=False)
    if features is None:
        return []
    zones: list[Zone] = []
    for ident, props, geom in _features_with_geometry(features, out):
        kind = props.get("kind")
        if kind not in ZONE_KINDS:
            out.error(ident, f"unknown zone kind {kind!r} (one of {', '.join(ZONE_KINDS)})")
            continue
        params, problems = zone_params(kind, props)
        for reason in problems:
            out.error(ident, reason)
        if not problems:
            name = props.get("name")
            zones.append(Zone(ident, str(kind), name if _text(name) else ident, geom, **params))
    ref = [c.geometry for c in cells]
    for ident, reason in check_swapped([z.id for z in zones], [z.geometry for z in zones], ref):
        out.error(ident, reason)
    bad = {i.feature for i in sink if not i.warning and i.file == out.file}
    return [z for z in zones if z.id not in bad]


def _warn_idle_offices(offices: list[Office], cells: list[Cell], out: _Issues) -> None:
    owners = {c.office for c in cells}
    for office in offices:
        if office.id not in owners:
            out.warn(office.id, "office owns no cell")
