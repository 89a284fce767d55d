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

from services.core.types import STATIC_FIELDS, Position, VesselStatic
from services.ingest.message import Message
from services.ingest.positions import make_position

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 19, 24})


def to_records(msg: Message, feed: str) -> list[Position | VesselStatic]:
    """The records a message yields (none for other types or without a time)."""
    ts = msg.ts
    if ts is None:
        return []
    record = msg._record
    if record is not None and msg._fields is None and msg._record_feed == feed:
        return [record]  # made when the batch was decoded, from the same values
    out: list[Position | VesselStatic] = []
    source = msg.source or feed
    if msg.msg_type in POSITION_TYPES:
        position = _position(msg, ts, source)
        if position is not None:
            out.append(position)
    if msg.msg_type in STATIC_TYPES:
        out.append(_static(msg, source))
    return out


def _position(msg: Message, ts: float, source: str) -> Position | None:
    motion = msg.motion()
    if motion is None:
        return None
    return make_position(msg.mmsi, ts, motion, msg.msg_type, source)


_new = object.__new__
_STATIC_FIELDS = tuple(f.name for f in dataclasses.fields(VesselStatic))
if _STATIC_FIELDS != ("mmsi", "ts", "msg_type", *STATIC_FIELDS, "source"):
    raise ImportError("records: VesselStatic's fields changed; update _static() to match")
_set_mmsi, _set_ts, _set_msg_type, *_SET_VALUES, _set_source = (
    VesselStatic.__dict__[name].__set__ for name in _STATIC_FIELDS
)


def _static(msg: Message, source: str) -> VesselStatic:
    values = _static_values(msg)
    # Slots written directly, as for Position (VesselStatic is frozen too).
    static = _new(VesselStatic)
    _set_mmsi(static, msg.mmsi)
    _set_ts(static, msg.ts)
    _set_msg_type(static, msg.msg_type)
    for set_slot, value in zip(_SET_VALUES, values, strict=True):
        set_slot(static, value)
    _set_source(static, source)
    return static


def _static_values(msg: Message) -> tuple[Any, ...]:
    """The fields of VesselStatic from shipname to eta, from the message's static fields.

    A vessel repeats its static report unchanged, and the decoder then hands out the same
    pyais object for it (`Decoder._decode_static`): the values are kept per such object
    (while nothing has built the message's `fields`, which records otherwise follow).
    """
    if msg._static is not None and msg._fields is None:
        return msg._static  # a type 5 decoded by staticdecode
    decoded = msg.decoded
    keep = msg._fields is None and decoded is not None and msg.msg_type in _REPEATED
    if keep:
        kept = _STATIC_VALUES.get(id(decoded))
        if kept is not None and kept[0] is decoded:
            return kept[1]
    f = msg.static_fields()
    get = f.get
    values = (
        get("shipname"),
        get("callsign"),
        get("imo"),
        get("ship_type") or None,
        get("to_bow") or None,
        get("to_stern") or None,
        get("to_port") or None,
        get("to_starboard") or None,
        get("draught") or None,
        get("destination"),
        _eta(f),
    )
    if keep:
        if len(_STATIC_VALUES) >= _STATIC_VALUES_SIZE:
            _STATIC_VALUES.clear()
        _STATIC_VALUES[id(decoded)] = (decoded, values)  # the object is kept: its id stays
    return values


_STATIC_VALUES: dict[int, tuple[Any, tuple[Any, ...]]] = {}
_STATIC_VALUES_SIZE = 16_384
_REPEATED = frozenset({5, 24})  # the types the decoder hands out cached objects for


def _eta(f: dict[str, Any]) -> str | None:
    """ETA as "MM-DDTHH:MM" (AIS has no year); None when any part is "not available"."""
    month, day, hour, minute = f.get("month"), f.get("day"), f.get("hour"), f.get("minute")
    if month is None or day is None or hour is None or minute is None:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return None
    return f"{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"
