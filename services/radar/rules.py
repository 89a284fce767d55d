"""The two radar rules (CONTRACTS §12), pure over one track after a scan.

- `radar_only`: a confirmed track inside the jurisdiction that no AIS vessel accounts for
  (none associated, none even within the gate) for `radar_only_after_s`. `mmsi` is null;
  the record's `track` names the radar and target. Where: the track's position.
- `position_mismatch`: the AIS position of the vessel associated with a confirmed track is
  more than `mismatch_m` from the track for `mismatch_after_s`. Where: the vessel's AIS
  position (its own cell decides the office); `track` names the radar track that
  contradicts it. It ends below 80 % of the distance (hysteresis against plot noise).

Each rule says "ended" once, when a condition it reported active stops holding (also when
the track ends), like the AIS rules (services/alerts/rules/emit.py).
"""

from __future__ import annotations

from services.alerts.model import Observation, Rule
from services.radar.config import FusionSettings
from services.radar.tracks import RadarTrack

RADAR_ONLY = Rule.RADAR_ONLY.value
POSITION_MISMATCH = Rule.POSITION_MISMATCH.value
CLEAR_RATIO = 0.8

AisWhere = tuple[float, float, str | None]  # the associated vessel's (lat, lon, cell)


def check_radar_only(
    track: RadarTrack, now: float, s: FusionSettings, out: list[Observation], confirmed: bool
) -> None:
    """The unaccounted time counts from the first scan (clutter age included); only a
    confirmed track may raise."""
    unaccounted = track.mmsi is None and not track.accounted
    if not unaccounted:
        track.unaccounted_since = None
    elif track.unaccounted_since is None:
        track.unaccounted_since = now
    holds = (
        confirmed
        and unaccounted
        and track.cell is not None
        and track.unaccounted_since is not None
        and now - track.unaccounted_since >= s.radar_only_after_s
    )
    if holds:
        track.active.add(RADAR_ONLY)
        out.append(_observation(track, RADAR_ONLY, None, now, True, _where(track)))
    elif RADAR_ONLY in track.active:
        end_radar_only(track, now, out)


def end_radar_only(track: RadarTrack, now: float, out: list[Observation]) -> None:
    if RADAR_ONLY in track.active:
        track.active.discard(RADAR_ONLY)
        out.append(_observation(track, RADAR_ONLY, None, now, False, _where(track)))


def check_position_mismatch(
    track: RadarTrack,
    ais: AisWhere | None,
    now: float,
    s: FusionSettings,
    out: list[Observation],
    previous_mmsi: int | None,
) -> None:
    """`previous_mmsi`: the vessel associated before this scan (its alert ends if the
    association moved)."""
    if previous_mmsi is not None and previous_mmsi != track.mmsi:
        end_mismatch(track, previous_mmsi, now, out, None)
    distance = track.distance_m
    if track.mmsi is None or ais is None or distance is None:
        track.mismatch_since = None
        return
    if distance > s.mismatch_m:
        if track.mismatch_since is None:
            track.mismatch_since = now
        if now - track.mismatch_since >= s.mismatch_after_s:
            track.active.add(POSITION_MISMATCH)
            out.append(_observation(track, POSITION_MISMATCH, track.mmsi, now, True, ais))
        return
    if distance < s.mismatch_m * CLEAR_RATIO:
        track.mismatch_since = None
        end_mismatch(track, track.mmsi, now, out, ais)


def end_mismatch(
    track: RadarTrack, mmsi: int, now: float, out: list[Observation], ais: AisWhere | None
) -> None:
    if POSITION_MISMATCH in track.active:
        track.active.discard(POSITION_MISMATCH)
        track.mismatch_since = None
        out.append(_observation(track, POSITION_MISMATCH, mmsi, now, False, ais or _where(track)))


def end_all(track: RadarTrack, now: float, out: list[Observation]) -> None:
    """The track is gone: whatever it reported active has ended."""
    end_radar_only(track, now, out)
    if track.mmsi is not None:
        end_mismatch(track, track.mmsi, now, out, None)


def _where(track: RadarTrack) -> AisWhere:
    return (track.lat, track.lon, track.cell)


def _observation(
    track: RadarTrack, rule: str, mmsi: int | None, now: float, active: bool, where: AisWhere
) -> Observation:
    lat, lon, cell = where
    details: dict[str, object] = {
        "radar": track.radar,
        "target": track.target,
        "radar_lat": round(track.lat, 6),
        "radar_lon": round(track.lon, 6),
        "speed": track.speed,
        "course": track.course,
        "track_age_s": round(track.last_seen - track.first_seen, 1),
    }
    if rule == POSITION_MISMATCH and track.distance_m is not None:
        details["distance_m"] = round(track.distance_m, 1)
    if rule == RADAR_ONLY and track.unaccounted_since is not None:
        details["unaccounted_since"] = track.unaccounted_since
    return Observation(
        rule,
        mmsi,
        now,
        active,
        lat,
        lon,
        cell,
        details=details,
        track={"radar": track.radar, "target": track.target},
    )
