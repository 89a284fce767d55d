"""`[[radars]]` (CONTRACTS §12) and `[radar]` fusion settings from seagrid.toml.

    [[radars]]
    id = "vts-shihu"          # the tag block `s:` its sentences carry
    name = "石湖雷达站"
    lat = 24.80
    lon = 118.72
    range_nm = 16              # beyond this a report is an error, not a target
    heading = 0                # optional: what relative (`R`) bearings are measured from

    [radar]                    # optional; every value has the default below
    radar_only_after_s = 180

The defaults and why (docs/radar.md has the same table):
- `gate_m` 300 m: a shore ARPA plot errs by ~1 % of range plus ~0.5-1 deg of bearing
  (IMO MSC.192(79) accuracy, IALA V-128 for VTS sensors), i.e. 100-250 m at 6-12 nm, and a
  large hull's radar centroid lies up to half a length from its AIS antenna;
- `gate_kn` 6 kn: ARPA speed needs a minute or so to settle and lags a turning vessel;
- `keep_gate_m` 2000 m: an association once made survives its AIS position drifting away
  up to this far (and with its cost quartered against newcomers), which is what lets
  `position_mismatch` see a spoofed or faulty GPS at all and what keeps associations from
  flickering in a crossing; beyond it the pair is let go;
- `release_scans` 3: a kept association that no scan confirms is dropped after 3 scans;
- `ais_max_age_s` 180 s: older AIS positions are not dead-reckoned to the scan (the class
  A reporting interval at anchor is 3 min);
- `min_track_age_s` 60 s and `min_track_updates` 10: clutter (sea and rain returns, wakes)
  makes ARPA tracks that live a few scans; a ship is tracked for minutes. Younger tracks are
  shown as tentative but never reach a rule, so clutter cannot flood operators;
- `radar_only_after_s` 180 s (issue default, 3 min): long enough for a vessel's next class
  A/B report to arrive after acquisition, short enough to catch a dark vessel in a pass;
- `mismatch_m` 500 m for `mismatch_after_s` 60 s: twice the worst plot error above, held
  for several scans, is not noise but a spoofed or faulty position;
- `lost_after_s` 30 s: a track not refreshed for ten scans is gone (a `L` status ends it
  at once).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from services.core.config import SeagridConfig


class RadarConfigError(ValueError):
    """`[[radars]]` or `[radar]` is malformed; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class RadarSite:
    id: str
    name: str
    lat: float
    lon: float
    range_nm: float
    heading: float = 0.0


@dataclass(frozen=True, slots=True)
class FusionSettings:
    gate_m: float = 300.0
    gate_kn: float = 6.0
    keep_gate_m: float = 2000.0
    release_scans: int = 3
    ais_max_age_s: float = 180.0
    min_track_age_s: float = 60.0
    min_track_updates: int = 10
    radar_only_after_s: float = 180.0
    mismatch_m: float = 500.0
    mismatch_after_s: float = 60.0
    lost_after_s: float = 30.0
    track_points: int = 120  # positions kept per track for the map


@dataclass(frozen=True, slots=True)
class RadarConfig:
    radars: dict[str, RadarSite]
    settings: FusionSettings

    @classmethod
    def from_config(cls, config: SeagridConfig) -> RadarConfig:
        """Raises RadarConfigError naming every problem."""
        problems: list[str] = []
        radars = _radars(config.sections.get("radars", []), problems)
        settings = _settings(config.sections.get("radar", {}), problems)
        if problems:
            raise RadarConfigError(problems)
        return cls(radars, settings)


def _radars(entries: Any, problems: list[str]) -> dict[str, RadarSite]:
    if not isinstance(entries, list):
        problems.append("[[radars]] must be an array of tables")
        return {}
    found: dict[str, RadarSite] = {}
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"[[radars]] entry {n + 1}: not a table")
            continue
        rid = entry.get("id")
        where = f"[[radars]] {rid!r}" if isinstance(rid, str) and rid else f"[[radars]] #{n + 1}"
        site = _site(entry, where, problems)
        if site is None:
            continue
        if site.id in found:
            problems.append(f"{where}: duplicate id")
        found[site.id] = site
    return found


def _site(entry: dict[str, Any], where: str, problems: list[str]) -> RadarSite | None:
    before = len(problems)
    rid, name = entry.get("id"), entry.get("name", entry.get("id"))
    if not isinstance(rid, str) or not rid or "," in rid or "*" in rid or "\\" in rid:
        problems.append(f"{where}: id must be a non-empty text usable as a tag block s:")
    if not isinstance(name, str):
        problems.append(f"{where}: name must be text")
    lat = _float(entry.get("lat"), -90.0, 90.0, f"{where}: lat", problems)
    lon = _float(entry.get("lon"), -180.0, 180.0, f"{where}: lon", problems)
    rng = _float(entry.get("range_nm"), 0.1, 200.0, f"{where}: range_nm", problems)
    heading = _float(entry.get("heading", 0.0), 0.0, 360.0, f"{where}: heading", problems)
    known = {"id", "name", "name_en", "lat", "lon", "range_nm", "heading", "sim_sentence"}
    unknown = sorted(set(entry) - known)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}")
    if len(problems) > before:
        return None
    return RadarSite(str(rid), str(name), lat, lon, rng, heading)


def _float(value: Any, low: float, high: float, what: str, problems: list[str]) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        problems.append(f"{what} must be a number")
        return 0.0
    if not low <= value <= high:
        problems.append(f"{what} must be within [{low}, {high}], got {value}")
    return float(value)


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(FusionSettings)}


def _settings(table: Any, problems: list[str]) -> FusionSettings:
    if not isinstance(table, dict):
        problems.append("[radar] must be a table")
        return FusionSettings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        default = _DEFAULTS.get(key)
        if default is None:
            problems.append(f"[radar]: unknown setting {key!r}")
        elif not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
            problems.append(f"[radar]: {key} must be a positive number, got {value!r}")
        else:
            values[key] = type(default)(value)
    return FusionSettings(**values)
