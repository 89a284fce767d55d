"""Radar tracks as the fusion engine keeps them, and the record it publishes per track.

A track is one ARPA target number of one radar. ARPA reuses numbers: a number silent for
`lost_after_s`, or reported lost (`L`), ends its track; the next report under that number
starts a new one (new `first_seen`), so clutter age and rule timers start over.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

TrackKey = tuple[str, int]  # (radar id, target number)


@dataclass(slots=True)
class RadarTrack:
    radar: str
    target: int
    first_seen: float
    last_seen: float
    lat: float
    lon: float
    speed: float | None = None
    course: float | None = None
    status: str = "T"
    updates: int = 0
    cell: str | None = None
    office: str | None = None
    mmsi: int | None = None  # the AIS vessel associated with it
    misses: int = 0  # scans since the association was last confirmed
    distance_m: float | None = None  # AIS to radar, when associated
    accounted: bool = False  # an AIS vessel lies within the gate (associated or not)
    unaccounted_since: float | None = None
    mismatch_since: float | None = None
    active: set[str] = field(default_factory=set)  # rules reported active on this track
    history: deque[tuple[float, float, float]] = field(default_factory=deque)

    @property
    def key(self) -> TrackKey:
        return (self.radar, self.target)

    def confirmed(self, min_age_s: float, min_updates: int) -> bool:
        """Old enough and seen often enough not to be clutter."""
        return self.last_seen - self.first_seen >= min_age_s and self.updates >= min_updates

    def move(self, ts: float, lat: float, lon: float, points: int) -> None:
        self.last_seen, self.lat, self.lon = ts, lat, lon
        self.updates += 1
        self.history.append((ts, lat, lon))
        while len(self.history) > points:
            self.history.popleft()


@dataclass(slots=True)  # not frozen: built for every track of every scan, 3x cheaper
class TrackState:
    """One track after a scan, on topic FUSION (the web's radar picture reads these).

    `removed` marks the last record of a track (lost, silent, or out of range).
    `confirmed` False: a tentative track (possible clutter) that no rule looks at yet.
    """

    radar: str
    target: int
    ts: float
    lat: float
    lon: float
    speed: float | None
    course: float | None
    status: str
    first_seen: float
    confirmed: bool
    mmsi: int | None
    distance_m: float | None
    cell: str | None
    office: str | None
    removed: bool = False


def state_of(track: RadarTrack, confirmed: bool, removed: bool = False) -> TrackState:
    return TrackState(
        track.radar,
        track.target,
        track.last_seen,
        track.lat,
        track.lon,
        track.speed,
        track.course,
        track.status,
        track.first_seen,
        confirmed,
        track.mmsi,
        None if track.distance_m is None else round(track.distance_m, 1),
        track.cell,
        track.office,
        removed,
    )
