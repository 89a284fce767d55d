"""ARPA target sentences, NMEA 0183 `TTM` (tracked target message) and `TLL` (target
latitude and longitude), after framing has taken off the tag block or time prefix.

Why not pynmeagps: it parses a sentence well, but seagrid's framing (framing.py) already
owns everything around the sentence that pynmeagps does not know (IEC 61162-450 tag blocks
with their own checksum, epoch prefixes, `$PGHP` clocks, per-feed reject counters), and the
two sentences have 15 and 9 flat comma-separated fields. Routing the line to pynmeagps
would verify the checksum a second time, build a generic message object per target per
scan (a VTS radar reports hundreds of targets every 2-3 s) and still leave us to map its
attributes and empty strings to our record. So the layout is written down here, once,
field by field, and tested against sentences built from the NMEA 0183 field table.

Field layout (NMEA 0183 4.x):

    $--TTM,nn,dist,brg,T|R,spd,crs,T|R,cpa,tcpa,K|N|S,name,status,ref,hhmmss.ss,acq*hh
    $--TLL,nn,llll.ll,N|S,yyyyy.yy,E|W,name,hhmmss.ss,status,ref*hh

Target status: `T` tracking, `Q` query (being acquired), `L` lost. Units: `N` nautical
miles and knots (the default when the field is empty), `K` km and km/h, `S` statute miles
and mph. Empty optional fields are None; a sentence missing what a target needs (number,
range and bearing, or a position) is rejected with a reason, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from services.ingest.counters import CHECKSUM, FRAMING
from services.ingest.tagblock import checksum_ok

TTM = "TTM"
TLL = "TLL"
KINDS = (b"TTM", b"TLL")

# Distance unit -> nautical miles per unit; the same factor turns speed into knots.
_UNITS = {b"N": 1.0, b"": 1.0, b"K": 1.0 / 1.852, b"S": 1609.344 / 1852.0}
_STATUSES = {b"T": "T", b"Q": "Q", b"L": "L", b"": "T"}


class RadarSentenceError(ValueError):
    """A TTM/TLL line that cannot be used; `reason` is an ingest counter reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RadarReport:
    """One radar target report, as published on topic RADAR (plain fields for the codec).

    Frozen, so that it travels the in-process bus unencoded (`Bus.publish_records`).

    `radar` is the tag block's `s:` (the radar's id in `[[radars]]`); `ts` the line's time.
    A TTM report has `range_nm`/`bearing` (and `bearing_true`: False means relative to the
    antenna's reference heading); a TLL report has `lat`/`lon`. `speed` in knots and
    `course` in degrees (`course_true` like `bearing_true`) may be None.
    """

    kind: str
    target: int
    radar: str | None = None
    ts: float | None = None
    status: str = "T"
    range_nm: float | None = None
    bearing: float | None = None
    bearing_true: bool = True
    speed: float | None = None
    course: float | None = None
    course_true: bool = True
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    acquisition: str | None = None
    time_of_day: str | None = None  # the sentence's own UTC hhmmss.ss, kept as sent


def parse_radar(line: bytes, ts: float | None = None, radar: str | None = None) -> RadarReport:
    """A `$--TTM` or `$--TLL` sentence (with checksum, without tag block), stamped with the
    line's time `ts` and source `radar`; raises RadarSentenceError (checksum, or framing for
    a missing/malformed field)."""
    star = line.rfind(b"*")
    if star < 0:
        raise RadarSentenceError(FRAMING, "radar sentence without checksum")
    if not checksum_ok(line[1:star], line[star + 1 : star + 3]):
        raise RadarSentenceError(CHECKSUM, "radar sentence checksum mismatch")
    fields = line[1:star].split(b",")
    kind = fields[0][2:]
    if kind == b"TTM":
        return _ttm(fields, ts, radar)
    if kind == b"TLL":
        return _tll(fields, ts, radar)
    raise RadarSentenceError(FRAMING, f"not a radar target sentence: {fields[0]!r}")


def _ttm(f: list[bytes], ts: float | None, radar: str | None) -> RadarReport:
    if len(f) < 13:
        raise RadarSentenceError(FRAMING, f"TTM with {len(f) - 1} fields, needs at least 12")
    scale = _unit(f[10])
    distance, bearing = _number(f[2], "range"), _number(f[3], "bearing")
    if distance is None or bearing is None:
        raise RadarSentenceError(FRAMING, "TTM without range or bearing")
    if distance < 0 or not 0 <= bearing <= 360:
        raise RadarSentenceError(FRAMING, "TTM range or bearing out of range")
    speed, course = _number(f[5], "speed"), _number(f[6], "course")
    return _report(
        TTM,
        _target(f[1]),
        radar,
        ts,
        _status(f[12]),
        distance * scale,
        bearing % 360.0,
        _reference(f[4]),
        None if speed is None else speed * scale,
        None if course is None else course % 360.0,
        _reference(f[7]),
        None,
        None,
        _text(f[11]),
        _text(f[15]) if len(f) > 15 else None,
        _text(f[14]) if len(f) > 14 else None,
    )


