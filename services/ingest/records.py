"""Decoded messages to the domain records of services/core/types.py.

Position: types 1, 2, 3 (class A), 18, 19 (class B), 27 (long range), own-ship VDO
included, when the message has a time and a position ("not available" is None by now).
VesselStatic: types 5, 19 and 24 (part A carries the name, part B type, call sign and
dimensions; the vessel state merges them). ITU-R "not available" zeros of static data
(ship type 0, dimensions 0, draught 0, ETA month 0 / day 0 / hour 24 / minute 60) become
None here, so merging keeps a known value instead of overwriting it with "unknown".
"""

from __future__ import annotations

import dataclasses
from typing import Any

from services.core.types import Position, VesselStatic
from services.ingest.decoder import Message
from services.ingest.mmsi import classify

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 19, 24})
_DIMENSIONS = ("to_bow", "to_stern", "to_port", "to_starboard")


def to_records(msg: Message, feed: str) -> list[Position | VesselStatic]:
    """The records a message yields (none for other types or without a time)."""
    if msg.ts is None:
        return []
    out: list[Position | VesselStatic] = []
    source = msg.source or feed
    if msg.msg_type in POSITION_TYPES:
        position = _position(msg, source)
        if position is not None:
            out.append(position)
    if msg.msg_type in STATIC_TYPES:
        out.append(_static(msg, source))
    return out


# Position is frozen: its generated __init__ sets each field through object.__setattr__,
# which costs as much as decoding the message. Writing the slots directly gives the same
# object (tests compare it with the constructor's) at a fraction of the cost; unrolled,
# because a loop over the slots costs about as much again.
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
    raise ImportError("records: Position's fields changed; update _position() to match")
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


def _position(msg: Message, source: str) -> Position | None:
    motion = msg.motion()
    if motion is None:
        return None
    lat, lon, speed, course, heading, status, turn = motion
    mmsi = msg.mmsi
    p = _new(Position)
    _set_mmsi(p, mmsi)
    _set_ts(p, msg.ts)
    _set_lat(p, lat)
    _set_lon(p, lon)
    _set_speed(p, speed)
    _set_course(p, course)
    _set_heading(p, heading)
    _set_status(p, status)
    _set_turn(p, turn)
    _set_msg_type(p, msg.msg_type)
    _set_source(p, source)
    _set_mmsi_class(p, classify(mmsi).value)
    return p


_STATIC_SLOTS = tuple(
    VesselStatic.__dict__[f.name].__set__ for f in dataclasses.fields(VesselStatic)
)
_STATIC_FIELDS = tuple(f.name for f in dataclasses.fields(VesselStatic))


def _static(msg: Message, source: str) -> VesselStatic:
    f = msg.static_fields()
    get = f.get
    values = {
        "mmsi": msg.mmsi,
        "ts": msg.ts,
        "msg_type": msg.msg_type,
        "shipname": get("shipname"),
        "callsign": get("callsign"),
        "imo": get("imo"),
        "ship_type": get("ship_type") or None,
        "draught": get("draught") or None,
        "destination": get("destination"),
        "eta": _eta(f),
        "source": source,
    }
    for name in _DIMENSIONS:
        values[name] = get(name) or None
    # Slots written directly, as for Position (VesselStatic is frozen too).
    static = _new(VesselStatic)
    for set_slot, name in zip(_STATIC_SLOTS, _STATIC_FIELDS, strict=True):
        set_slot(static, values[name])
    return static


def _eta(f: dict[str, Any]) -> str | None:
    """ETA as "MM-DDTHH:MM" (AIS has no year); None when any part is "not available"."""
    month, day, hour, minute = f.get("month"), f.get("day"), f.get("hour"), f.get("minute")
    if month is None or day is None or hour is None or minute is None:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return None
    return f"{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"
