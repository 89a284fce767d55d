"""The traffic figures computed directly from raw position rows, in Python, by the rules
docs/reports.md states: what the incremental aggregates must equal exactly."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

GAP = dt.timedelta(hours=6)
ZONE = ZoneInfo("Asia/Shanghai")

Key = tuple[dt.datetime, str, int]


def presence(rows: Iterable[Any]) -> dict[Key, tuple[Any, ...]]:
    """(hour, cell, mmsi) -> (office, positions, speed_n, speed_dk, speed_max, entries, exits)."""
    out: dict[Key, list[Any]] = {}

    def row(hour: dt.datetime, cell: str, mmsi: int, office: str) -> list[Any]:
        return out.setdefault((hour, cell, mmsi), [office, 0, 0, 0, None, 0, 0])

    by_vessel: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_vessel[r["mmsi"]].append(r)
    for mmsi, track in by_vessel.items():
        track.sort(key=lambda r: (r["ts"], r["lat"], r["lon"]))
        prev = None
        for r in track:
            hour = r["ts"].replace(minute=0, second=0, microsecond=0)
            near = prev is not None and prev["ts"] > r["ts"] - GAP
            if r["cell"] is not None:
                agg = row(hour, r["cell"], mmsi, r["office"])
                agg[1] += 1
                if r["speed"] is not None:
                    agg[2] += 1
                    agg[3] += round(r["speed"] * 10)
                    agg[4] = r["speed"] if agg[4] is None else max(agg[4], r["speed"])
                if not (near and prev["cell"] == r["cell"]):
                    agg[5] += 1
            if near and prev["cell"] is not None and prev["cell"] != r["cell"]:
                row(hour, prev["cell"], mmsi, prev["office"])[6] += 1
            prev = r
    return {k: tuple(v) for k, v in out.items()}


def density_totals(rows: Iterable[Any]) -> dict[tuple[dt.date, int, int], int]:
    out: dict[tuple[dt.date, int, int], int] = defaultdict(int)
    for r in rows:
        if r["cell"] is not None:
            day = r["ts"].astimezone(ZONE).date()
            out[day, math.floor(r["lon"] * 100), math.floor(r["lat"] * 100)] += 1
    return dict(out)
