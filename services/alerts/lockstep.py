"""An alerts partition's side of the event-time watermarks (pairs.py says why and how).

The partition handles its positions one tick interval at a time, as far as the other
partitions' watermarks allow, and after each interval has a picture entry to publish with
its own watermark; what it cannot handle yet waits in `held` (held.py). When it has had
nothing to read for `idle_after` seconds it runs the ticks the others' positions drove
since its own last one, and says it is idle, so that nobody waits for it.
Pure bookkeeping: the stage (stage.py) reads, publishes and acknowledges.
"""

from __future__ import annotations

import math
from typing import Any

from services.alerts.held import HeldPositions
from services.alerts.pairs import SharedPicture
from services.alerts.processor import AlertProcessor, Output
from services.core.bus import Delivery

# Said again this many times `idle_after` while idle, for a partition started meanwhile.
REPEAT_IDLE = 5


class Lockstep:
    def __init__(
        self,
        picture: SharedPicture,
        processor: AlertProcessor,
        idle_after: float,
        give_up_after: float | None,
    ) -> None:
        self.picture, self.processor = picture, processor
        self.idle_after, self.give_up_after = idle_after, give_up_after
        self.held = HeldPositions()
        self._mark: float | None = -math.inf  # our watermark last published (None: idle)
        self._quiet_since: float | None = None  # monotonic time our input ran out
        self._idle: float | None = None  # monotonic time we last said we were idle
        processor.partitions = picture

    def horizon(self) -> float:
        """How far the others let us tick (those silent past `give_up_after` left out)."""
        return self.picture.horizon(self.give_up_after)

    def advance(self, horizon: float) -> tuple[Output, list[Delivery], list[dict[str, Any]]]:
        """Handle held positions one tick interval at a time up to `horizon`: the output,
        the deliveries now fully handled, and the picture entries to publish (one per
        interval, and one more when we stop at a tick the others have not reached)."""
        processor, held, picture = self.processor, self.held, self.picture
        total, entries = Output(), []
        tracks = getattr(processor.rules, "tracks", {})
        done: list[Delivery] = []
        while held.positions:
            ticks = 0 if processor.boundary(held.positions[0]) is None else 1
            out, n = processor.process_until(held.positions, horizon, ticks)
            if n == 0:
                break
            done += held.handled(n)
            total.accepted += out.accepted
            total.changes += out.changes
            self._mark = self._watermark()
            entries.append(picture.entry(out.accepted, tracks, processor.last_tick, self._mark))
        done += held.handled(0)  # deliveries left without positions
        mark = self._watermark()
        if mark != self._mark:
            self._mark = mark
            entries.append(picture.entry([], tracks, processor.last_tick, mark))
        return total, done, entries

    def _watermark(self) -> float:
        """Event time before which all our reports are shared: the tick the next held
        position waits for, else the newest handled (positions come in time order)."""
        held = self.held.positions
        if held:
            boundary = self.processor.boundary(held[0])
            return held[0].ts if boundary is None else boundary
        return self.processor.clock

    def quiet(self, arrived: bool, now: float) -> bool:
        """Note whether a read found input (at monotonic `now`). True when we have had
        none for `idle_after` and there is something to do about it (`catch_up`), provided
        nothing is on its way from upstream."""
        if arrived:
            self._quiet_since, self._idle = None, None
            return False
        if self._quiet_since is None:
            self._quiet_since = now
        if now - self._quiet_since < self.idle_after:
            return False
        last = self.processor.last_tick
        return self._idle_due(now) or self.picture.has_ticks(last, self.horizon())

    def _idle_due(self, now: float) -> bool:
        return self._idle is None or now - self._idle >= REPEAT_IDLE * self.idle_after

    def catch_up(self, now: float) -> tuple[Output, list[dict[str, Any]]]:
        """Our input has run dry: run the ticks the others drove since our last position
        (one process runs them for our vessels too: an ais_gap of a vessel gone silent),
        and say we are idle when it is time to; the output and the entries to publish."""
        out = self.processor.tick_until(self.horizon())
        if not self._idle_due(now):
            return out, []
        self._idle, self._mark = now, None
        tracks = getattr(self.processor.rules, "tracks", {})
        return out, [self.picture.entry([], tracks, None, None)]

    def status(self) -> dict[str, Any]:
        silent = self.picture.silent(self.give_up_after) if self.give_up_after else []
        return {
            "picture_vessels": len(self.picture.foreign),
            "held_positions": len(self.held),
            "partitions_not_waited_for": len(silent),
        }