def _tll(f: list[bytes], ts: float | None, radar: str | None) -> RadarReport:
    if len(f) < 9:
        raise RadarSentenceError(FRAMING, f"TLL with {len(f) - 1} fields, needs at least 8")
    lat = _coordinate(f[2], f[3], b"NS", 2, 90.0)
    lon = _coordinate(f[4], f[5], b"EW", 3, 180.0)
    if lat is None or lon is None:
        raise RadarSentenceError(FRAMING, "TLL without a position")
    return _report(
        TLL,
        _target(f[1]),
        radar,
        ts,
        _status(f[8]),
        None,
        None,
        True,
        None,
        None,
        True,
        lat,
        lon,
        _text(f[6]),
        None,
        _text(f[7]),
    )


_SLOTS = tuple(RadarReport.__dict__[f.name].__set__ for f in fields(RadarReport))
if len(_SLOTS) != 16:
    raise ImportError("radar: RadarReport no longer has the 16 fields _report writes")
_new = object.__new__


def _report(*v: Any) -> RadarReport:
    """A RadarReport from all its fields in order. Its slots are written directly (one
    call each, unrolled): the frozen dataclass's __init__ goes through object.__setattr__
    per field, which was a third of parsing a radar line (gridding's `with_cell` does the
    same for CellPosition)."""
    r = _new(RadarReport)
    s = _SLOTS
    s[0](r, v[0]), s[1](r, v[1]), s[2](r, v[2]), s[3](r, v[3]), s[4](r, v[4]), s[5](r, v[5])
    s[6](r, v[6]), s[7](r, v[7]), s[8](r, v[8]), s[9](r, v[9]), s[10](r, v[10])
    s[11](r, v[11]), s[12](r, v[12]), s[13](r, v[13]), s[14](r, v[14]), s[15](r, v[15])
    return r


def _target(value: bytes) -> int:
    if not value.isdigit() or len(value) > 3:
        raise RadarSentenceError(FRAMING, f"bad target number {value!r}")
    return int(value)


def _number(value: bytes, what: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RadarSentenceError(FRAMING, f"bad {what} {value!r}") from None
    if number - number != 0.0:  # NaN or infinite (inf - inf is NaN)
        raise RadarSentenceError(FRAMING, f"bad {what} {value!r}")
    return number


def _unit(value: bytes) -> float:
    scale = _UNITS.get(value)
    if scale is None:
        raise RadarSentenceError(FRAMING, f"unknown speed/distance unit {value!r}")
    return scale


def _reference(value: bytes) -> bool:
    """True bearing/course (`T` or empty, the usual north-up shore radar) or relative."""
    if value in (b"T", b""):
        return True
    if value == b"R":
        return False
    raise RadarSentenceError(FRAMING, f"bad bearing reference {value!r}")


def _status(value: bytes) -> str:
    status = _STATUSES.get(value)
    if status is None:
        raise RadarSentenceError(FRAMING, f"bad target status {value!r}")
    return status


def _text(value: bytes) -> str | None:
    return value.decode("ascii", "replace") if value else None


def _coordinate(value: bytes, hemisphere: bytes, signs: bytes, degree_digits: int,
                limit: float) -> float | None:  # fmt: skip
    """`ddmm.mm` / `dddmm.mm` with its hemisphere letter; None when empty."""
    if not value and not hemisphere:
        return None
    if len(hemisphere) != 1 or hemisphere not in signs:
        raise RadarSentenceError(FRAMING, f"bad hemisphere {hemisphere!r}")
    whole = value.partition(b".")[0]
    if len(whole) != degree_digits + 2 or not whole.isdigit():
        raise RadarSentenceError(FRAMING, f"bad coordinate {value!r}")
    number = _number(value, "coordinate")
    assert number is not None
    degrees = int(whole[:degree_digits])
    minutes = number - degrees * 100
    if minutes >= 60 or degrees + minutes / 60 > limit:
        raise RadarSentenceError(FRAMING, f"coordinate out of range {value!r}")
    sign = 1.0 if hemisphere == signs[:1] else -1.0
    return sign * (degrees + minutes / 60.0)
