"""IEC 61162-450 / NMEA 4 tag blocks: `\\s:SOURCE,c:EPOCH,g:1-2-42*hh\\`.

Only the fields the decoder uses are kept: `s:` (source), `c:` (time) and the group of a
multi-sentence message, written `g:NUM-TOTAL-ID` or, in the older NMEA 4.0 style seen in
real recordings, `NUMGTOTAL:ID`. Other fields (`q:`, `T:`, `n:`, `r:`, `d:`, empty ones)
are tolerated and ignored. The checksum is mandatory and verified: a tag block with a
wrong checksum makes the whole line unusable, because its time and source cannot be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import xor

from services.ingest.counters import BAD_TIME, CHECKSUM, FRAMING

# The sane window for a time a line carries (tag block `c:`, epoch prefix, `$PGHP`, trailing
# field): the Unix epoch to 2100-01-01 UTC, the same bound as times in the web's queries.
# Anything later is a broken clock or a hostile line, and a time that far out breaks every
# consumer (datetime stops at year 9999, time_t overflows, an ais_gap tick jumps centuries).
# The lower bound stays at 0 (tests and simulations use small synthetic times).
EARLIEST = 0.0
LATEST = 4_102_444_800.0

# Both cases: some talkers write the checksum in lower case.
HEX_VALUE: dict[bytes, int] = {
    **{b"%02X" % i: i for i in range(256)},
    **{b"%02x" % i: i for i in range(256)},
}
_FOLD_MASKS = tuple((1 << bits) - 1 for bits in (512, 256, 128, 64, 32, 16, 8))


class TagBlockError(ValueError):
    """A tag block that cannot be used; `reason` is a counter reason (checksum or framing)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Group:
    """One sentence's place in a tag-block group: fragment `num` of `total`, group `gid`."""

    num: int
    total: int
    gid: str


@dataclass(frozen=True, slots=True)
class TagBlock:
    source: str | None
    time: float | None
    group: Group | None


def epoch_seconds(digits: bytes) -> float:
    """Unix time from `c:`-style text: seconds, or milliseconds when it has 13+ digits.

    Raises ValueError when the text is not a non-negative number, and OutOfRange (a
    ValueError) when it is one outside EARLIEST..LATEST.
    """
    whole, _, frac = digits.partition(b".")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        raise ValueError(f"not an epoch: {digits!r}")
    if len(whole) > 20:  # float() of a thousand digits is slow and out of range anyway
        raise OutOfRange(f"epoch out of range: {digits[:24]!r}...")
    value = float(digits)
    return in_window(value / 1000.0 if len(whole) >= 13 else value)


class OutOfRange(ValueError):
    """A well-formed time outside the sane window (EARLIEST..LATEST)."""


def in_window(ts: float) -> float:
    """`ts` itself; raises OutOfRange outside EARLIEST..LATEST (NaN included)."""
    if not EARLIEST <= ts <= LATEST:
        raise OutOfRange(f"time {ts!r} outside 1970..2100")
    return ts


def checksum_ok(body: bytes, hh: bytes) -> bool:
    """NMEA checksum: XOR of the bytes between the start character and `*`."""
    expected = HEX_VALUE.get(hh)
    return expected is not None and xor_bytes(body) == expected


def xor_bytes(data: bytes) -> int:
    """XOR of all bytes. Folding one big integer in halves beats a byte loop for sentences."""
    if len(data) > 128:
        return reduce(xor, data, 0)
    m512, m256, m128, m64, m32, m16, m8 = _FOLD_MASKS
    x = int.from_bytes(data, "little")
    x = (x >> 512) ^ (x & m512)
    x = (x >> 256) ^ (x & m256)
    x = (x >> 128) ^ (x & m128)
    x = (x >> 64) ^ (x & m64)
    x = (x >> 32) ^ (x & m32)
    x = (x >> 16) ^ (x & m16)
    return (x >> 8) ^ (x & m8)


def parse_tag_block(content: bytes) -> TagBlock:
    """Parse the text between the two backslashes. Raises TagBlockError."""
    star = content.rfind(b"*")
    if star < 0:
        raise TagBlockError(FRAMING, "tag block without checksum")
    body = content[:star]
    if not checksum_ok(body, content[star + 1 :]):
        raise TagBlockError(CHECKSUM, "tag block checksum mismatch")
    source: str | None = None
    time: float | None = None
    group: Group | None = None
    for field in body.split(b","):
        key, _, value = field.partition(b":")
        if key == b"s":
            source = _text(value)
        elif key == b"c":
            time = _time(value)
        elif key == b"g":
            group = _group(value.split(b"-"))
        elif b"G" in key:
            # NMEA 4.0 draft style "1G2:0125": sentence 1 of a group of 2, id 0125.
            num, _, total = key.partition(b"G")
            group = _group([num, total, value])
    return TagBlock(source or None, time, group)


def _text(value: bytes) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        raise TagBlockError(FRAMING, "non-ASCII tag block field") from None


def _time(value: bytes) -> float:
    try:
        return epoch_seconds(value)
    except OutOfRange as exc:
        raise TagBlockError(BAD_TIME, str(exc)) from None
    except ValueError:
        raise TagBlockError(FRAMING, f"bad tag block time {value!r}") from None


def _group(parts: list[bytes]) -> Group:
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise TagBlockError(FRAMING, "bad tag block group")
    num, total = int(parts[0]), int(parts[1])
    if not 1 <= num <= total <= 9:
        raise TagBlockError(FRAMING, "bad tag block group numbering")
    return Group(num, total, _text(parts[2]))
