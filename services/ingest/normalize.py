"""pyais message objects to the CONTRACTS §3 field dict.

This is the edge where pyais's raw conventions stop: enums become ints, six-bit text loses
its `@` padding and trailing spaces, "not available" sentinels become None (lat 91, lon 181,
speed 102.3, course 360, heading 511, turn -128, imo 0, empty text; for type 27, whose
fields are coarser, speed 63 and course 511; for type 9, speed 1023), and binary data
becomes base64 text (as pyais's own JSON encoder writes it) so the dict is JSON-able.

`pyais`'s `asdict()` looks every slot up in a field table on each call; here the plan of
each message class (names, which are enums, text, bytes, sentinels) is built once and
cached, since this runs for every message of every feed.

The ingest hot path needs neither the whole dict nor its generality: `check_position` and
`motion` read only what a Position needs, straight from the message, with the same
sentinel tables, because building the dict costs about as much as decoding the message.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import attr
from pyais.messages import ENUM_FIELDS

_NOT_AVAILABLE: dict[str, float] = {
    "lat": 91.0,
    "lon": 181.0,
    "speed": 102.3,
    "course": 360.0,
    "heading": 511,
    "turn": -128.0,
    "imo": 0,
}
_NOT_AVAILABLE_BY_TYPE: dict[int, dict[str, float]] = {
    27: {"speed": 63.0, "course": 511.0},
    9: {"speed": 1023.0},
}


class BadPosition(ValueError):
    """A position outside ±90/±180 that is not the "not available" value."""


@dataclass(frozen=True, slots=True)
class _Plan:
    names: tuple[str, ...]
    get: Callable[[Any], tuple[Any, ...]]
    enums: tuple[str, ...]
    texts: tuple[str, ...]
    blobs: tuple[str, ...]
    sentinels: tuple[tuple[str, float], ...]
    turn: bool


# What a VesselStatic record needs of types 5, 19 and 24 (see normalize_static).
STATIC_NAMES = frozenset(
    {
        "shipname",
        "callsign",
        "imo",
        "ship_type",
        "draught",
        "destination",
        "month",
        "day",
        "hour",
        "minute",
        "to_bow",
        "to_stern",
        "to_port",
        "to_starboard",
    }
)

_PLANS: dict[tuple[type, int], _Plan] = {}
_STATIC_PLANS: dict[tuple[type, int], _Plan] = {}


def _plan(cls: type, msg_type: int, only: frozenset[str] | None = None) -> _Plan:
    fields = [
        f
        for f in attr.fields(cls)
        if not f.metadata.get("is_spare") and (only is None or f.name in only)
    ]
    names = tuple(f.name for f in fields)
    na = {**_NOT_AVAILABLE, **_NOT_AVAILABLE_BY_TYPE.get(msg_type, {})}
    return _Plan(
        names=names,
        get=_getter(names),
        enums=tuple(n for n in names if n in ENUM_FIELDS),
        texts=tuple(f.name for f in fields if f.metadata.get("d_type") is str),
        blobs=tuple(f.name for f in fields if f.metadata.get("d_type") is bytes),
        sentinels=tuple((n, na[n]) for n in names if n in na),
        turn="turn" in names,
    )


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """attrgetter that always gives a tuple (with one name it gives the bare value)."""
    if len(names) > 1:
        return attrgetter(*names)
    return lambda msg: tuple(getattr(msg, name) for name in names)


def normalize(msg: Any) -> dict[str, Any]:
    """The §3 dict of a decoded pyais message (without ts/source/channel).

    Raises BadPosition when lat/lon are out of range (after "not available" is None).
    """
    cls = type(msg)
    key = (cls, msg.msg_type)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _plan(cls, msg.msg_type)
    return _apply(plan, msg)


def normalize_static(msg: Any) -> dict[str, Any]:
    """The entries of `normalize(msg)` named in STATIC_NAMES, at a fraction of its cost."""
    cls = type(msg)
    key = (cls, msg.msg_type)
    plan = _STATIC_PLANS.get(key)
    if plan is None:
        plan = _STATIC_PLANS[key] = _plan(cls, msg.msg_type, STATIC_NAMES)
    return _apply(plan, msg)


def _apply(plan: _Plan, msg: Any) -> dict[str, Any]:
    d = dict(zip(plan.names, plan.get(msg), strict=True))
    for name in plan.enums:
        v = d[name]
        if v is not None:
            d[name] = int(v)
    for name in plan.texts:
        v = d[name]
        if v is not None:
            d[name] = v.rstrip("@ ") or None
    for name in plan.blobs:
        v = d[name]
        if v is not None:
            d[name] = base64.b64encode(v).decode("ascii")
    for name, na in plan.sentinels:
        if d[name] == na:
            d[name] = None
    if plan.turn and d["turn"] is not None:
        d["turn"] = float(d["turn"])  # TurnRate enum members (±127) as plain numbers
    if msg.msg_type != 17:  # type 17's lon/lat are pyais's tenths of minutes, not degrees
        _check_position(d)
    return d


def _check_position(d: dict[str, Any]) -> None:
    lat = d.get("lat")
    lon = d.get("lon")
    if (lat is not None and not -90.0 <= lat <= 90.0) or (
        lon is not None and not -180.0 <= lon <= 180.0
    ):
        raise BadPosition(f"position out of range: lat={lat} lon={lon}")


# Position fields (lat, lon, speed, course, heading, status, turn) of the position report
# classes; fields a class lacks are None. Short messages leave trailing fields None.
Motion = tuple[float, float, float | None, float | None, int | None, int | None, float | None]

_LAT_NA, _LON_NA = _NOT_AVAILABLE["lat"], _NOT_AVAILABLE["lon"]
_SPEED_NA, _COURSE_NA = _NOT_AVAILABLE["speed"], _NOT_AVAILABLE["course"]
_HEADING_NA, _TURN_NA = _NOT_AVAILABLE["heading"], _NOT_AVAILABLE["turn"]
_SPEED_NA_27, _COURSE_NA_27 = (
    _NOT_AVAILABLE_BY_TYPE[27]["speed"],
    _NOT_AVAILABLE_BY_TYPE[27]["course"],
)
_HAS_POSITION: dict[type, bool] = {}


def check_position(msg: Any) -> None:
    """Raise BadPosition exactly when `normalize(msg)` would, without building the dict."""
    cls = type(msg)
    has = _HAS_POSITION.get(cls)
    if has is None:
        names = {f.name for f in attr.fields(cls)}
        has = _HAS_POSITION[cls] = "lat" in names and "lon" in names
    if not has or msg.msg_type == 17:
        return
    lat, lon = msg.lat, msg.lon
    if (lat is not None and lat != _LAT_NA and not -90.0 <= lat <= 90.0) or (
        lon is not None and lon != _LON_NA and not -180.0 <= lon <= 180.0
    ):
        raise BadPosition(f"position out of range: lat={lat} lon={lon}")


def motion(msg: Any) -> Motion | None:
    """The Position fields of a position report (types 1-3, 18, 19, 27), as `normalize`
    gives them; None when the message has no position. The caller has run check_position.
    """
    lat, lon = msg.lat, msg.lon
    if lat is None or lon is None or lat == _LAT_NA or lon == _LON_NA:
        return None
    t = msg.msg_type
    if t == 27:
        status = None if msg.status is None else int(msg.status)
        speed, course = _known(msg.speed, _SPEED_NA_27), _known(msg.course, _COURSE_NA_27)
        return (lat, lon, speed, course, None, status, None)
    speed, course = _known(msg.speed, _SPEED_NA), _known(msg.course, _COURSE_NA)
    heading = _known(msg.heading, _HEADING_NA)
    if t > 3:  # class B: 18, 19
        return (lat, lon, speed, course, heading, None, None)
    status, turn = msg.status, msg.turn
    return (
        lat,
        lon,
        speed,
        course,
        heading,
        None if status is None else int(status),
        None if turn is None or turn == _TURN_NA else float(turn),
    )


def _known(value: Any, not_available: float) -> Any:
    return None if value == not_available else value
