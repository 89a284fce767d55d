"""Positions and static reports from the real recordings, for the database tests.

A deliberately small reading of the files with pyais alone (so these tests do not depend on
the ingest pipeline under test elsewhere): "not available" sentinels become None, and lines
without a tag-block time get one second per message from a fixed start, in input order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyais.stream import FileReaderStream

from services.core.types import Position, VesselStatic

T0 = 1_750_000_000.0  # 2025-06-15, for files whose lines carry no time
_SENTINELS = {"lat": 91.0, "lon": 181.0, "speed": 102.3, "course": 360.0, "heading": 511}
_STATIC_TEXT = ("shipname", "callsign", "destination")
_DIMENSIONS = ("to_bow", "to_stern", "to_port", "to_starboard")


def _value(fields: dict[str, Any], name: str) -> Any:
    value = fields.get(name)
    return None if value == _SENTINELS.get(name) else value


def _time(message: Any, index: int) -> float:
    tag = message.tag_block
    if tag is None:
        return T0 + index
    tag.init()
    if tag.receiver_timestamp is None:
        return T0 + index
    stamp = int(tag.receiver_timestamp)
    return stamp / 1000 if stamp > 10**11 else float(stamp)


def _position(fields: dict[str, Any], ts: float) -> Position | None:
    lat, lon = _value(fields, "lat"), _value(fields, "lon")
    if lat is None or lon is None:
        return None
    status = fields.get("status")
    return Position(
        mmsi=int(fields["mmsi"]),
        ts=ts,
        lat=lat,
        lon=lon,
        speed=_value(fields, "speed"),
        course=_value(fields, "course"),
        heading=_value(fields, "heading"),
        status=None if status is None else int(status),
        msg_type=int(fields["msg_type"]),
        source="sample",
    )


def _static(fields: dict[str, Any], ts: float) -> VesselStatic:
    text: dict[str, Any] = {
        n: (str(fields[n]).rstrip("@ ") or None) if n in fields else None for n in _STATIC_TEXT
    }
    dims = {n: fields.get(n) or None for n in _DIMENSIONS}
    return VesselStatic(
        mmsi=int(fields["mmsi"]),
        ts=ts,
        msg_type=int(fields["msg_type"]),
        imo=fields.get("imo") or None,
        ship_type=int(fields["ship_type"]) or None if "ship_type" in fields else None,
        draught=fields.get("draught") or None,
        source="sample",
        **text,
        **dims,
    )


def load(path: Path) -> tuple[list[Position], list[VesselStatic]]:
    """The positions (types 1, 2, 3, 18, 19) and static reports (5, 19, 24) of a recording."""
    positions: list[Position] = []
    statics: list[VesselStatic] = []
    with FileReaderStream(str(path)) as stream:
        for index, message in enumerate(stream):
            fields = message.decode().asdict()
            ts = _time(message, index)
            msg_type = fields["msg_type"]
            if msg_type in (1, 2, 3, 18, 19):
                position = _position(fields, ts)
                if position is not None:
                    positions.append(position)
            if msg_type in (5, 19, 24):
                statics.append(_static(fields, ts))
    return positions, statics
