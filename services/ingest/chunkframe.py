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
    n = len(lines)
    if n == 0:
        return []
    data = np.frombuffer(b"\n".join(lines), dtype=np.uint8)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=n)
    ends = np.cumsum(lengths + 1) - 1  # the "\n" after each line (one past the last)
    starts = ends - lengths
    bangs = np.flatnonzero(data == 0x21)
    stars = np.flatnonzero(data == 0x2A)
    if len(bangs) == 0 or len(stars) == 0:
        return [False] * n
    bang = bangs[np.minimum(np.searchsorted(bangs, starts), len(bangs) - 1)]
    star = stars[np.minimum(np.searchsorted(stars, bang), len(stars) - 1)]
    framed = (bang >= starts) & (bang < star) & (star + 2 < ends)
    last = len(data) - 1
    star = np.where(framed, star, 1)
    prefix = np.bitwise_xor.accumulate(data)
    body = prefix[star - 1] ^ prefix[np.where(framed, bang, 0)]
    given = _HEX[data[np.minimum(star + 1, last)]] * 16 + _HEX[data[np.minimum(star + 2, last)]]
    ok: list[bool] = (framed & (body == given)).tolist()
    return ok


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
