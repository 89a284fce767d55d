"""A batch decoder for the position reports that make up most traffic: AIS types 1, 2, 3, 18, 27.

pyais decodes one message at a time in Python: building its message object costs more than
everything else ingest does with a position report. Here a whole batch of payloads is
decoded at once with numpy: the six-bit characters become three 60-bit words per payload,
and each field is a shift and a mask over the batch. Only what a `Position` needs is
decoded (type, MMSI, status, turn, speed, position, course, heading).

It takes only payloads of the standard length with no fill bits (168 bits for types 1, 2,
3 and 18, 96 bits for type 27); anything else, and every other type, stays with pyais,
which remains the reference: the values here are computed with pyais's own arithmetic
(integer rounding of coordinates, `x / 10.0` for tenths, pyais's `to_turn` as a table) and
`tests/ingest/test_fastdecode.py` holds them to pyais field by field, on every recording
and on generated payloads with edge values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pyais.messages import to_turn

from services.ingest.normalize import Motion

# Payload characters (at 0 fill bits) of the types decoded here, by first character.
PAYLOAD_CHARS = {ord("1"): 28, ord("2"): 28, ord("3"): 28, ord("B"): 28, ord("K"): 16}

_U64 = np.uint64
IntArray = npt.NDArray[np.int64]

# "not available" raw values (normalize.py's sentinels before scaling)
_LAT_NA, _LON_NA = 91 * 600_000, 181 * 600_000
_LAT_NA_27, _LON_NA_27 = 91 * 600, 181 * 600
_SPEED_NA, _COURSE_NA, _HEADING_NA = 1023, 3600, 511
_SPEED_NA_27, _COURSE_NA_27 = 63, 511
# pyais's to_turn for every raw 8-bit value (signed): -128 is "not available"
_TURN = [None if r == -128 else float(to_turn(r)) for r in range(-128, 128)]
_TURN_VALUES = np.array(_TURN, dtype=object)


def fast_length(payload: bytes, fill: int) -> bool:
    """True when this payload is one the batch decoder takes."""
    return fill == 0 and PAYLOAD_CHARS.get(payload[0] if payload else 0) == len(payload)


@dataclass(frozen=True, slots=True)
class Decoded:
    """One payload of a batch: its type and MMSI, whether its position is out of range
    (pyais's value then fails `normalize.check_position`), and its `normalize.motion`."""

    msg_type: int
    mmsi: int
    bad_position: bool
    motion: Motion | None


@dataclass(slots=True)
class Columns:
    """A decoded batch, one list per field, in the order of the payloads: what `Decoded`
    holds, without an object per payload (the decoder builds its records from these).
    `known`: the payload has a position; the seven motion columns then hold its
    `normalize.motion` values."""

    msg_type: list[int]
    mmsi: list[int]
    bad_position: list[bool]
    known: list[bool]
    lat: list[Any]
    lon: list[Any]
    speed: list[Any]
    course: list[Any]
    heading: list[Any]
    status: list[Any]
    turn: list[Any]

    def motion(self, i: int) -> Motion | None:
        """Payload `i`'s `normalize.motion`."""
        if not self.known[i]:
            return None
        return (
            self.lat[i],
            self.lon[i],
            self.speed[i],
            self.course[i],
            self.heading[i],
            self.status[i],
            self.turn[i],
        )


_COLUMNS = Columns.__slots__


def decode_columns(payloads: Sequence[bytes]) -> Columns:
    """Decode payloads that `fast_length` accepted, in order."""
    n = len(payloads)
    by_length = {28: [i for i, p in enumerate(payloads) if len(p) == 28]}
    if len(by_length[28]) == n:  # the usual chunk: class A and B reports only
        return _class_a_b(_words(b"".join(payloads), n, 28))
    by_length[16] = [i for i, p in enumerate(payloads) if len(p) == 16]
    if len(by_length[28]) + len(by_length[16]) != n:
        raise ValueError("decode_columns: a payload of a length it does not take")
    empty: list[list[Any]] = [[None] * n for _ in _COLUMNS]
    out = Columns(*empty)
    for length, index in by_length.items():
        if not index:
            continue
        words = _words(b"".join(payloads[i] for i in index), len(index), length)
        part = _class_a_b(words) if length == 28 else _long_range(words)
        for name in _COLUMNS:
            column, values = getattr(out, name), getattr(part, name)
            for j, i in enumerate(index):
                column[i] = values[j]
    return out


def decode_batch(payloads: Sequence[bytes]) -> list[Decoded]:
    """`decode_columns` as one `Decoded` per payload (the form the tests compare)."""
    c = decode_columns(payloads)
    rows = zip(c.msg_type, c.mmsi, c.bad_position, strict=True)
    return [Decoded(t, m, b, c.motion(i)) for i, (t, m, b) in enumerate(rows)]


def _words(joined: bytes, n: int, length: int) -> list[npt.NDArray[np.uint64]]:
    """Each payload as 60-bit words (10 characters each, the last one left-aligned)."""
    chars = np.frombuffer(joined, dtype=np.uint8).reshape(n, length).astype(np.int64) - 48
    chars[chars > 40] -= 8
    words = []
    for start in range(0, length, 10):
        part = chars[:, start : start + 10].astype(_U64)
        shifts = (6 * (9 - np.arange(part.shape[1]))).astype(_U64)
        words.append((part << shifts).sum(axis=1, dtype=_U64))
    return words


def _bits(words: list[npt.NDArray[np.uint64]], start: int, width: int) -> IntArray:
    """Unsigned field of `width` bits at bit `start` (bit 0 is the payload's first)."""
    first, offset = divmod(start, 60)
    end = offset + width
    if end <= 60:
        value = words[first] >> _U64(60 - end)
    else:  # spans two words
        value = (words[first] << _U64(end - 60)) | (words[first + 1] >> _U64(120 - end))
    return (value & _U64((1 << width) - 1)).astype(np.int64)


def _signed(words: list[npt.NDArray[np.uint64]], start: int, width: int) -> IntArray:
    value = _bits(words, start, width)
    sign = 1 << (width - 1)
    return (value ^ sign) - sign


def _degrees(raw: IntArray, scale: int) -> npt.NDArray[np.float64]:
    """pyais's to_lat_lon (scale 10) and to_lat_lon_600 (scale 10000), bit for bit."""
    return ((scale * raw + 3) // 6) / 1e6


def _class_a_b(words: list[npt.NDArray[np.uint64]]) -> Columns:
    """Types 1, 2, 3 (class A) and 18 (class B) at 168 bits: same fields, other places."""
    msg_type = _bits(words, 0, 6)
    b = msg_type == 18
    mmsi = _bits(words, 8, 30)
    speed = np.where(b, _bits(words, 46, 10), _bits(words, 50, 10))
    lon_raw = np.where(b, _signed(words, 57, 28), _signed(words, 61, 28))
    lat_raw = np.where(b, _signed(words, 85, 27), _signed(words, 89, 27))
    course = np.where(b, _bits(words, 112, 12), _bits(words, 116, 12))
    heading = np.where(b, _bits(words, 124, 9), _bits(words, 128, 9))
    status = _bits(words, 38, 4)
    turn = _bits(words, 42, 8) ^ 128  # index into _TURN: raw + 128, signed
    lat, lon = _degrees(lat_raw, 10), _degrees(lon_raw, 10)
    bad = _out_of_range(lat, lon, lat_raw != _LAT_NA, lon_raw != _LON_NA)
    known = (lat_raw != _LAT_NA) & (lon_raw != _LON_NA) & ~bad
    return Columns(
        msg_type.tolist(),
        mmsi.tolist(),
        bad.tolist(),
        known.tolist(),
        lat.tolist(),
        lon.tolist(),
        _maybe(speed / 10.0, speed == _SPEED_NA),
        _maybe(course / 10.0, course == _COURSE_NA),
        _maybe(heading, heading == _HEADING_NA),
        _maybe(status, b),  # class B has no status and no rate of turn
        _maybe(_TURN_VALUES[turn], b),
    )


def _long_range(words: list[npt.NDArray[np.uint64]]) -> Columns:
    """Type 27 at 96 bits: coarse position (1/10 minute), speed in knots, course in degrees."""
    msg_type = _bits(words, 0, 6)
    mmsi = _bits(words, 8, 30)
    status = _bits(words, 40, 4)
    lon_raw, lat_raw = _signed(words, 44, 18), _signed(words, 62, 17)
    speed, course = _bits(words, 79, 6), _bits(words, 85, 9)
    lat, lon = _degrees(lat_raw, 10_000), _degrees(lon_raw, 10_000)
    bad = _out_of_range(lat, lon, lat_raw != _LAT_NA_27, lon_raw != _LON_NA_27)
    known = (lat_raw != _LAT_NA_27) & (lon_raw != _LON_NA_27) & ~bad
    nothing = [None] * len(known)
    return Columns(
        msg_type.tolist(),
        mmsi.tolist(),
        bad.tolist(),
        known.tolist(),
        lat.tolist(),
        lon.tolist(),
        _maybe(speed.astype(np.float64), speed == _SPEED_NA_27),
        _maybe(course.astype(np.float64), course == _COURSE_NA_27),
        nothing,  # no heading
        status.tolist(),
        nothing,  # no rate of turn
    )


def _maybe(values: npt.NDArray[Any], missing: npt.NDArray[np.bool_]) -> list[Any]:
    """`values` as Python numbers, None where `missing` (a "not available" value)."""
    out = values.astype(object)
    out[missing] = None
    result: list[Any] = out.tolist()
    return result


def _out_of_range(
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    lat_given: npt.NDArray[np.bool_],
    lon_given: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """normalize.check_position: outside ±90/±180 and not the "not available" value."""
    return (lat_given & (np.abs(lat) > 90.0)) | (lon_given & (np.abs(lon) > 180.0))
