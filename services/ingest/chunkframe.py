"""Framing a whole chunk of lines at once: the common shapes of AIS lines, checked in bulk.

`framing.parse_line` classifies one line with a dozen steps of Python; at a few microseconds
a line that is as much as decoding the message in `fastdecode`. Nearly every line of a feed
has one of three shapes, `\\s:rx,c:EPOCH*hh\\!AIVDM,...*hh`, `EPOCH !AIVDM,...*hh` or a
bare `!AIVDM,...*hh`, and for those the work splits into what numpy does for a chunk in a
few passes and what one regex match does per line:

- `sentence_checksums(lines)`: the NMEA checksum of every line's first `!` sentence, as a
  XOR prefix sum over the joined chunk (`np.bitwise_xor.accumulate`): the XOR of a body is
  the prefix at its end XOR the prefix at its start, compared with the two hex digits after
  the first `*` that follows the `!`.
- `frame(line)`: one `fullmatch` of `SHAPE` gives every field; the tag block goes through
  `framing`'s cached parse (receivers stamp every sentence of a second alike).

Anything `SHAPE` does not take (damaged lines, radar, clock lines, odd spacing, a bad tag
block or time) returns None and goes through `parse_line`, which decides what is wrong, so
rejection reasons and counters do not depend on this module. Where both take a line they
agree field for field: `tests/ingest/test_chunkframe.py` holds them to each other on every
recording and on generated lines.

Why `SHAPE` is exact about which `!` and `*` the checksum uses: a tag block it takes holds no
`!` and no `\\`, an epoch prefix only digits and a dot, so the sentence's `!` is the line's
first; and no field before the checksum may hold a `*`, so the first `*` after it is the
checksum's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from services.ingest.framing import CHANNELS, cached_tag_block, trailing_time
from services.ingest.tagblock import EARLIEST, LATEST, Group, TagBlockError

# tag block | epoch prefix, then !ttVDM|VDO,count,number,seq,channel,payload,fill*hh[,rest]
SHAPE = re.compile(
    rb"(?:\\([^\\!]*)\\|([0-9]+(?:\.[0-9]+)?)[ \t,;])?"
    rb"!([A-Z]{2})VD([MO]),([1-9]),([1-9]),([0-9]?),([AB12]?),([0-W`-w]+),([0-5])"
    rb"\*(?:[0-9A-F]{2}|[0-9a-f]{2})(,.*)?"
)
_SPACE = frozenset(b" \t\r\n\x0b\x0c")
_DIGIT = {b"%d" % i: i for i in range(10)}

# A line as `frame` gives it: the fields of framing.Sentence, in its order.
Framed = tuple[
    bytes,  # talker
    bool,  # own (VDO)
    int,  # fragment count
    int,  # fragment number
    bytes,  # sequence id
    str | None,  # channel
    bytes,  # payload
    int,  # fill bits
    float | None,  # time from the tag block or the epoch prefix
    float | None,  # time after the checksum
    str | None,  # tag-block source
    Group | None,  # tag-block group
]

Ints = npt.NDArray[np.int64]

# hex digit values; 256 (never a byte's XOR) for anything else
_HEX = np.full(256, 256, dtype=np.int32)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef", start=10):
    _HEX[_c] = _i


def sentence_checksums(lines: Sequence[bytes]) -> list[bool]:
    """For each line: its first `!` is followed by a `*hh` whose checksum holds.

    True says nothing else about the line; False only that this short cut does not take it.
    """
    return scan(lines)[0]


def scan(lines: Sequence[bytes]) -> tuple[list[bool], list[int]]:
    """`sentence_checksums`, and for each line where its sentence starts when that sentence
    is a plain one-sentence position report (`COMMON`), else -1: see `position_report`."""
    n = len(lines)
    if n == 0:
        return [], []
    data = np.frombuffer(b"\n".join(lines), dtype=np.uint8)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=n)
    ends = np.cumsum(lengths + 1) - 1  # the "\n" after each line (one past the last)
    starts = ends - lengths
    bangs = np.flatnonzero(data == 0x21)
    stars = np.flatnonzero(data == 0x2A)
    if len(bangs) == 0 or len(stars) == 0:
        return [False] * n, [-1] * n
    bang = bangs[np.minimum(np.searchsorted(bangs, starts), len(bangs) - 1)]
    star = stars[np.minimum(np.searchsorted(stars, bang), len(stars) - 1)]
    framed = (bang >= starts) & (bang < star) & (star + 2 < ends)
    last = len(data) - 1
    star = np.where(framed, star, 1)
    prefix = np.bitwise_xor.accumulate(data)
    body = prefix[star - 1] ^ prefix[np.where(framed, bang, 0)]
    given = _HEX[data[np.minimum(star + 1, last)]] * 16 + _HEX[data[np.minimum(star + 2, last)]]
    ok = framed & (body == given)
    return ok.tolist(), _common(data, bang, star, ends, starts, ok)


# The plain one-sentence position report: !ttVDM,1,1,,c,<28 payload characters>,0*hh and
# nothing after it; `_common` checks the fixed characters against COMMON, the others by class.
COMMON = np.frombuffer(b"!AIVDM,1,1,,A," + b"1" * 28 + b",0*", dtype=np.uint8)
_FIXED = np.array([0, 3, 4, 6, 7, 8, 9, 10, 11, 13, 42, 43, 44])
_SPAN = np.arange(len(COMMON))


def _table(chars: bytes) -> npt.NDArray[np.bool_]:
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    return table


_UPPER = _table(bytes(range(0x41, 0x5B)))
_KIND = _table(b"MO")
_CHANNEL = _table(b"AB12")
_FIRST = _table(b"123B")  # types 1, 2, 3 and 18: fastdecode's 28-character payloads
_ARMOUR_CHAR = _table(bytes(range(0x30, 0x58)) + bytes(range(0x60, 0x78)))


def _common(
    data: npt.NDArray[np.uint8],
    bang: Ints,
    star: Ints,
    ends: Ints,
    starts: Ints,
    ok: npt.NDArray[np.bool_],
) -> list[int]:
    out = np.full(len(bang), -1, dtype=np.int64)
    index = np.flatnonzero(ok & (star - bang == 44) & (ends - bang == 47))
    if len(index):
        window = data[bang[index, None] + _SPAN]
        good = (
            (window[:, _FIXED] == COMMON[_FIXED]).all(axis=1)
            & _UPPER[window[:, 1]]
            & _UPPER[window[:, 2]]
            & _KIND[window[:, 5]]
            & _CHANNEL[window[:, 12]]
            & _FIRST[window[:, 14]]
            & _ARMOUR_CHAR[window[:, 14:42]].all(axis=1)
        )
        chosen = index[good]
        out[chosen] = bang[chosen] - starts[chosen]
    common: list[int] = out.tolist()
    return common


def position_report(line: bytes, at: int) -> tuple[float | None, str | None] | None:
    """(time, source) of a line `scan` found a plain position report in, starting at `at`,
    when what comes before it is nothing, a tag block without a group or an epoch prefix that
    `parse_line` takes; None otherwise (the line then goes the usual way)."""
    if at == 0:
        return None, None
    first = line[0]
    if first == 0x5C:  # tag block: `\...\!`
        if line.find(b"\\", 1) != at - 1:
            return None
        try:
            block = cached_tag_block(line[1 : at - 1])
        except TagBlockError:
            return None
        if block.group is not None:
            return None
        return block.time, block.source
    if 0x30 <= first <= 0x39 and line[at - 1] in _SEPARATOR:  # epoch prefix
        prefix = line[: at - 1]
        if not prefix.replace(b".", b"", 1).isdigit():
            return None
        dot = prefix.find(b".")
        whole = dot if dot >= 0 else len(prefix)
        if whole > 20:
            return None
        ts = float(prefix) / 1000.0 if whole >= 13 else float(prefix)
        return (ts, None) if EARLIEST <= ts <= LATEST else None
    return None


_SEPARATOR = frozenset(b" \t,;")


def frame(line: bytes) -> Framed | None:
    """The Sentence fields of a line of a common shape whose checksum has been verified
    (`sentence_checksums`); None for anything else, which `parse_line` must then decide."""
    m = SHAPE.fullmatch(line)
    if m is None:
        return None
    tag, prefix, talker, kind, cnt, num, seq, channel, payload, fill, rest = m.groups()
    if num > cnt:  # one digit each: compared as bytes
        return None
    ts: float | None = None
    source: str | None = None
    group: Group | None = None
    if tag is not None:
        try:
            block = cached_tag_block(tag)
        except TagBlockError:
            return None
        ts, source, group = block.time, block.source, block.group
    elif prefix is not None:  # digits, maybe a fraction: tagblock.epoch_seconds, inlined
        dot = prefix.find(b".")
        whole = dot if dot >= 0 else len(prefix)
        if whole > 20:
            return None
        ts = float(prefix) / 1000.0 if whole >= 13 else float(prefix)
        if not EARLIEST <= ts <= LATEST:
            return None
    trailing: float | None = None
    if rest is not None:
        if rest[-1] in _SPACE:  # parse_line strips the line first
            return None
        trailing = trailing_time(rest)
    return (
        talker,
        kind == b"O",
        _DIGIT[cnt],
        _DIGIT[num],
        seq,
        CHANNELS.get(channel),
        payload,
        _DIGIT[fill],
        ts,
        trailing,
        source,
        group,
    )
