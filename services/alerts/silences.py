"""The silences in force, looked up by vessel and behaviour time.

A silence covers behaviour in [start, end) of one vessel (one rule or all of them); it is
checked against the time of the observation, never against the time an alert would be
raised, so late data and minimum durations cannot sneak an alert past it. A pair alert
(close quarters) is silenced when either vessel is: silencing a patrol boat that works
alongside others must silence its meetings too.
"""

from __future__ import annotations

from collections import defaultdict

from services.alerts.model import Silence


class SilenceList:
    def __init__(self) -> None:
        self._by_mmsi: defaultdict[int, dict[str, Silence]] = defaultdict(dict)
        self._mmsi_of: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._mmsi_of)

    def all(self) -> list[Silence]:
        return [s for entries in self._by_mmsi.values() for s in entries.values()]

    def add(self, silence: Silence) -> None:
        """Add or replace (same id) a silence; raises ValueError when end <= start."""
        if silence.end <= silence.start:
            raise ValueError(f"silence {silence.id}: end must be after start")
        self.remove(silence.id)
        self._by_mmsi[silence.mmsi][silence.id] = silence
        self._mmsi_of[silence.id] = silence.mmsi

    def remove(self, silence_id: str) -> bool:
        mmsi = self._mmsi_of.pop(silence_id, None)
        if mmsi is None:
            return False
        entries = self._by_mmsi[mmsi]
        entries.pop(silence_id, None)
        if not entries:
            del self._by_mmsi[mmsi]
        return True

    def covers(self, rule: str, mmsi: int, other_mmsi: int | None, ts: float) -> bool:
        if not self._mmsi_of:
            return False
        return self._covers(rule, mmsi, ts) or (
            other_mmsi is not None and self._covers(rule, other_mmsi, ts)
        )

    def _covers(self, rule: str, mmsi: int, ts: float) -> bool:
        entries = self._by_mmsi.get(mmsi)
        return entries is not None and any(s.covers(rule, mmsi, ts) for s in entries.values())

    def prune(self, before: float) -> int:
        """Forget silences that ended before `before` (no behaviour that old is expected)."""
        old = [s.id for e in self._by_mmsi.values() for s in e.values() if s.end < before]
        for silence_id in old:
            self.remove(silence_id)
        return len(old)
