"""The AIS vessels the fusion engine knows, as columns, for association at every scan.

Each scan dead-reckons every vessel heard within `ais_max_age_s` to the scan's time. Built
from the engine's per-vessel fixes at every scan, the arrays cost more than the dead
reckoning itself (a list of a few hundred tuples per scan, eight thousand scans in twelve
hours); kept here row by row as positions arrive, a scan only selects the fresh rows.

Rows are in the order the engine's fix dictionary holds the vessels (first heard first; a
vessel forgotten and heard again goes last): association numbers vessels in that order,
and the assignment's tie-breaks depend on it, so the order is part of the result.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
_TS, _LAT, _LON, _SPEED, _COURSE = range(5)
_DEAD = math.nan  # the time of a forgotten row: no horizon selects it (NaN >= x is false)


class AisTable:
    """Per vessel: time, lat, lon, speed (kn), course (deg), NaN where unknown."""

    def __init__(self, capacity: int = 256) -> None:
        self._slot: dict[int, int] = {}
        self._mmsi: list[int] = []  # per row; a forgotten row keeps its number, unused
        self._rows: FloatArray = np.full((capacity, 5), _DEAD)
        self._used = 0
        self.version = 0  # changes with every put and forget

    def __len__(self) -> int:
        return len(self._slot)

    def put(
        self,
        mmsi: int,
        ts: float,
        lat: float,
        lon: float,
        speed: float | None,
        course: float | None,
    ) -> None:
        """The vessel's newest fix (None becomes NaN, as in a float array)."""
        slot = self._slot.get(mmsi)
        if slot is None:
            slot = self._append(mmsi)
        self._rows[slot] = (ts, lat, lon, speed, course)
        self.version += 1

    def forget(self, mmsi: int) -> None:
        slot = self._slot.pop(mmsi, None)
        if slot is not None:
            self._rows[slot, _TS] = _DEAD
            self.version += 1

    def fresh(self, horizon: float) -> tuple[list[int], FloatArray]:
        """The vessels whose fix is at or after `horizon`, in table order, and their rows
        (columns: ts, lat, lon, speed, course)."""
        rows = self._rows[: self._used]
        live = np.flatnonzero(rows[:, _TS] >= horizon)
        mmsi = self._mmsi
        return [mmsi[i] for i in live.tolist()], rows[live]

    def _append(self, mmsi: int) -> int:
        if self._used == len(self._rows):
            self._make_room()
        slot = self._used
        self._used += 1
        self._slot[mmsi] = slot
        self._mmsi.append(mmsi)
        return slot

    def _make_room(self) -> None:
        """Drop forgotten rows (keeping the order of the others), or grow."""
        live = sorted(self._slot.values())
        if len(live) * 2 <= len(self._rows):
            kept = self._rows[live]
            self._rows[: len(live)] = kept
            self._rows[len(live) :] = _DEAD
            self._mmsi = [self._mmsi[i] for i in live]
            self._slot = {m: i for i, m in enumerate(self._mmsi)}
            self._used = len(live)
            return
        grown = np.full((2 * len(self._rows), 5), _DEAD)
        grown[: self._used] = self._rows[: self._used]
        self._rows = grown
