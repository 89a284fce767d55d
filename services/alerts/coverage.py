"""Where AIS reports are normally received: learned from the traffic itself.

`ais_gap` must tell "transponder off" from "no coverage". A shore station's reception
depends on range, terrain and the antenna, and no configuration knows it well, but the data
shows it: in a well-covered cell, a vessel's next report arrives about when ITU-R M.1371
says it should; where coverage is poor, many reports are lost and the next one is late.
So for every coarse raster cell (default 0.02 deg, ~2 km) we count the reports made there
and how many were followed "in time" by the vessel's next report. A cell is covered once it
has enough reports and a high enough in-time ratio; an unknown cell is not covered, so no
gap is raised where we have not yet learned anything.
"""

from __future__ import annotations

import math


class CoverageMap:
    def __init__(self, cell_deg: float, min_reports: int, min_ratio: float) -> None:
        self.cell_deg = cell_deg
        self.min_reports = min_reports
        self.min_ratio = min_ratio
        self._counts: dict[tuple[int, int], list[int]] = {}  # cell -> [reports, in time]

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lon / self.cell_deg), math.floor(lat / self.cell_deg)

    def record(self, lat: float, lon: float, in_time: bool) -> None:
        """A report was made at (lat, lon); `in_time`: the next one came when expected."""
        counts = self._counts.get(self._cell(lat, lon))
        if counts is None:
            counts = self._counts[self._cell(lat, lon)] = [0, 0]
        counts[0] += 1
        counts[1] += in_time

    def ratio(self, lat: float, lon: float) -> tuple[int, float]:
        """(reports seen, share followed in time) for the cell of (lat, lon)."""
        reports, in_time = self._counts.get(self._cell(lat, lon), (0, 0))
        return reports, (in_time / reports if reports else 0.0)

    def covered(self, lat: float, lon: float) -> bool:
        reports, share = self.ratio(lat, lon)
        return reports >= self.min_reports and share >= self.min_ratio
