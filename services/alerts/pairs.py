"""Pairwise rules across partitions: a shared, bounded picture of every vessel under way.

With N alerts partitions (services/core/partitions.py) a process holds the tracks of its own
vessels only, but close quarters concerns two vessels that may belong to different
partitions. So:

- every partition publishes, once per close-quarters interval of event time, the latest
  accepted report of each of its vessels that reported since its previous publication, as
  one compact entry on `seagrid.picture` (`[mmsi, ts, lat, lon, speed, course, status,
  cell]` rows), a stream every partition reads in a group of its own;
- a partition keeps the others' vessels as light tracks (position, course, speed, status,
  cell: what the pass needs), dropped once older than `close_quarters_max_age_s`, so the
  picture is bounded by the vessels heard in the last few minutes;
- the close-quarters pass runs over its own tracks and that picture, and a pair is
  evaluated (raised, kept, ended) only by the owner of its *lower* MMSI, which is also the
  vessel the alert is about (CONTRACTS §4). Each pair therefore has exactly one owner.

A foreign vessel's report reaches the pass up to one interval late plus the other
process's lag; dead reckoning (as for own vessels) projects it to the pass time, and
`close_quarters_max_age_s` bounds how stale it may be. With one partition none of this runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.alerts.track import Track
from services.core.partitions import PartitionSpec
from services.core.types import CellPosition

Row = list[Any]


class SharedPicture:
    """The other partitions' vessels, and what of ours to publish next (see module doc)."""

    def __init__(self, partition: PartitionSpec, max_age_s: float) -> None:
        self.partition = partition
        self.max_age_s = max_age_s
        self.foreign: dict[int, Track] = {}
        self._published: dict[int, float] = {}  # our vessel -> report ts last published
        self.received = 0

    def owns(self, mmsi: int) -> bool:
        return self.partition.owns(mmsi)

    def tracks(self, own: dict[int, Track], now: float) -> list[Track]:
        """Our tracks and the recent foreign ones, for one close-quarters pass at `now`."""
        self.expire(now)
        return [*own.values(), *self.foreign.values()]

    def expire(self, now: float) -> None:
        horizon = now - self.max_age_s
        stale = [m for m, t in self.foreign.items() if t.ts < horizon]
        for mmsi in stale:
            del self.foreign[mmsi]

    def apply(self, message: Any) -> int:
        """Take another partition's entry; raises ValueError when it is malformed."""
        if not isinstance(message, dict) or not isinstance(message.get("vessels"), list):
            raise ValueError("picture entry without vessels")
        if message.get("partition") == self.partition.index:
            return 0  # our own, read back
        taken = 0
        for row in message["vessels"]:
            mmsi, ts, lat, lon, speed, course, status, cell = row
            if not isinstance(mmsi, int) or self.owns(mmsi):
                continue
            known = self.foreign.get(mmsi)
            if known is not None and known.ts >= ts:
                continue
            pos = CellPosition(
                mmsi, float(ts), float(lat), float(lon), cell, None,
                speed=speed, course=course, status=status,
            )  # fmt: skip
            self.foreign[mmsi] = Track(pos)
            taken += 1
        self.received += taken
        return taken

    def outgoing(self, own: Iterable[Track]) -> dict[str, Any] | None:
        """Our vessels that reported since the last publication, or None when none did."""
        published = self._published
        rows: list[Row] = []
        for t in own:
            if published.get(t.mmsi) != t.ts:
                published[t.mmsi] = t.ts
                rows.append([t.mmsi, t.ts, t.lat, t.lon, t.speed, t.course, t.status, t.cell])
        if len(published) > 2 * (len(rows) + 1024):  # forget vessels the engine forgot
            alive = {t.mmsi for t in own}
            self._published = {m: ts for m, ts in published.items() if m in alive}
        if not rows:
            return None
        return {"partition": self.partition.index, "vessels": rows}

    def snapshot_state(self) -> dict[str, Any]:
        return {"foreign": self.foreign, "published": self._published}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.foreign, self._published = state["foreign"], state["published"]
