"""Build small AIS recordings (pyais-encoded NMEA) and replay them through `seagrid replay`.

Scenarios are written as tracks: a vessel at a point, moving on a course at a speed,
reporting every `every` seconds. Lines carry a Unix-epoch prefix (CONTRACTS §2), so the
recording's clock is the scenario's clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pyais import encode_dict

from services.cli.main import main

CONFIG = Path(__file__).resolve().parent / "config"
T0 = 1_772_409_600.0  # 2026-03-02T00:00:00Z, inside the test waterworks zone's period
M_PER_DEG = 60 * 1852.0
KN = 1852.0 / 3600.0

Line = tuple[float, str]


def _lines(ts: float, data: dict[str, Any]) -> list[Line]:
    return [(ts, f"{ts:.3f} {s}") for s in encode_dict(data, sentence_type="VDM")]


def report(
    mmsi: int,
    ts: float,
    lat: float,
    lon: float,
    speed: float = 0.0,
    course: float = 0.0,
    status: int = 0,
) -> list[Line]:
    """One class A position report (type 1)."""
    data = {
        "type": 1, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": speed, "course": course,
        "status": status, "heading": int(course) % 360,
    }  # fmt: skip
    return _lines(ts, data)


def static(mmsi: int, ts: float, length_m: int = 100, ship_type: int = 70) -> list[Line]:
    data = {
        "type": 5, "mmsi": mmsi, "shipname": f"TEST {mmsi % 1000}", "ship_type": ship_type,
        "to_bow": length_m // 2, "to_stern": length_m - length_m // 2, "to_port": 8,
        "to_starboard": 8,
    }  # fmt: skip
    return _lines(ts, data)


def safety(mmsi: int, ts: float, text: str) -> list[Line]:
    """A safety-related broadcast (type 14)."""
    return _lines(ts, {"type": 14, "mmsi": mmsi, "text": text})


@dataclass(frozen=True)
class Leg:
    """A vessel from (lat, lon) on `course` at `speed` kn for `duration` s, every `every` s."""

    mmsi: int
    lat: float
    lon: float
    course: float = 0.0
    speed: float = 0.0
    duration: float = 600.0
    every: float = 10.0
    start: float = 0.0  # seconds after T0
    status: int = 0

    def at(self, t: float) -> tuple[float, float]:
        run = self.speed * KN * t
        rad = math.radians(self.course)
        lat = self.lat + run * math.cos(rad) / M_PER_DEG
        lon = self.lon + run * math.sin(rad) / (M_PER_DEG * math.cos(math.radians(self.lat)))
        return lat, lon

    def lines(self) -> list[Line]:
        out: list[Line] = []
        steps = int(self.duration // self.every) + 1
        for k in range(steps):
            t = k * self.every
            lat, lon = self.at(t)
            out += report(
                self.mmsi, T0 + self.start + t, lat, lon, self.speed, self.course, self.status
            )
        return out

    @property
    def end(self) -> tuple[float, float]:
        return self.at(int(self.duration // self.every) * self.every)


def write(path: Path, *parts: list[Line]) -> Path:
    """Write the lines of all parts in time order (stable: equal times keep their order)."""
    lines = sorted((line for part in parts for line in part), key=lambda x: x[0])
    path.write_text("".join(text + "\n" for _, text in lines))
    return path


def replay(
    recording: Path, tmp: Path, config: Path = CONFIG, positions: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run `seagrid replay --speed max`; return (alerts, accepted positions)."""
    alerts_out = tmp / f"{recording.stem}.alerts.jsonl"
    args = ["replay", str(recording), "--config", str(config), "--alerts-out", str(alerts_out)]
    positions_out = tmp / f"{recording.stem}.positions.jsonl"
    if positions:
        args += ["--positions-out", str(positions_out)]
    code = main(args)
    assert code == 0, f"seagrid replay exited {code}"
    alerts = [orjson.loads(line) for line in alerts_out.read_bytes().splitlines()]
    accepted = (
        [orjson.loads(line) for line in positions_out.read_bytes().splitlines()]
        if positions
        else []
    )
    return alerts, accepted


def of_rule(alerts: list[dict[str, Any]], rule: str) -> dict[int, list[dict[str, Any]]]:
    """The alerts of one rule, by MMSI."""
    found: dict[int, list[dict[str, Any]]] = {}
    for alert in alerts:
        if alert["rule"] == rule:
            found.setdefault(alert["mmsi"], []).append(alert)
    return found
