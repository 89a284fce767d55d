"""Pairwise rules across partitions: a shared, bounded picture of every vessel under way.

With N alerts partitions (services/core/partitions.py) a process holds the tracks of its own
vessels only, but close quarters concerns two vessels that may belong to different
partitions. So:

- every partition publishes, after each tick interval of positions it applied, the reports
  that the rules accepted and a pass may need (`SharedPicture.outgoing`: those of vessels
  under way, the first after a vessel stopped, each vessel's newest), as one compact
  entry on `seagrid.picture` (`[mmsi, ts, lat, lon, speed, course, status,
  cell]` rows), a stream every partition reads in a group of its own;
- a partition keeps the others' vessels as light tracks (position, course, speed, status,
  cell: what the pass needs), a few recent reports per vessel, dropped once older than
  `close_quarters_max_age_s`, so the picture is bounded by the vessels heard in the last
  few minutes;
- a pass at event time `now` takes, of each foreign vessel, its newest report *before*
  `now`: one process ticks at `now` just before the first position at or past it, so it
  has applied every report earlier than `now` and none at or after it;
- the close-quarters pass runs over its own tracks and that picture, and a pair is
  evaluated (raised, kept, ended) only by the owner of its *lower* MMSI, which is also the
  vessel the alert is about (CONTRACTS §4). Each pair therefore has exactly one owner.

Event-time watermarks make a partition's ticks see what one process would (docs/partitions.md):

- each entry carries the partition's `watermark` W: every report it accepted with ts < W is
  in this entry or an earlier one, and so is every tick it ran before W (`slot`, the tick
  whose interval the entry's reports belong to). A partition publishes its entries before
  it waits, so the one furthest behind can always go on: no deadlock;
- a partition runs a tick at `now` only once every other partition's watermark is at least
  `now` (`horizon`); before it, it runs the ticks the others ran and it did not
  (`ticks_between`: one process ticks for every vessel's positions) and merges what they
  learned of coverage in the intervals before each (`before_tick`);
- a partition with nothing to read for a while says so (`watermark` None, "idle": do not
  wait for me; services/alerts/stage.py decides when), so a partition without traffic
  does not hold the others up. Reports it gets after that are late for the others;
- a partition not heard from for `give_up` seconds of wall time (its process down) is not
  waited for either, so a dead process stops its own vessels' rules, not everyone's.

The exactness argument assumes positions in event-time order in each partition's stream
(as ingest publishes a recording's): a report older than a watermark already published
reaches the other partitions late, as it would without watermarks. With one partition none
of this runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from services.alerts.coverage import CoverageMap
from services.alerts.track import Track
from services.core.partitions import PartitionSpec
from services.core.types import CellPosition

Row = list[Any]
# Reports kept per foreign vessel, besides the age limit. The watermarks keep the partitions
# within a tick interval of each other, so a pass needs the last few; more covers a partition
# that went on without a silent one (give_up) and sees it catch up.
HISTORY = 64


class SharedPicture:
    """The other partitions' vessels, and what of ours to publish next (see module doc)."""

    def __init__(
        self,
        partition: PartitionSpec,
        max_age_s: float,
        coverage: CoverageMap | None = None,
        min_speed_kn: float = 0.0,
    ) -> None:
        self.partition = partition
        self.max_age_s, self.min_speed_kn = max_age_s, min_speed_kn
        self.coverage = coverage  # shared too (coverage.py), when the rules learn one
        if coverage is not None:
            coverage.outbox = {}
        # foreign vessel -> its recent reports, oldest first
        self.foreign: dict[int, list[Track]] = {}
        # our vessel -> (ts, under way) of its report last published
        self._published: dict[int, tuple[float, bool]] = {}
        self.received = 0
        # other partition -> its watermark (None: idle, nothing to wait for)
        others = (i for i in range(partition.count) if i != partition.index)
        self.watermarks: dict[int, float | None] = dict.fromkeys(others, -math.inf)
        self.heard = dict.fromkeys(self.watermarks, time.monotonic())  # last entry, wall
        self._slots: set[float] = set()  # ticks the others ran, not yet run here
        self._coverage: list[tuple[float, list[Any]]] = []  # (slot, rows) not merged yet

    def owns(self, mmsi: int) -> bool:
        return self.partition.owns(mmsi)

    def tracks(self, own: dict[int, Track], now: float) -> list[Track]:
        """Our tracks and the foreign ones as known at `now`, for one close-quarters pass."""
        self.expire(now)
        out = list(own.values())
        for history in self.foreign.values():
            for track in reversed(history):
                if track.ts < now:
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

    def horizon(self, give_up: float | None = None) -> float:
        """How far in event time every other partition has shared all (+inf when idle),
        leaving out those not heard from for `give_up` seconds."""
        now = time.monotonic()
        marks = [
            math.inf if mark is None else mark
            for i, mark in self.watermarks.items()
            if give_up is None or now - self.heard[i] < give_up
        ]
        return min(marks, default=math.inf)

    def silent(self, give_up: float) -> list[int]:
        """The other partitions not heard from for `give_up` seconds (not waited for)."""
        now = time.monotonic()
        return [i for i, heard in self.heard.items() if now - heard >= give_up]

    def ticks_between(self, after: float, before: float) -> list[float]:
        """The other partitions' ticks in (after, before), in order, forgotten once asked."""
        due = sorted(t for t in self._slots if after < t < before)
        self._slots = {t for t in self._slots if t >= before}
        return due

    def has_ticks(self, after: float, upto: float) -> bool:
        """Whether the others ran ticks in (after, upto] that we have not."""
        return any(after < t <= upto for t in self._slots)

    def before_tick(self, now: float) -> None:
        """Merge the coverage the others learned from reports before `now`."""
        if self.coverage is None or not self._coverage:
            return
        kept = []
        for slot, rows in self._coverage:
            if slot < now:
                self.coverage.merge(rows)
            else:
                kept.append((slot, rows))
        self._coverage = kept

    def apply(self, message: Any) -> int:
        """Take another partition's entry; raises ValueError when it is malformed."""
        if not isinstance(message, dict) or not isinstance(message.get("vessels"), list):
            raise ValueError("picture entry without vessels")
        source = message.get("partition")
        if source == self.partition.index:
            return 0  # our own, read back
        self._progress(source, message)
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

    def _progress(self, source: Any, message: dict[str, Any]) -> None:
        """The entry's watermark, tick and coverage (entries without them: an older
        version's, whose coverage is merged at once)."""
        rows = message.get("coverage", [])
        if "watermark" not in message:
            if self.coverage is not None:
                self.coverage.merge(rows)
            return
        mark, slot = message["watermark"], message.get("slot")
        if source not in self.watermarks or not isinstance(mark, int | float | None):
            raise ValueError(f"picture entry of partition {source!r} with watermark {mark!r}")
        self.watermarks[source] = None if mark is None else float(mark)
        self.heard[source] = time.monotonic()
        if isinstance(slot, int | float):
            self._slots.add(float(slot))
            if rows and self.coverage is not None:
                self._coverage.append((float(slot), rows))
        elif rows and self.coverage is not None:
            self.coverage.merge(rows)

    def entry(
        self,
        accepted: Sequence[CellPosition],
        tracks: Mapping[int, Track],
        slot: float | None,
        watermark: float | None,
    ) -> dict[str, Any]:
        """The entry to publish after handling `accepted` in the tick interval starting at
        `slot`, with our `watermark` (None: idle); see `outgoing` for what is shared."""
        entry = self.outgoing(accepted, tracks) or {
            "partition": self.partition.index,
            "vessels": [],
            "coverage": [],
        }
        finite = slot is not None and math.isfinite(slot)
        entry["slot"] = slot if finite else None
        entry["watermark"] = watermark
        return entry

    def outgoing(
        self, accepted: Sequence[CellPosition], tracks: Mapping[int, Track]
    ) -> dict[str, Any] | None:
        """An entry with the reports of ours a pass elsewhere may need, from the positions
        the rules `accepted` in a batch (oldest first); None when there is nothing to share.

        Shared: every report at or above `min_speed_kn` (a pair needs the report newest at
        its pass time, and only vessels under way make pairs), the first one below it after
        one above (the vessel stopped), and each vessel's newest report of the batch. So a
        pass elsewhere at time t finds, for each of our vessels, either its newest report at
        or before t or one that like it is not under way. `tracks` (all of ours) lets the
        memory of what was published forget vessels the rules forgot.
        """
        published, newest = self._published, {p.mmsi: p.ts for p in accepted}
        rows: list[Row] = []
        for p in accepted:
            moving = p.speed is not None and p.speed >= self.min_speed_kn
            last = published.get(p.mmsi)
            if last is not None and last[0] >= p.ts:
                continue  # shared already (a batch handled again after a restart)
            if moving or (last is not None and last[1]) or newest[p.mmsi] == p.ts:
                published[p.mmsi] = (p.ts, moving)
                rows.append([p.mmsi, p.ts, p.lat, p.lon, p.speed, p.course, p.status, p.cell])
        if len(published) > 2 * len(tracks) + 1024:
            self._published = {m: v for m, v in published.items() if m in tracks}
        coverage = self.coverage.take_outbox() if self.coverage is not None else []
        if not rows and not coverage:
            return None
        return {"partition": self.partition.index, "vessels": rows, "coverage": coverage}

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "foreign": self.foreign,
            "published": self._published,
            "watermarks": self.watermarks,
            "slots": self._slots,
            "coverage": self._coverage,
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        self.foreign, self._published = state["foreign"], state["published"]
        self.watermarks.update(state.get("watermarks", {}))
        self._slots = set(state.get("slots", ()))
        self._coverage = list(state.get("coverage", ()))
