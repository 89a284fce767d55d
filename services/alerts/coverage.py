"""Where AIS reports are normally received: learned from the traffic itself.

`ais_gap` must tell "transponder off" from "no coverage". A shore station's reception
depends on range, terrain and the antenna, and no configuration knows it well, but the data
shows it: in a well-covered cell, a vessel's next report arrives about when ITU-R M.1371
says it should; where coverage is poor, many reports are lost and the next one is late.
So for every coarse raster cell (default 0.02 deg, ~2 km) we count the reports made there
and how many were followed "in time" by the vessel's next report. A cell is covered once it
has enough reports and a high enough in-time ratio; an unknown cell is not covered, so no
gap is raised where we have not yet learned anything.

With partitions (services/alerts/pairs.py) each alerts process sees only its own vessels'
reports, but coverage is a property of the waters, not of a vessel: each process collects
what it learned in `outbox` and shares it on the picture stream, and `merge` adds what the
others learned, so every partition learns from all the traffic, as one process does.
"""

from __future__ import annotations

import math


class CoverageMap:
    def __init__(self, cell_deg: float, min_reports: int, min_ratio: float) -> None:
        self.cell_deg = cell_deg
        self.min_reports = min_reports
        self.min_ratio = min_ratio
        self._counts: dict[tuple[int, int], list[int]] = {}  # cell -> [reports, in time]
        # With partitions: what was learned since it was last shared (None: not shared)
        self.outbox: dict[tuple[int, int], list[int]] | None = None

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lon / self.cell_deg), math.floor(lat / self.cell_deg)

    def record(self, lat: float, lon: float, in_time: bool) -> None:
        """A report was made at (lat, lon); `in_time`: the next one came when expected."""
        counts = self._counts.get(self._cell(lat, lon))
        if counts is None:
            counts = self._counts[self._cell(lat, lon)] = [0, 0]
        counts[0] += 1
        counts[1] += in_time
        if self.outbox is not None:
            shared = self.outbox.setdefault(self._cell(lat, lon), [0, 0])
            shared[0] += 1
            shared[1] += in_time

    def take_outbox(self) -> list[list[int]]:
        """What was learned since the last call, as `[x, y, reports, in_time]` rows."""
        if not self.outbox:
            return []
        rows = [[x, y, n, ok] for (x, y), (n, ok) in self.outbox.items()]
        self.outbox = {}
        return rows

    def merge(self, rows: list[list[int]]) -> None:
        """Add what another partition learned (`take_outbox` rows); raises ValueError."""
        for row in rows:
            x, y, reports, in_time = row
            if not all(isinstance(v, int) for v in row) or not 0 <= in_time <= reports:
                raise ValueError(f"bad coverage row {row!r}")
            counts = self._counts.setdefault((x, y), [0, 0])
            counts[0] += reports
            counts[1] += in_time

    def ratio(self, lat: float, lon: float) -> tuple[int, float]:
        """(reports seen, share followed in time) for the cell of (lat, lon)."""
        reports, in_time = self._counts.get(self._cell(lat, lon), (0, 0))
        return reports, (in_time / reports if reports else 0.0)

    def covered(self, lat: float, lon: float) -> bool:
        reports, share = self.ratio(lat, lon)
        return reports >= self.min_reports and share >= self.min_ratio
