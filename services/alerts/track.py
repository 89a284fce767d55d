"""Per-vessel state the rules need, and nothing more.

One `Track` per MMSI, created on its first accepted position and updated only by accepted
ones: a position rejected as a jump never moves it (CONTRACTS §4). Besides the last accepted
report it holds each rule's memory (since when stationary, where it anchored, ...) and the
set of conditions currently reported active, so a rule says "ended" once, not on every
report.
"""

from __future__ import annotations

from services.core.types import CellPosition


class Track:
    __slots__ = (
        "mmsi",
        "ts",
        "lat",
        "lon",
        "speed",
        "course",
        "status",
        "cell",
        "msg_type",
        "mmsi_class",
        "active",
        "seen_inside",
        "length_m",
        "since",
        "anchor",
        "slow_path_m",
        "jump_candidate",
        "jump_count",
        "last_jump_ts",
        "last_report_ts",
        "expected_s",
    )

    def __init__(self, pos: CellPosition) -> None:
        self.mmsi = pos.mmsi
        self.move(pos)
        self.last_report_ts = pos.ts
        self.expected_s = 10.0  # ITU-R M.1371 interval of the last report (set by the engine)
        # (rule, subject) conditions reported active and not yet reported ended
        self.active: set[tuple[str, str]] = set()
        self.seen_inside = False  # was inside the jurisdiction at its previous report
        self.length_m: float | None = None
        # (rule, zone id) -> event time the rule's condition started (dwell timers)
        self.since: dict[tuple[str, str], float] = {}
        self.anchor: tuple[str, float, float, float] | None = None  # (zone, ts, lat, lon)
        self.slow_path_m = 0.0
        self.jump_candidate: CellPosition | None = None
        self.jump_count = 0
        self.last_jump_ts: float | None = None

    def move(self, pos: CellPosition) -> None:
        """Take `pos` as the vessel's latest accepted report."""
        self.ts = pos.ts
        self.lat = pos.lat
        self.lon = pos.lon
        self.speed = pos.speed
        self.course = pos.course
        self.status = pos.status
        self.cell = pos.cell
        self.msg_type = pos.msg_type
        self.mmsi_class = pos.mmsi_class
