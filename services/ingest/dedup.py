"""Suppress the same AIS message heard more than once.

Several receivers (and several talkers of one receiver, `!AIVDM` and `!ABVDM`) pass on
the same radio transmission; the armoured payload plus fill bits identify it, since two
different transmissions practically never share all 168+ bits (the SOTDMA communication
state changes from slot to slot). A payload seen again within `window` seconds of the
first time it was seen is a duplicate. The first-seen time is not refreshed by duplicates,
so a payload genuinely repeated over a long time still passes once per window.

Messages without a time cannot be compared and are never duplicates. Memory is bounded:
entries older than the window (by the latest time seen) are forgotten, and at most
`max_entries` are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from services.ingest.message import Message


class Deduplicator:
    def __init__(self, window: float, max_entries: int = 500_000) -> None:
        self.window = window
        self.max_entries = max_entries
        self.duplicates = 0
        # OrderedDict, not dict: forgetting takes the oldest entry, and finding a plain dict's
        # first key walks over every slot deleted since its last resize (most of the run).
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._latest = float("-inf")

    def is_duplicate(self, msg: Message) -> bool:
        """True when `msg` repeats a payload first seen less than `window` seconds before."""
        ts = msg.ts
        if ts is None:
            return False
        seen = self._seen
        first = seen.get(msg.payload)
        if first is not None and abs(ts - first) <= self.window:
            self.duplicates += 1
            return True
        if first is not None:
            seen.move_to_end(msg.payload)  # insertion order stays time order
        seen[msg.payload] = ts
        if ts > self._latest:
            self._latest = ts
            self._forget_before(ts - self.window)
        if len(seen) > self.max_entries:
            seen.popitem(last=False)
        return False

    def unique(self, messages: Iterable[Message]) -> list[Message]:
        """The messages that are not duplicates, in order: `is_duplicate` for each, in one
        loop (it runs for every message of a feed; the per-call overhead is a third of it)."""
        seen = self._seen
        window = self.window
        latest = self._latest
        max_entries = self.max_entries
        get = seen.get
        out = []
        for msg in messages:
            ts = msg.ts
            if ts is None:
                out.append(msg)
                continue
            key = msg.payload
            first = get(key)
            if first is not None:
                if abs(ts - first) <= window:
                    self.duplicates += 1
                    continue
                seen.move_to_end(key)  # insertion order stays time order
            seen[key] = ts
            if ts > latest:
                latest = self._latest = ts
                self._forget_before(ts - window)
            if len(seen) > max_entries:
                seen.popitem(last=False)
            out.append(msg)
        return out

    def _forget_before(self, limit: float) -> None:
        seen = self._seen
        while seen:
            payload = next(iter(seen))
            if seen[payload] >= limit:
                return
            del seen[payload]
