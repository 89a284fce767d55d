"""How far each partition's AIS has come, for fusion reading N partitions' cell positions.

One process handles a radar scan at t after every AIS position up to t and before the first
later one. Fusion reads `cell_positions` of all N partitions in turn (PartitionedBus), so
partition 0's positions after t can arrive before partition 1's up to t. So fusion keeps,
per partition (`mmsi % N`), the newest AIS time it has read (its watermark: each partition's
stream is in time order, so nothing earlier is still to come from it), holds back the
positions later than the first scan waiting, and a scan at t is due only once every
partition's watermark is past t: then the held positions up to t go in, the scan runs, and
the rest follow (`release`).

Live, a partition whose AIS has been silent for `max_wait` seconds of wall time (no traffic
in its share of the vessels, or its gridding down) is not waited for: its later positions
up to a scan already run are then late for that scan. A replay sets no such limit.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from services.core.types import CellPosition


class AisWatermarks:
    """Per-partition AIS progress and the positions held back behind a waiting scan."""

    def __init__(self, partitions: int = 1, max_wait: float | None = None) -> None:
        self.count, self.max_wait = partitions, max_wait
        self.latest = [-math.inf] * partitions  # newest AIS time read, per partition
        started = time.monotonic()
        self.heard = [started] * partitions  # wall time of the last AIS, per partition
        self._held: list[deque[CellPosition]] = [deque() for _ in range(partitions)]
        self.held = 0

    def add(self, positions: Iterable[CellPosition], now: float) -> None:
        """Note `positions` (read at monotonic time `now`) and hold them back until
        `release`d: the engine takes them only once no scan before them still waits."""
        count, latest, held = self.count, self.latest, self._held
        for p in positions:
            i = p.mmsi % count
            if p.ts > latest[i]:
                latest[i] = p.ts
            self.heard[i] = now
            held[i].append(p)
            self.held += 1

    def bound(self, now: float) -> float:
        """Scans before this time are due: every partition heard from lately is past them."""
        waited = [
            latest
            for latest, heard in zip(self.latest, self.heard, strict=True)
            if self.max_wait is None or now - heard < self.max_wait
        ]
        return min(waited, default=math.inf)

    def release(self, upto: float) -> list[CellPosition]:
        """The held positions at or before `upto`, partition by partition in their order."""
        out: list[CellPosition] = []
        for queue in self._held:
            while queue and queue[0].ts <= upto:
                out.append(queue.popleft())
        self.held -= len(out)
        return out

    def snapshot_state(self) -> dict[str, Any]:
        """What a restarted fusion needs to go on exactly: the watermarks, held positions."""
        return {"latest": list(self.latest), "held": [list(q) for q in self._held]}

    def restore_state(self, state: dict[str, Any]) -> None:
        if len(state["latest"]) != self.count:
            return  # another layout: start afresh
        self.latest = list(state["latest"])
        self._held = [deque(q) for q in state["held"]]
        self.held = sum(len(q) for q in self._held)
