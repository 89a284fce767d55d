"""The fusion engine (pure): AIS positions and radar scans in, track states and rule
observations out.

Driven by event time only: the caller (stage.py) hands it AIS positions and complete radar
scans in time order, so a replay gives the same associations and alerts every run.

Per scan of one radar at time t:
1. each report becomes a track update (TTM located from the antenna, relative bearings
   turned with the radar's heading; a report beyond the radar's range is dropped and
   counted; `L` ends the track);
2. tracks of any radar silent for `lost_after_s` end;
3. the AIS vessels seen within `ais_max_age_s` are dead-reckoned to t and this radar's
   tracks are assigned to them (association.py: gated, global, with hysteresis); a kept
   association that no scan confirms is released after `release_scans` scans;
4. the rules run over the confirmed tracks (rules.py).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from services.alerts.geo import KNOT_MS, offset
from services.alerts.model import Observation
from services.core.types import CellPosition
from services.radar.ais import AisTable
from services.radar.association import Gates, associate
from services.radar.config import RadarConfig
from services.radar.geometry import Plane, locate_all, true_course, velocity
from services.radar.nmea import RadarReport
from services.radar.rules import (
    AisWhere,
    check_position_mismatch,
    check_radar_only,
    end_all,
)
from services.radar.tracks import RadarTrack, TrackKey, TrackState, state_of

log = logging.getLogger(__name__)

# (lons, lats, cells before) -> (cell ids, office ids), None outside every cell; the cell a
# point was in before only speeds the search up
CellLookup = Callable[
    [list[float], list[float], list[str | None]], tuple[list[str | None], list[str | None]]
]


# (vessels, lat, lon, east/north velocity) of the vessels heard lately, at a scan's time
Reckoned = tuple[list[int], np.ndarray, np.ndarray, np.ndarray]


@dataclass(slots=True)
class AisFix:
    ts: float
    lat: float
    lon: float
    speed: float | None
    course: float | None
    cell: str | None


@dataclass(slots=True)
class ScanResult:
    states: list[TrackState] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)


class FusionEngine:
    def __init__(
        self, config: RadarConfig, cells: CellLookup | None = None, *, states: bool = True
    ) -> None:
        """`states` False: scans report observations only (no TrackState per track: a
        replay has no radar picture to feed)."""
        self.config = config
        self.with_states = states
        self.settings = s = config.settings
        self.gates = Gates(s.gate_m, s.gate_kn * KNOT_MS, s.keep_gate_m)
        self.cells = cells
        self.ais: dict[int, AisFix] = {}
        self._table = AisTable()  # self.ais as columns (ais.py)
        self._table_of = self.ais
        self._dead_reckoned: tuple[tuple[float, int], AisTable, Reckoned] | None = None
        self._columns: tuple[list[int], dict[int, int]] = ([], {})
        self.tracks: dict[TrackKey, RadarTrack] = {}
        self.counters: Counter[str] = Counter()

    # --- AIS -------------------------------------------------------------------------

    def add_position(self, p: CellPosition) -> None:
        fix = self.ais.get(p.mmsi)
        if fix is not None and p.ts < fix.ts:
            return  # late data changes nothing
        self.ais[p.mmsi] = AisFix(p.ts, p.lat, p.lon, p.speed, p.course, p.cell)
        self._table.put(p.mmsi, p.ts, p.lat, p.lon, p.speed, p.course)

    # --- radar -----------------------------------------------------------------------

    def scan(self, radar: str, ts: float, reports: Sequence[RadarReport]) -> ScanResult:
        """One radar's scan at `ts` (its reports share that time)."""
        out = ScanResult()
        site = self.config.radars.get(radar)
        if site is None:
            self.counters["unknown_radar"] += len(reports)
            return out
        self.counters["scans"] += 1
        seen = self._update_tracks(site.id, ts, reports, out)
        self._expire(ts, out)
        self._locate_cells(seen)
        previous = {t.key: t.mmsi for t in seen}
        self._associate(site.lat, site.lon, ts, seen)
        s = self.settings
        for track in seen:
            confirmed = track.confirmed(s.min_track_age_s, s.min_track_updates)
            check_radar_only(track, ts, s, out.observations, confirmed)
            ais = self._ais_where(track.mmsi, ts) if confirmed else None
            check_position_mismatch(
                track, ais, ts, s, out.observations, previous[track.key] if confirmed else None
            )
            if self.with_states:
                out.states.append(state_of(track, confirmed))
        return out

    def finish_all(self, now: float) -> ScanResult:
        """End every track (the stage stops): nothing keeps rule state open."""
        out = ScanResult()
        for key in list(self.tracks):
            self._end(key, now, out)
        return out

    def _update_tracks(
        self, radar: str, ts: float, reports: Sequence[RadarReport], out: ScanResult
    ) -> list[RadarTrack]:
        site = self.config.radars[radar]
        s = self.settings
        seen: dict[TrackKey, RadarTrack] = {}
        located = locate_all(reports, site)
        for report, (lat, lon) in zip(reports, located, strict=True):
            key = (radar, report.target)
            if report.status == "L":
                self._end(key, ts, out)
                seen.pop(key, None)
                continue
            if lat is None or lon is None:
                self.counters["out_of_range"] += 1
                continue
            track = self.tracks.get(key)
            if track is not None and ts - track.last_seen > s.lost_after_s:
                self._end(key, ts, out)
                track = None
            if track is None:
                track = self.tracks[key] = RadarTrack(radar, report.target, ts, ts, lat, lon)
            track.speed, track.course = report.speed, true_course(report, site)
            track.status = report.status
            track.move(ts, lat, lon, s.track_points)
            seen[key] = track
        self.counters["reports"] += len(reports)
        return list(seen.values())

    def _expire(self, now: float, out: ScanResult) -> None:
        horizon = now - self.settings.lost_after_s
        for key in [k for k, t in self.tracks.items() if t.last_seen < horizon]:
            self._end(key, now, out)

    def _end(self, key: TrackKey, now: float, out: ScanResult) -> None:
        track = self.tracks.pop(key, None)
        if track is None:
            return
        end_all(track, now, out.observations)
        if not self.with_states:
            return
        s = self.settings
        out.states.append(
            state_of(track, track.confirmed(s.min_track_age_s, s.min_track_updates), True)
        )

    def _locate_cells(self, tracks: list[RadarTrack]) -> None:
        if self.cells is None or not tracks:
            return
        lon, lat = [t.lon for t in tracks], [t.lat for t in tracks]
        cells, offices = self.cells(lon, lat, [t.cell for t in tracks])
        for track, cell, office in zip(tracks, cells, offices, strict=True):
            track.cell, track.office = cell, office

    def _associate(self, lat0: float, lon0: float, ts: float, tracks: list[RadarTrack]) -> None:
        if not tracks:
            return
        mmsis, v_lat, v_lon, v_vel = self._ais_at(ts)
        plane = Plane(lat0, lon0)
        # one pass over the tracks into one array (None becomes NaN); a target still being
        # acquired (Q) has no settled vector yet: no velocity gate
        t = np.array(
            [(k.lat, k.lon, None if k.status == "Q" else k.speed, k.course) for k in tracks],
            dtype=float,
        )
        column = self._columns_of(mmsis)
        kept = [column.get(k.mmsi, -1) if k.mmsi else -1 for k in tracks]
        result = associate(
            plane.xy(t[:, 0], t[:, 1]),
            velocity(t[:, 2], t[:, 3]),
            plane.xy(v_lat, v_lon),
            v_vel,
            np.array(kept, dtype=np.int64),
            self.gates,
        )
        vessel = result.vessel.tolist()
        taken = {c for c in vessel if c >= 0}
        found = zip(
            vessel, kept, result.accounted.tolist(), result.distance_m.tolist(), strict=True
        )
        for track, (assigned, was, accounted, distance) in zip(tracks, found, strict=True):
            self._settle(track, assigned, was, taken, mmsis)
            track.accounted = accounted or track.mmsi is not None
            track.distance_m = self._distance(track, ts, plane, distance)

    def _columns_of(self, mmsis: list[int]) -> dict[int, int]:
        """Vessel -> its column; the same list for radars sweeping at the same time."""
        if self._columns[0] is not mmsis:
            self._columns = (mmsis, {m: i for i, m in enumerate(mmsis)})
        return self._columns[1]

    def _settle(
        self, track: RadarTrack, assigned: int, kept: int, taken: set[int], mmsis: list[int]
    ) -> None:
        """Hysteresis on release: an association no scan confirms lasts `release_scans`."""
        if assigned >= 0:
            track.mmsi, track.misses = mmsis[assigned], 0
            return
        if track.mmsi is None:
            return
        track.misses += 1
        if kept < 0 or kept in taken or track.misses >= self.settings.release_scans:
            track.mmsi, track.misses = None, 0

    def _distance(self, track: RadarTrack, ts: float, plane: Plane, found: float) -> float | None:
        if track.mmsi is None:
            return None
        if not math.isnan(found):
            return found
        where = self._ais_where(track.mmsi, ts)
        if where is None:
            return None
        a = plane.xy(np.array([where[0], track.lat]), np.array([where[1], track.lon]))
        return float(np.hypot(*(a[0] - a[1])))

    def _ais_at(self, ts: float) -> Reckoned:
        """Vessels heard within ais_max_age_s, dead-reckoned to `ts` (vectorised).

        Radars sweep in step (every radar of the demo reports at the same times), so the
        answer is kept for the next scan at the same time, unless an AIS fix came between.
        """
        table = self._fixes()
        cached = self._dead_reckoned
        if cached is not None and cached[0] == (ts, table.version) and cached[1] is table:
            return cached[2]
        found = _dead_reckon(ts, *table.fresh(ts - self.settings.ais_max_age_s))
        self._dead_reckoned = ((ts, table.version), table, found)
        return found

    def _fixes(self) -> AisTable:
        """The fixes as columns; rebuilt if `ais` was replaced (a restored snapshot)."""
        if self._table_of is not self.ais or len(self._table) != len(self.ais):
            self._table, self._table_of = AisTable(), self.ais
            for mmsi, f in self.ais.items():
                self._table.put(mmsi, f.ts, f.lat, f.lon, f.speed, f.course)
        return self._table

    def _ais_where(self, mmsi: int | None, ts: float) -> AisWhere | None:
        """The vessel's AIS position dead-reckoned to `ts`, with the cell it reported in."""
        fix = self.ais.get(mmsi) if mmsi is not None else None
        if fix is None:
            return None
        lat, lon = fix.lat, fix.lon
        if fix.speed and fix.course is not None and ts > fix.ts:
            lat, lon = offset(lat, lon, fix.course, fix.speed * KNOT_MS * (ts - fix.ts))
        return (lat, lon, fix.cell)

    def prune(self, now: float) -> None:
        """Forget AIS vessels silent for long (a months-long feed must not grow forever)."""
        horizon = now - 6 * self.settings.ais_max_age_s
        for mmsi in [m for m, f in self.ais.items() if f.ts < horizon]:
            del self.ais[mmsi]
            self._table.forget(mmsi)


def _dead_reckon(ts: float, mmsis: list[int], columns: np.ndarray) -> Reckoned:
    """Fixes (rows of ts, lat, lon, speed, course) moved on to `ts` along their course."""
    lat, lon, speed, course = columns[:, 1], columns[:, 2], columns[:, 3], columns[:, 4]
    age = ts - columns[:, 0]
    vel = velocity(speed, course)
    moving = ~np.isnan(vel[:, 0])
    step = np.where(moving[:, None], vel, 0.0) * age[:, None]
    lat = lat + step[:, 1] / (60 * 1852.0)
    lon = lon + step[:, 0] / (60 * 1852.0 * np.maximum(np.cos(np.radians(lat)), 1e-6))
    return mmsis, lat, lon, vel
