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
# object (tests compare it with the constructor's) at half the cost, once per position.
_POSITION_SLOTS = tuple(Position.__dict__[f.name].__set__ for f in dataclasses.fields(Position))


def _new_position(*values: Any) -> Position:
    position = object.__new__(Position)
    for set_slot, value in zip(_POSITION_SLOTS, values, strict=True):
        set_slot(position, value)
    return position


def _position(msg: Message, source: str) -> Position | None:
    f = msg.fields
    lat, lon = f["lat"], f["lon"]
    if lat is None or lon is None:
        return None
    get = f.get
    return _new_position(
        msg.mmsi,
        msg.ts,
        lat,
        lon,
        get("speed"),
        get("course"),
        get("heading"),
        get("status"),
        get("turn"),
        msg.msg_type,
        source,
        classify(msg.mmsi).value,
    )


def _static(msg: Message, source: str) -> VesselStatic:
    f = msg.fields
    assert msg.ts is not None
    dims = {name: f.get(name) or None for name in _DIMENSIONS}
    return VesselStatic(
        mmsi=msg.mmsi,
        ts=msg.ts,
        msg_type=msg.msg_type,
        shipname=f.get("shipname"),
        callsign=f.get("callsign"),
        imo=f.get("imo"),
        ship_type=f.get("ship_type") or None,
        draught=f.get("draught") or None,
        destination=f.get("destination"),
        eta=_eta(f),
        source=source,
        **dims,
    )


def _eta(f: dict[str, Any]) -> str | None:
    """ETA as "MM-DDTHH:MM" (AIS has no year); None when any part is "not available"."""
    month, day, hour, minute = f.get("month"), f.get("day"), f.get("hour"), f.get("minute")
    if month is None or day is None or hour is None or minute is None:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return None
    return f"{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"
