"""RuleEngine: every rule over the stream of positions, statics, messages and the clock.

The engine owns the per-vessel tracks, the zone index, the learned coverage map and the
close-quarters pair state; the rules themselves (rules/) are pure functions over them. It is
driven by event time only (CONTRACTS §2): `observe` takes positions in arrival order, and
`tick(now)` runs the clock-driven rules (ais_gap, the periodic close-quarters pass) at the
event time the caller has reached, so a replay gives the same observations every run.

Per batch, the questions that cost most in Python (which zones each point is in, which
courses lead into a restricted zone) are answered for the whole batch at once; the per-
position loop then only runs the rules that can apply.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
from typing import Any

import numpy as np
import shapely

from services.alerts.coverage import CoverageMap
from services.alerts.geo import KNOT_MS, metres_per_degree_lon, offset
from services.alerts.lookahead import Lookahead, Spatial
from services.alerts.model import Observation, Rule, Severity
from services.alerts.modes import ModeState
from services.alerts.pairs import SharedPicture
from services.alerts.rules import close_quarters as cq
from services.alerts.rules.ais_gap import expected_interval_s, gap_threshold_s, in_time
from services.alerts.rules.anchoring import check_anchor_drag, check_anchoring_prohibited
from services.alerts.rules.emit import ended, held
from services.alerts.rules.identity import (
    DISTRESS,
    check_distress_position,
    check_shelter,
    check_watchlist,
    distress_text,
)
from services.alerts.rules.loitering import check_loitering
from services.alerts.rules.position_jump import check_position_jump
from services.alerts.rules.speeding import check_speeding
from services.alerts.rules.zone_entry import Prediction, check_predicted_entry, check_zone_entry
from services.alerts.thresholds import ThresholdError, Thresholds
from services.alerts.track import Track
from services.alerts.zones import ZoneIndex
from services.core.config import SeagridConfig, Zone
from services.core.types import CellPosition, VesselStatic
from services.infocentre.live import LiveData
from services.infocentre.model import InfoError, WatchEntry
from services.infocentre.modes import mode_specs

log = logging.getLogger(__name__)

AIS_GAP = Rule.AIS_GAP.value
NO_PREDICTIONS: list[Prediction] = []
FORGET_AFTER_S = 6 * 3600.0  # a vessel silent for 6 h starts afresh (jump check included)
PRUNE_EVERY_S = 3600.0
THRESHOLD_NAMES = frozenset(f.name for f in dataclasses.fields(Thresholds))


class RuleEngine:
    def __init__(self, config: SeagridConfig, thresholds: Thresholds) -> None:
        self.config = config
        self.thresholds = self.base_thresholds = thresholds
        self.zones = ZoneIndex(config.zones, thresholds)
        self.extra_zones: tuple[Zone, ...] = ()  # the waterworks register's sites
        self.tracks: dict[int, Track] = {}
        self.watchlist = {
            mmsi: WatchEntry(mmsi, reason=reason)
            for mmsi, reason in watchlist_config(config.sections.get("watchlist", [])).items()
        }
        try:
            self.modes = ModeState(mode_specs(config.sections, THRESHOLD_NAMES))
        except InfoError as exc:
            raise ThresholdError(exc.problems) from None
        self.live_version = -1
        self._ship_types: dict[int, int] = {}
        th = thresholds
        self.coverage = CoverageMap(
            th.ais_gap_coverage_cell_deg,
            th.ais_gap_coverage_min_reports,
            th.ais_gap_coverage_min_ratio,
        )
        geoms = [c.geometry for c in config.cells]
        self._jurisdiction = shapely.union_all(geoms) if geoms else None
        if self._jurisdiction is not None:
            shapely.prepare(self._jurisdiction)
        self._edge = shapely.boundary(self._jurisdiction) if geoms else None
        self._lengths: dict[int, float] = {}
        # (deadline, mmsi, report ts): lazily invalidated by newer reports
        self._gap_heap: list[tuple[float, int, float]] = []
        self._pairs: dict[tuple[int, int], None] = {}  # close-quarters pairs reported active
        # With partitions: the other partitions' vessels, and which pairs are ours (pairs.py)
        self.pair_scope: SharedPicture | None = None
        self._next_pass: float | None = None
        self._next_prune: float | None = None
        self._ahead: Lookahead | None = None  # the current batch's spatial answers

    # --- positions ------------------------------------------------------------------

    def observe(
        self, positions: list[CellPosition]
    ) -> tuple[list[CellPosition], list[Observation]]:
        """Run the position rules; returns (accepted positions, observations).

        A position rejected as a jump is left out of the accepted list, does not move the
        vessel's track and triggers no other rule. A position older than the track's last
        one (late satellite data) is accepted but changes nothing.
        """
        out: list[Observation] = []
        accepted: list[CellPosition] = []
        if not positions:
            return accepted, out
        self._refresh(positions[0].ts)
        ahead = self._ahead
        found = ahead.take(positions, self.zones, self.thresholds) if ahead else None
        hits, predictions = self._spatial(positions) if found is None else found
        th = self.thresholds
        for k, pos in enumerate(positions):
            track = self.tracks.get(pos.mmsi)
            if track is None:
                track = self.tracks[pos.mmsi] = Track(pos)
                track.length_m = self._lengths.get(pos.mmsi)
            elif not check_position_jump(track, pos, self.modes.at(th, track.lat, track.lon), out):
                continue
            elif pos.ts < track.ts:
                accepted.append(pos)
                continue
            accepted.append(pos)
            self._rules(track, pos, hits[k], predictions.get(k, NO_PREDICTIONS), out)
            self._learn(track, pos)
            track.move(pos)
        return accepted, self.modes.stamp(self.modes.filter(out))

    def prefetch(self, positions: list[CellPosition]) -> None:
        """Answer the spatial questions of a whole batch now, for the chunks of it that
        `observe` is handed next (lookahead.py). A batch whose query fails is left to
        the chunks: they meet the fault one by one, where it is isolated and counted."""
        self._ahead = None
        try:
            self._ahead = Lookahead.of(positions, self.zones, self.thresholds, self._spatial)
        except Exception:  # noqa: BLE001 - answered again per chunk, see above
            log.debug("alerts: batch lookahead failed; chunks answer for themselves")

    def _spatial(self, positions: list[CellPosition]) -> Spatial:
        """Zone hits and predicted entries of each position."""
        n = len(positions)
        lon = np.fromiter((p.lon for p in positions), float, n)
        lat = np.fromiter((p.lat for p in positions), float, n)
        hits = self.zones.lookup(lon, lat)
        return hits, self._predict(positions, lon, lat, hits)

    # --- living data (services/infocentre) -------------------------------------------

    def apply_live(self, live: LiveData) -> bool:
        """Take the information centre's snapshot (watchlist, waterworks, modes) in place of
        the previous one; an older snapshot than the one applied is ignored. The config's
        `[[watchlist]]` is the store's initial set, so the snapshot replaces it."""
        if live.version <= self.live_version:
            return False
        self.live_version = live.version
        self.watchlist = {e.mmsi: e for e in live.watchlist}
        self.extra_zones = tuple(live.zones())
        self.modes.set(live.modes)
        self._rebuild()
        return True

    def set_modes(self, activations: Any) -> None:
        """Mode activations alone (`seagrid replay --mode`)."""
        self.modes.set(activations)

    def _refresh(self, now: float) -> None:
        if self.modes.changed(now):
            self._rebuild()

    def _rebuild(self) -> None:
        """A new zone index and thresholds from the config, the register and the modes."""
        try:
            self.thresholds = self.modes.thresholds(self.base_thresholds)
            zones = (*self.config.zones, *self.extra_zones, *self.modes.zones())
            self.zones = ZoneIndex(zones, self.thresholds)
        except ThresholdError as exc:  # a bad mode must not take the rules down
            log.error("alerts: mode or zone change not applied: %s", exc)

    def _rules(
        self,
        track: Track,
        pos: CellPosition,
        hits: tuple[int, ...],
        predictions: list[Prediction],
        out: list[Observation],
    ) -> None:
        if track.active:
            ended(track, AIS_GAP, pos, out)
        if hits or track.active or track.since:
            zones = self.zones
            check_zone_entry(track, pos, zones, hits, out)
            check_speeding(track, pos, zones, hits, out)
            check_anchoring_prohibited(track, pos, zones, hits, out)
            check_loitering(track, pos, zones, hits, out)
        if predictions or track.active:
            check_predicted_entry(track, pos, self.zones, predictions, out)
        if hits or track.anchor is not None:
            check_anchor_drag(track, pos, self.zones, hits, self.thresholds, out)
        entry = self.watchlist.get(pos.mmsi)
        if entry is not None or track.active:
            check_watchlist(track, pos, entry, self.thresholds, out)
        if self.modes.current or track.active:
            types = self.modes.shelter_types(pos.lat, pos.lon) if self.modes.current else None
            check_shelter(track, pos, self._ship_types.get(pos.mmsi), types, self.zones, hits, out)
        check_distress_position(track, pos, out)
        track.seen_inside = pos.cell is not None

    def _learn(self, track: Track, pos: CellPosition) -> None:
        """Coverage from the previous report's timeliness; schedule this one's gap check."""
        if track.ts < pos.ts:
            self.coverage.record(track.lat, track.lon, in_time(pos.ts - track.ts, track.expected_s))
        track.last_report_ts = pos.ts
        track.expected_s = expected = expected_interval_s(pos.msg_type, pos.speed, pos.status)
        if pos.cell is not None:
            th = self.modes.at(self.thresholds, pos.lat, pos.lon)
            deadline = pos.ts + gap_threshold_s(expected, th)
            heapq.heappush(self._gap_heap, (deadline, pos.mmsi, pos.ts))

    def _predict(
        self,
        positions: list[CellPosition],
        lon: np.ndarray,
        lat: np.ndarray,
        hits: list[tuple[int, ...]],
    ) -> dict[int, list[Prediction]]:
        """Which positions' course and speed lead into an entry zone within the horizon."""
        th = self.thresholds
        n = len(positions)
        speed = np.fromiter((p.speed if p.speed is not None else 0.0 for p in positions), float, n)
        course = np.fromiter(
            (p.course if p.course is not None else -1.0 for p in positions), float, n
        )
        moving = np.flatnonzero((speed >= th.predicted_entry_min_speed_kn) & (course >= 0))
        if not moving.size or not len(self.zones):
            return {}
        reach = speed[moving] * KNOT_MS * th.predicted_entry_horizon_s
        rad = np.radians(course[moving])
        lat1 = lat[moving] + reach * np.cos(rad) / (60 * 1852.0)
        scale = 60 * 1852.0 * np.maximum(np.cos(np.radians(lat[moving])), 1e-6)
        lon1 = lon[moving] + reach * np.sin(rad) / scale
        minx, miny, maxx, maxy = self.zones.entry_bounds
        near = np.flatnonzero(
            (np.maximum(lon[moving], lon1) >= minx)
            & (np.minimum(lon[moving], lon1) <= maxx)
            & (np.maximum(lat[moving], lat1) >= miny)
            & (np.minimum(lat[moving], lat1) <= maxy)
        )
        if not near.size:
            return {}
        idx = moving[near]
        found: dict[int, list[Prediction]] = {}
        for s, z, fraction in self.zones.entries(lon[idx], lat[idx], lon1[near], lat1[near]):
            k = int(idx[s])
            if z in hits[k]:
                continue
            eta = fraction * th.predicted_entry_horizon_s
            found.setdefault(k, []).append((z, eta))
        return found

    # --- static data and messages ----------------------------------------------------

    def observe_static(self, statics: list[VesselStatic]) -> None:
        """Remember hull lengths (anchor drag radius)."""
        for static in statics:
            if static.ship_type is not None:
                self._ship_types[static.mmsi] = static.ship_type
            if static.to_bow is not None and static.to_stern is not None:
                length = float(static.to_bow + static.to_stern)
                self._lengths[static.mmsi] = length
                track = self.tracks.get(static.mmsi)
                if track is not None:
                    track.length_m = length

    def observe_message(self, fields: dict[str, Any], ts: float, mmsi: int) -> list[Observation]:
        """Safety messages (types 12, 14) that report distress: a critical observation.

        Located at the sender's last accepted position; a sender never seen before is
        reported at (0, 0) with `position_known: false`, outside every cell, so the alert
        goes to the centre rather than being held back until a position arrives.
        """
        text = distress_text(fields)
        if text is None:
            return []
        track = self.tracks.get(mmsi)
        details = {"source": "message", "text": text, "msg_type": fields.get("msg_type")}
        if track is None:
            details["position_known"] = False
            return [
                Observation(
                    DISTRESS,
                    mmsi,
                    ts,
                    True,
                    0.0,
                    0.0,
                    None,
                    None,
                    None,
                    Severity.CRITICAL.value,
                    details,
                )
            ]
        where = CellPosition(mmsi, ts, track.lat, track.lon, track.cell, None)
        details["position_known"] = True
        found = held(track, DISTRESS, where, severity=Severity.CRITICAL.value, details=details)
        return self.modes.stamp([found])

    # --- clock ---------------------------------------------------------------------------

    def tick(self, now: float) -> list[Observation]:
        """Clock-driven rules at event time `now`: ais_gap and the close-quarters pass."""
        self._refresh(now)
        out = self._gaps(now)
        if self._next_prune is None or now >= self._next_prune:
            self._next_prune = now + PRUNE_EVERY_S
            self._prune(now)
        if self._next_pass is None or now >= self._next_pass:
            self._next_pass = now + self.thresholds.close_quarters_interval_s
            out.extend(self._close_quarters(now))
        return self.modes.stamp(self.modes.filter(out))

    def _prune(self, now: float) -> None:
        """Forget vessels long gone, so a feed running for months does not grow forever.

        A track with an active condition, an anchor set or an open close-quarters pair is
        kept: its end still matters (the pair's end is reported at the track's position).
        """
        paired = {mmsi for pair in self._pairs for mmsi in pair}
        stale = [
            mmsi
            for mmsi, t in self.tracks.items()
            if now - t.ts > FORGET_AFTER_S
            and not t.active
            and t.anchor is None
            and mmsi not in paired
        ]
        for mmsi in stale:
            del self.tracks[mmsi]

    def _gaps(self, now: float) -> list[Observation]:
        out: list[Observation] = []
        heap = self._gap_heap
        while heap and heap[0][0] <= now:
            _, mmsi, report_ts = heapq.heappop(heap)
            track = self.tracks.get(mmsi)
            if track is None or track.last_report_ts != report_ts or track.ts != report_ts:
                continue  # it has reported since
            obs = self._gap(track, now)
            if obs is not None:
                out.append(obs)
        return out

    def _gap(self, track: Track, now: float) -> Observation | None:
        th = self.modes.at(self.thresholds, track.lat, track.lon)
        if track.cell is None or not self.coverage.covered(track.lat, track.lon):
            return None
        if self._near_edge(track, now, th):
            return None
        reports, share = self.coverage.ratio(track.lat, track.lon)
        expected = track.expected_s
        where = CellPosition(track.mmsi, now, track.lat, track.lon, track.cell, None)
        details = {
            "last_report": track.ts,
            "last_speed": track.speed,  # last known course and speed: where to look for it
            "last_course": track.course,
            "silent_s": round(now - track.ts, 1),
            "expected_interval_s": expected,
            "coverage_reports": reports,
            "coverage_in_time": round(share, 3),
        }
        return held(track, AIS_GAP, where, details=details)

    def _near_edge(self, track: Track, now: float, th: Thresholds) -> bool:
        """Close to the jurisdiction's edge, or its course would have taken it out by now."""
        if self._edge is None or self._jurisdiction is None:
            return True
        point = shapely.Point(track.lon, track.lat)
        degrees = float(shapely.distance(self._edge, point))
        if degrees * metres_per_degree_lon(track.lat) < th.ais_gap_edge_m:
            return True
        if track.speed and track.course is not None:
            run = track.speed * KNOT_MS * (now - track.ts)
            lat, lon = offset(track.lat, track.lon, track.course, run)
            return not shapely.intersects_xy(self._jurisdiction, lon, lat)
        return False

    def _close_quarters(self, now: float) -> list[Observation]:
        th = self.thresholds
        scope = self.pair_scope
        tracks = self.tracks.values() if scope is None else scope.tracks(self.tracks, now)
        found = cq.encounters(tracks, now, th, self.zones, th.close_quarters_clear_factor)
        out: list[Observation] = []
        still: dict[tuple[int, int], None] = {}
        for enc in found:
            if scope is not None and not scope.owns(enc.a.mmsi):
                continue  # the owner of the lower MMSI evaluates this pair
            pair = (enc.a.mmsi, enc.b.mmsi)
            if enc.cpa_m <= enc.limit_m:
                out.append(cq.observation(enc, now, True))
                still[pair] = None
            elif pair in self._pairs:
                still[pair] = None  # between threshold and clear factor: keep
        for pair in self._pairs.keys() - still.keys():
            out.append(self._pair_ended(pair, now))
        self._pairs = still
        return out

    def _pair_ended(self, pair: tuple[int, int], now: float) -> Observation:
        a = self.tracks[pair[0]]
        return Observation(
            cq.CLOSE_QUARTERS, pair[0], now, False, a.lat, a.lon, a.cell, None, pair[1]
        )


def watchlist_config(entries: Any) -> dict[int, str]:
    """MMSI -> reason from seagrid.toml's [[watchlist]]; malformed entries are an error.

    Public so that `seagrid config check` finds a broken watchlist before the alerts stage
    refuses to start on it.
    """
    if not isinstance(entries, list):
        raise ThresholdError(["[[watchlist]] must be an array of tables"])
    found: dict[int, str] = {}
    for n, entry in enumerate(entries):
        mmsi = entry.get("mmsi") if isinstance(entry, dict) else None
        if not isinstance(mmsi, int) or isinstance(mmsi, bool) or not 0 < mmsi <= 999_999_999:
            raise ThresholdError([f"[[watchlist]] entry {n}: mmsi must be a 9-digit number"])
        found[mmsi] = str(entry.get("reason", ""))
    return found
