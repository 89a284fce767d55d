"""Position records built without the dataclass constructor: this runs for every report.

Position is frozen: its generated __init__ sets each field through object.__setattr__,
which costs as much as decoding the message. Here a Position is built as an instance of an
unfrozen class with the very same slots (`_Unfrozen`: plain attribute stores), then given
its class: the same object the constructor makes (tests compare them), at a fifth of the
cost. Python allows the class change because both classes have the same slot layout; the
check at import keeps them in step. Shared by the batch decoder, which makes the records of
its messages while it decodes them, and `records.to_records`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from services.core.types import Position
from services.ingest.mmsi import classify
from services.ingest.normalize import Motion

_FIELDS = (
    "mmsi",
    "ts",
    "lat",
    "lon",
    "speed",
    "course",
    "heading",
    "status",
    "turn",
    "msg_type",
    "source",
    "mmsi_class",
)
if tuple(f.name for f in dataclasses.fields(Position)) != _FIELDS or Position.__slots__ != _FIELDS:
    raise ImportError("positions: Position's fields changed; update _Unfrozen to match")


class _Unfrozen:
    """Position's slots without its frozen __setattr__; only ever a Position under way."""

    __slots__ = _FIELDS

    def __init__(
        self,
        mmsi: int,
        ts: float,
        lat: float,
        lon: float,
        speed: float | None,
        course: float | None,
        heading: int | None,
        status: int | None,
        turn: float | None,
        msg_type: int,
        source: str,
        mmsi_class: str,
    ) -> None:
        self.mmsi = mmsi
        self.ts = ts
        self.lat = lat
        self.lon = lon
        self.speed = speed
        self.course = course
        self.heading = heading
        self.status = status
        self.turn = turn
        self.msg_type = msg_type
        self.source = source
        self.mmsi_class = mmsi_class


def make_position(mmsi: int, ts: float, motion: Motion, msg_type: int, source: str) -> Position:
    """Position(mmsi, ts, *motion, msg_type, source, classify(mmsi).value), only faster."""
    return make_position_of(mmsi, ts, *motion, msg_type, source)


def make_position_of(
    mmsi: int,
    ts: float,
    lat: float,
    lon: float,
    speed: float | None,
    course: float | None,
    heading: int | None,
    status: int | None,
    turn: float | None,
    msg_type: int,
    source: str,
) -> Position:
    """`make_position` from the motion values one by one (the batch decoder's columns)."""
    mmsi_class = _CLASS.get(mmsi)
    if mmsi_class is None:
        if len(_CLASS) >= _CLASS_SIZE:
            _CLASS.clear()
        mmsi_class = _CLASS[mmsi] = classify(mmsi).value
    p: Any = _Unfrozen(
        mmsi, ts, lat, lon, speed, course, heading, status, turn, msg_type, source, mmsi_class
    )
    p.__class__ = Position
    position: Position = p
    return position


# classify(mmsi).value by MMSI: reading an enum member's value is a descriptor call
_CLASS: dict[int, str] = {}
_CLASS_SIZE = 65_536
