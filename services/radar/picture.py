"""The web's radar picture: live radar tracks (with their recent positions) from topic
FUSION, and per AIS vessel which radars see it and how far its AIS position is from the
radar's (the vessel panel).

It runs in the web process as its own small stage (`RadarPictureStage`), in the web's
consumer group, so `serve` and `run web` show the same thing. Time is the tracks' own:
a track not refreshed for `stale_after` seconds of event time is dropped (its radar went
quiet without saying so), and a jump of the clock backwards (the demo recording starting
over) starts the picture afresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.codec import CodecError, decode_as
from services.core.runner import consume
from services.radar.tracks import TrackKey, TrackState

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]


@dataclass(slots=True)
class _Entry:
    state: TrackState
    points: deque[tuple[float, float]] = field(default_factory=deque)


class RadarPicture:
    def __init__(self, stale_after: float = 60.0, points: int = 60) -> None:
        self.stale_after, self.points = stale_after, points
        self.tracks: dict[TrackKey, _Entry] = {}
        self.clock = float("-inf")

    def apply(self, state: TrackState) -> None:
        if state.ts < self.clock - 3600.0:
            self.tracks.clear()  # the recording started over
            self.clock = state.ts
        self.clock = max(self.clock, state.ts)
        key = (state.radar, state.target)
        if state.removed:
            self.tracks.pop(key, None)
            return
        entry = self.tracks.get(key)
        if entry is None or state.first_seen != entry.state.first_seen:
            entry = self.tracks[key] = _Entry(state)
        entry.state = state
        entry.points.append((round(state.lon, 6), round(state.lat, 6)))
        while len(entry.points) > self.points:
            entry.points.popleft()

    def expire(self) -> None:
        horizon = self.clock - self.stale_after
        for key in [k for k, e in self.tracks.items() if e.state.ts < horizon]:
            del self.tracks[key]

    def current(self, bbox: Box | None = None) -> list[dict[str, Any]]:
        """Every live track as JSON (newest picture), inside `bbox` when given."""
        self.expire()
        return [
            _track_json(e) for e in self.tracks.values() if bbox is None or _inside(bbox, e.state)
        ]

    def of_vessel(self, mmsi: int) -> list[dict[str, Any]]:
        """The radar tracks associated with `mmsi` now."""
        self.expire()
        return [_track_json(e) for e in self.tracks.values() if e.state.mmsi == mmsi]


def _inside(box: Box, s: TrackState) -> bool:
    return box[0] <= s.lon <= box[2] and box[1] <= s.lat <= box[3]


def _track_json(e: _Entry) -> dict[str, Any]:
    data = asdict(e.state)
    del data["removed"]
    data["radar_only"] = e.state.mmsi is None
    data["track"] = _smooth(list(e.points))
    return data


def _smooth(points: list[tuple[float, float]], half: int = 2) -> list[list[float]]:
    """A centred moving average over 5 plots for the drawn track: raw plots scatter by
    tens of metres across the course (bearing noise), which hides the track's shape."""
    out: list[list[float]] = []
    n = len(points)
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        if i == n - 1:
            lo = hi - 1  # the track ends at the current plot, where the symbol is
        window = points[lo:hi]
        out.append(
            [round(sum(p[0] for p in window) / len(window), 6),
             round(sum(p[1] for p in window) / len(window), 6)]
        )  # fmt: skip
    return out


class RadarPictureStage:
    """Reads FUSION into a RadarPicture (in the web process)."""

    name = "radar-picture"

    def __init__(self, *, group: str = "web", consumer: str = "web-1") -> None:
        self.picture = RadarPicture()
        self.group, self.consumer = group, consumer
        self.counters: Counter[str] = Counter()

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        await consume(bus, topics.FUSION, self.group, self.consumer, self._on_states, stop,
                      count=4096)  # fmt: skip

    async def _on_states(self, batch: Iterable[Delivery]) -> None:
        for delivery in batch:
            try:
                self.picture.apply(decode_as(delivery.payload, TrackState))
            except (CodecError, TypeError, ValueError):
                self.counters["rejected"] += 1
