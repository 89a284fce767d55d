"""Pairwise rules across partitions: a shared, bounded picture of every vessel under way.

With N alerts partitions (services/core/partitions.py) a process holds the tracks of its own
vessels only, but close quarters concerns two vessels that may belong to different
partitions. So:

- every partition publishes, after each batch of positions it applied, the newest report
  of each vessel of the batch whose report the rules took (rejected jumps are not
  published), as one compact entry on `seagrid.picture` (`[mmsi, ts, lat, lon, speed, course, status,
  cell]` rows), a stream every partition reads in a group of its own;
- a partition keeps the others' vessels as light tracks (position, course, speed, status,
  cell: what the pass needs), a few recent reports per vessel, dropped once older than
  `close_quarters_max_age_s`, so the picture is bounded by the vessels heard in the last
  few minutes;
- a pass at event time `now` takes, of each foreign vessel, its newest report *at or
  before* `now`: a partition that is behind the others (catching up after a restart, or
  slower) must not see where a vessel will be, or it would raise encounters that one
  process, reading the reports in order, never sees;
- the close-quarters pass runs over its own tracks and that picture, and a pair is
  evaluated (raised, kept, ended) only by the owner of its *lower* MMSI, which is also the
  vessel the alert is about (CONTRACTS §4). Each pair therefore has exactly one owner.

A foreign vessel's report reaches the pass one batch late plus the other process's lag (a
partition ahead of another sees the other's vessels older than one process would); dead
reckoning (as for own vessels) projects it to the pass time, and `close_quarters_max_age_s`
bounds how stale it may be. So a pair across partitions is evaluated on positions up to a
batch (or the other's lag) older than one process would use: for vessels that turn or
change speed meanwhile, the pair can be raised a pass earlier or later than one process
would, or raised where one process sees the CPA just outside the limit. The tests check
that every encounter one process raises is raised, once. With one partition none of this
runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from services.alerts.coverage import CoverageMap
from services.alerts.track import Track
from services.core.partitions import PartitionSpec
from services.core.types import CellPosition

Row = list[Any]
# Reports kept per foreign vessel, besides the age limit: 32 minutes at one publication per
# 30 s, how far a partition may fall behind the others and still see their vessels as they were.
HISTORY = 64


class SharedPicture:
    """The other partitions' vessels, and what of ours to publish next (see module doc)."""

    def __init__(
        self, partition: PartitionSpec, max_age_s: float, coverage: CoverageMap | None = None
    ) -> None:
        self.partition = partition
        self.max_age_s = max_age_s
        self.coverage = coverage  # shared too (coverage.py), when the rules learn one
        if coverage is not None:
            coverage.outbox = {}
        # foreign vessel -> its recent reports, oldest first
        self.foreign: dict[int, list[Track]] = {}
        self._published: dict[int, float] = {}  # our vessel -> report ts last published
        self.received = 0

    def owns(self, mmsi: int) -> bool:
        return self.partition.owns(mmsi)

    def tracks(self, own: dict[int, Track], now: float) -> list[Track]:
        """Our tracks and the foreign ones as known at `now`, for one close-quarters pass."""
        self.expire(now)
        out = list(own.values())
        for history in self.foreign.values():
            for track in reversed(history):
                if track.ts <= now:
                    out.append(track)
                    break
        return out

    def expire(self, now: float) -> None:
        """Drop reports older than `max_age_s` before `now`; a vessel with none left goes."""
        horizon = now - self.max_age_s
        for mmsi in list(self.foreign):
            history = self.foreign[mmsi]
            if history[0].ts >= horizon:
                continue
            kept = [t for t in history if t.ts >= horizon]
            if kept:
                self.foreign[mmsi] = kept
            else:
                del self.foreign[mmsi]

    def apply(self, message: Any) -> int:
        """Take another partition's entry; raises ValueError when it is malformed."""
        if not isinstance(message, dict) or not isinstance(message.get("vessels"), list):
            raise ValueError("picture entry without vessels")
        if message.get("partition") == self.partition.index:
            return 0  # our own, read back
        if self.coverage is not None:
            self.coverage.merge(message.get("coverage", []))
        taken = 0
        for row in message["vessels"]:
            mmsi, ts, lat, lon, speed, course, status, cell = row
            if not isinstance(mmsi, int) or self.owns(mmsi):
                continue
            history = self.foreign.setdefault(mmsi, [])
            if history and history[-1].ts >= ts:
                continue  # a repeat (a restarted partition publishes again) or late
            pos = CellPosition(
                mmsi, float(ts), float(lat), float(lon), cell, None,
                speed=speed, course=course, status=status,
            )  # fmt: skip
            history.append(Track(pos))
            if len(history) > HISTORY:
                del history[0]
            taken += 1
        self.received += taken
        return taken

    def outgoing(
        self, reported: Iterable[Track], tracks: Mapping[int, Track]
    ) -> dict[str, Any] | None:
        """An entry with the vessels of ours that `reported` (the tracks of a batch's
        vessels) whose report is new since we last published it; None when none is.
        `tracks` (all of ours) lets the memory of what was published forget vessels the
        rules forgot."""
        published = self._published
        rows: list[Row] = []
        for t in reported:
            if published.get(t.mmsi) != t.ts:
                published[t.mmsi] = t.ts
                rows.append([t.mmsi, t.ts, t.lat, t.lon, t.speed, t.course, t.status, t.cell])
        if len(published) > 2 * len(tracks) + 1024:
            self._published = {m: ts for m, ts in published.items() if m in tracks}
        coverage = self.coverage.take_outbox() if self.coverage is not None else []
        if not rows and not coverage:
            return None
        return {"partition": self.partition.index, "vessels": rows, "coverage": coverage}

    def snapshot_state(self) -> dict[str, Any]:
        return {"foreign": self.foreign, "published": self._published}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.foreign, self._published = state["foreign"], state["published"]
