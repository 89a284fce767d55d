"""From bytes to classified lines (CONTRACTS §2, plus what real recordings contain).

A line is, after optional leading time information, one NMEA sentence:

- tag block `\\s:SRC,c:EPOCH*hh\\` (see tagblock.py), or a Unix-epoch prefix (seconds,
  decimals allowed) followed by whitespace, `,` or `;`;
- `!xxVDM`/`!xxVDO` with any two-character talker: an AIS sentence (checksum verified);
- `$PGHP,1,...` (Gatehouse wrapper): gives the time of the next sentence;
- a tag block alone on its line: gives the time and source of the next sentence;
- `$xxTTM`/`$xxTLL`: an ARPA radar target (services/radar/nmea.py; checksum verified);
- anything else (`$GPRMC`, `#` comments, other `!` sentences) is `unsupported`; lines that
  look like nothing are `framing`.

Extension of §2: fields after the sentence checksum (`...*hh,1357134218` or
`,1328182324603` in milliseconds, as USCG and exactEarth write them) give the sentence's time
when nothing in front of the sentence does; non-numeric junk there (`,1daasd4218`, a stray
`'`) is ignored, because it does not affect the checksummed sentence.

Parsing is per line and never raises: every line comes back as a `Sentence`, a `Clock` or a
`Rejected` with a counter reason.

Every time a line carries (tag block, prefix, `$PGHP`) must lie in the sane window
(tagblock.EARLIEST..LATEST, 1970 to 2100): a line whose leading time is outside is rejected
as `bad_time`, so no absurd time ever reaches a message, a record or a rule. A trailing time
outside the window is ignored like other junk after the checksum.

This runs for every line of every feed, so the common shapes take short cuts: a tag block
seen before is not parsed again (a receiver stamps every sentence of one second alike), and a
well-formed AIS sentence is checked with a few table look-ups; anything that misses a short
cut goes the general way, which decides what is wrong with it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from services.ingest.counters import BAD_TIME, CHECKSUM, EMPTY, FRAMING, UNSUPPORTED
from services.ingest.tagblock import (
    EARLIEST,
    HEX_VALUE,
    LATEST,
    Group,
    OutOfRange,
    TagBlock,
    TagBlockError,
    checksum_ok,
    epoch_seconds,
    in_window,
    parse_tag_block,
    xor_bytes,
)
from services.radar.nmea import KINDS as RADAR_KINDS
from services.radar.nmea import RadarReport, RadarSentenceError, parse_radar


class LineBuffer:
    """Reassembles lines from arbitrary chunks of a byte stream (TCP reads, file blocks).

    Lines end with LF or CR LF (a lone CR is not a line end: no AIS source writes that).
    A line longer than `max_line_length` is dropped as a whole and counted in `too_long`;
    while such a line is still arriving only a bounded part of it is kept, so a sender that
    never sends a newline cannot make us buffer without limit.
    """

    def __init__(self, max_line_length: int) -> None:
        self.max_line_length = max_line_length
        self.too_long = 0
        self._partial = b""
        self._overflowing = False

    def feed(self, chunk: bytes) -> list[bytes]:
        """Complete lines in `chunk` (with what came before), without CR/LF, empty ones kept."""
        data = self._partial + chunk if self._partial else chunk
        parts = data.split(b"\n")
        self._partial = parts.pop()
        lines: list[bytes] = []
        limit = self.max_line_length
        for i, line in enumerate(parts):
            if line.endswith(b"\r"):
                line = line[:-1]
            if i == 0 and self._overflowing:
                self._overflowing = False
                self.too_long += 1
            elif len(line) > limit:
                self.too_long += 1
            else:
                lines.append(line)
        if len(self._partial) > limit:
            self._partial = b""
            self._overflowing = True
        return lines

    def flush(self) -> list[bytes]:
        """At end of input: the last line if it had no line ending."""
        partial, self._partial = self._partial, b""
        if self._overflowing:
            self._overflowing = False
            self.too_long += 1
            return []
        if partial.endswith(b"\r"):
            partial = partial[:-1]
        return [partial] if partial else []


@dataclass(slots=True)
class Sentence:
    """One checksum-valid AIS sentence (one fragment of a message)."""

    talker: bytes
    own: bool  # VDO: our own ship's report
    frag_cnt: int
    frag_num: int
    seq_id: bytes
    channel: str | None
    payload: bytes
    fill_bits: int
    ts: float | None  # from the tag block or the epoch prefix
    trailing_ts: float | None  # from fields after the checksum
    source: str | None
    group: Group | None


@dataclass(slots=True)
class Clock:
    """A line that only tells the time (and maybe source) of the next sentence."""

    ts: float | None
    source: str | None


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str
    detail: str = ""


# RadarReport: an ARPA `$--TTM`/`$--TLL` target sentence (CONTRACTS §12), see services/radar.
ParsedLine = Sentence | Clock | Rejected | RadarReport

_EMPTY = Rejected(EMPTY)
_UNSUPPORTED = Rejected(UNSUPPORTED)
CHANNELS = {b"A": "A", b"B": "B", b"1": "A", b"2": "B"}
_PREFIX_SEPARATOR = re.compile(rb"[ \t,;]")
# Six-bit armoured payload characters: '0'..'W' and '`'..'w'.
_ARMOUR = bytes(range(0x30, 0x58)) + bytes(range(0x60, 0x78))
# Short cuts of _ais: values of the one-character fields when they are in range. Defaults
# out of range (fragment count 0, number 10, fill 6) send a sentence the general way.
_DIGIT = {b"%d" % i: i for i in range(1, 10)}
_FILL_BITS = {b"%d" % i: i for i in range(6)}
_AIS_KINDS = (b"VDM", b"VDO")


def parse_line(line: bytes) -> ParsedLine:
    """Classify one line (without its line ending). Never raises."""
    line = line.strip()
    if not line:
        return _EMPTY
    source: str | None = None
    ts: float | None = None
    first = line[0]
    if first == 0x5C:  # backslash: tag block
        end = line.find(b"\\", 1)
        if end < 0:
            return Rejected(FRAMING, "unterminated tag block")
        try:
            tag = cached_tag_block(line[1:end])
        except TagBlockError as exc:
            return Rejected(exc.reason, str(exc))
        line = line[end + 1 :].lstrip()
        if not line:
            return Clock(tag.time, tag.source)
        return _sentence(line, tag.time, tag.source, tag.group)
    if 0x30 <= first <= 0x39:
        split = _prefix_end(line)
        try:
            ts = epoch_seconds(line[:split])
        except OutOfRange as exc:
            return Rejected(BAD_TIME, str(exc))
        except ValueError:
            return Rejected(FRAMING, "bad time prefix")
        line = line[split + 1 :].lstrip()
        if not line:
            return Rejected(FRAMING, "time prefix without sentence")
    return _sentence(line, ts, source, None)


def line_time(line: bytes) -> float | None:
    """The event time a line carries (tag `c:`, epoch prefix, `$PGHP`, trailing epoch)."""
    parsed = parse_line(line)
    if isinstance(parsed, Sentence):
        return parsed.ts if parsed.ts is not None else parsed.trailing_ts
    if isinstance(parsed, Clock):
        return parsed.ts
    return None


def _prefix_end(line: bytes) -> int:
    found = _PREFIX_SEPARATOR.search(line)
    return found.start() if found is not None else len(line)


# Tag blocks repeat: every sentence a receiver stamps within one second carries the same
# one. A bad tag block raises, which lru_cache does not keep, so it is re-checked each time.
cached_tag_block: Callable[[bytes], TagBlock] = lru_cache(maxsize=4096)(parse_tag_block)


def _sentence(line: bytes, ts: float | None, source: str | None, group: Group | None) -> ParsedLine:
    first = line[0]
    if first == 0x21:  # '!'
        return _ais(line, ts, source, group)
    if first == 0x24 and line.startswith(b"$PGHP,"):
        return _pghp(line)
    if first == 0x24 and line[3:6] in RADAR_KINDS:
        return _radar(line, ts, source)
    if first in (0x24, 0x23):  # '$' other NMEA, '#' comment
        return _UNSUPPORTED
    return Rejected(FRAMING, "not an NMEA sentence")


def _ais(line: bytes, ts: float | None, source: str | None, group: Group | None) -> ParsedLine:
    star = line.find(b"*")
    if star < 0:
        return Rejected(FRAMING, "no checksum")
    body = line[1:star]
    if HEX_VALUE.get(line[star + 1 : star + 3]) != xor_bytes(body):
        return Rejected(CHECKSUM)
    fields = body.split(b",")
    usual = False
    if len(fields) == 7:
        head, cnt, num, seq, channel, payload, fill = fields
        frag_cnt, frag_num = _DIGIT.get(cnt, 0), _DIGIT.get(num, 10)
        fill_bits = _FILL_BITS.get(fill, 6)
        usual = (
            frag_num <= frag_cnt
            and fill_bits <= 5
            and len(head) == 5
            and head[2:] in _AIS_KINDS
            and (not seq or seq.isdigit())
            and not payload.translate(None, _ARMOUR)
        )
    if not usual:
        checked = _check_fields(fields)
        if isinstance(checked, Rejected):
            return checked
        frag_cnt, frag_num, fill_bits = checked
        head, cnt, num, seq, channel, payload, fill = fields
    return Sentence(
        head[:2],
        head[4] == 0x4F,  # 'O': VDO, own ship
        frag_cnt,
        frag_num,
        seq,
        CHANNELS.get(channel),
        payload,
        fill_bits,
        ts,
        trailing_time(line[star + 3 :]) if len(line) > star + 3 else None,
        source,
        group,
    )


def _check_fields(fields: list[bytes]) -> tuple[int, int, int] | Rejected:
    """(count, number, fill bits) of a checksum-valid `!` sentence that missed _ais's
    short cut, or what is wrong with it."""
    head = fields[0]
    if len(head) != 5 or head[2:] not in _AIS_KINDS:
        return _UNSUPPORTED
    if len(fields) != 7:
        return Rejected(FRAMING, "AIS sentence without 7 fields")
    cnt, num, seq, channel, payload, fill = fields[1:]
    if not (cnt.isdigit() and num.isdigit() and fill.isdigit() and (not seq or seq.isdigit())):
        return Rejected(FRAMING, "non-numeric fragment fields")
    frag_cnt, frag_num, fill_bits = int(cnt), int(num), int(fill)
    if not 1 <= frag_num <= frag_cnt <= 9 or fill_bits > 5 or payload.translate(None, _ARMOUR):
        return Rejected(FRAMING, "fragment numbering, fill bits or payload out of range")
    return frag_cnt, frag_num, fill_bits


def trailing_time(rest: bytes) -> float | None:
    """The last field after `*hh` that looks like a Unix time (10 digits s, 13 digits ms)."""
    if not rest.startswith(b","):
        return None
    if rest[1:].isdigit() and len(rest) in (11, 14):  # the usual single field, fast
        ts = int(rest[1:]) / 1000.0 if len(rest) == 14 else float(rest[1:])
        return ts if EARLIEST <= ts <= LATEST else None
    for field in reversed(rest[1:].split(b",")):
        whole = field.partition(b".")[0]
        if len(whole) in (10, 13):
            try:
                return epoch_seconds(field.strip())
            except ValueError:
                continue
    return None


def _radar(line: bytes, ts: float | None, source: str | None) -> ParsedLine:
    """A radar target sentence, stamped with the line's time and source (the radar's id)."""
    try:
        return parse_radar(line, ts, source)
    except RadarSentenceError as exc:
        return Rejected(exc.reason, str(exc))


def _pghp(line: bytes) -> ParsedLine:
    """`$PGHP,1,YYYY,M,D,h,m,s,ms,...*hh`: Gatehouse time of the sentence that follows."""
    star = line.find(b"*")
    if star < 0:
        return Rejected(FRAMING, "no checksum")
    if not checksum_ok(line[1:star], line[star + 1 : star + 3]):
        return Rejected(CHECKSUM)
    fields = line[1:star].split(b",")
    if len(fields) < 9 or fields[1] != b"1":
        return _UNSUPPORTED
    try:
        ts = _minute_start(*fields[2:7]) + int(fields[7]) + int(fields[8]) / 1000.0
    except (ValueError, OverflowError):
        return Rejected(FRAMING, "bad $PGHP time")
    try:
        return Clock(in_window(ts), None)
    except OutOfRange as exc:
        return Rejected(BAD_TIME, str(exc))


@lru_cache(maxsize=1024)
def _minute_start(y: bytes, mo: bytes, d: bytes, h: bytes, mi: bytes) -> int:
    """Epoch of a calendar minute; cached because wrapper lines arrive minute after minute."""
    parts = [int(v) for v in (y, mo, d, h, mi)]
    if not (1 <= parts[1] <= 12 and 1 <= parts[2] <= 31 and parts[3] < 24 and parts[4] < 60):
        raise ValueError("out of range")
    return calendar.timegm((*parts, 0, 0, 0, 0))
