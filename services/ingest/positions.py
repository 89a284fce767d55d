"""Position records built without the dataclass constructor: this runs for every report.

Position is frozen: its generated __init__ sets each field through object.__setattr__,
which costs as much as decoding the message. Writing the slots directly gives the same
object (tests compare it with the constructor's) at a fraction of the cost; unrolled,
because a loop over the slots costs about as much again. Shared by the batch decoder,
which makes the records of its messages while it decodes them, and `records.to_records`.
"""

from __future__ import annotations

import dataclasses

from services.core.types import Position
from services.ingest.mmsi import classify
from services.ingest.normalize import Motion

_POSITION_FIELDS = (
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
if tuple(f.name for f in dataclasses.fields(Position)) != _POSITION_FIELDS:
    raise ImportError("positions: Position's fields changed; update make_position() to match")
(
    _set_mmsi,
    _set_ts,
    _set_lat,
    _set_lon,
    _set_speed,
    _set_course,
    _set_heading,
    _set_status,
    _set_turn,
    _set_msg_type,
    _set_source,
    _set_mmsi_class,
) = (Position.__dict__[name].__set__ for name in _POSITION_FIELDS)
_new = object.__new__


def make_position(mmsi: int, ts: float, motion: Motion, msg_type: int, source: str) -> Position:
    """Position(mmsi, ts, *motion, msg_type, source, classify(mmsi).value), only faster."""
    lat, lon, speed, course, heading, status, turn = motion
    p = _new(Position)
    _set_mmsi(p, mmsi)
    _set_ts(p, ts)
    _set_lat(p, lat)
    _set_lon(p, lon)
    _set_speed(p, speed)
    _set_course(p, course)
    _set_heading(p, heading)
    _set_status(p, status)
    _set_turn(p, turn)
    _set_msg_type(p, msg_type)
    _set_source(p, source)
    mmsi_class = _CLASS.get(mmsi)
    if mmsi_class is None:
        if len(_CLASS) >= _CLASS_SIZE:
            _CLASS.clear()
        mmsi_class = _CLASS[mmsi] = classify(mmsi).value
    _set_mmsi_class(p, mmsi_class)
    return p


# classify(mmsi).value by MMSI: reading an enum member's value is a descriptor call
_CLASS: dict[int, str] = {}
_CLASS_SIZE = 65_536
