"""A batch decoder for AIS type 5 (static and voyage data), the dearest message pyais decodes.

Type 5 is a fifth of a busy feed's messages, and its three text fields (call sign, name,
destination: 47 six-bit characters) make pyais's message object cost about 40 µs, more than
ingest spends on ten position reports. A vessel repeats its report unchanged, so the decoder
keeps what it decoded per payload; what is new in a chunk of lines is decoded here at once:
the payloads become one matrix of bits, each number field is a product with powers of two,
and each text field six bits per character looked up in pyais's character table.

Only what a VesselStatic needs is decoded, as `records` makes it from pyais's message: MMSI,
name, call sign, IMO, ship type, dimensions, draught, destination and ETA, with pyais's own
conversions (its ShipType table, `x / 10.0` draught, its text trimming) and records' "not
available" rules (`records._static_values`). It takes only payloads of the standard length
(71 characters, 424 to 426 bits: every field in place); anything else stays with pyais, which
remains the reference: `tests/ingest/test_staticdecode.py` holds the two to each other on
every recording and on generated payloads with edge values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pyais.constants import ShipType

CHARS = 71
_FIRST = ord("5")

# pyais's ShipType.from_value for every 8-bit value, as the int normalize makes of it
_SHIP_TYPE = [None if (t := ShipType.from_value(v)) is None else int(t) for v in range(256)]
# pyais's six-bit text alphabet (bit_vector._SIXBIT_CHAR)
_SIXBIT = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)
_WEIGHTS = {w: (1 << np.arange(w - 1, -1, -1)).astype(np.int64) for w in (4, 5, 6, 8, 9, 30)}

# A type 5's VesselStatic values after mmsi, ts and msg_type, in VesselStatic's order
StaticValues = tuple[Any, ...]


def takes(payload: bytes, fill: int) -> bool:
    """True when this payload is one the batch decoder takes."""
    return len(payload) == CHARS and payload[0] == _FIRST and fill <= 2


def decode(payloads: Sequence[bytes]) -> list[tuple[int, StaticValues]]:
    """(MMSI, static values) of payloads `takes` accepted, in order."""
    if not payloads:
        return []
    n = len(payloads)
    six = np.frombuffer(b"".join(payloads), dtype=np.uint8).reshape(n, CHARS) - 48
    six[six > 40] -= 8
    bits = np.unpackbits(six[:, :, None], axis=2)[:, :, 2:].reshape(n, 6 * CHARS)
    number = _Numbers(bits)
    mmsi, imo = number(8, 30), number(40, 30)
    ship_type, draught = number(232, 8), number(294, 8)
    bow, stern, port, starboard = number(240, 9), number(249, 9), number(258, 6), number(264, 6)
    month, day, hour, minute = number(274, 4), number(278, 5), number(283, 5), number(288, 6)
    callsign, name, destination = _text(bits, 70, 7), _text(bits, 112, 20), _text(bits, 302, 20)
    rows = zip(
        mmsi, imo, callsign, name, ship_type, bow, stern, port, starboard, draught,
        destination, month, day, hour, minute, strict=True,
    )  # fmt: skip
    out = []
    for m, im, cs, nm, st, b, s, p, sb, dr, de, mo, d, h, mi in rows:
        values = (
            nm,
            cs,
            im or None,
            _SHIP_TYPE[st] or None,
            b or None,
            s or None,
            p or None,
            sb or None,
            dr / 10.0 or None,
            de,
            _eta(mo, d, h, mi),
        )
        out.append((m, values))
    return out


class _Numbers:
    """Unsigned number fields of a bit matrix, as lists of Python ints."""

    def __init__(self, bits: npt.NDArray[np.uint8]) -> None:
        self.bits = bits

    def __call__(self, start: int, width: int) -> list[int]:
        field = self.bits[:, start : start + width].astype(np.int64)
        values: list[int] = (field @ _WEIGHTS[width]).tolist()
        return values


def _text(bits: npt.NDArray[np.uint8], start: int, chars: int) -> list[str | None]:
    """A text field as pyais gives it, then trimmed as `normalize` does (None when empty)."""
    n = len(bits)
    codes = bits[:, start : start + 6 * chars].reshape(n, chars, 6) @ _WEIGHTS[6][:, None]
    joined = _SIXBIT[codes.reshape(n, chars)].tobytes().decode("ascii")
    out: list[str | None] = []
    for i in range(0, n * chars, chars):
        # pyais's get_str (rstrip "@", strip), then normalize's rstrip("@ ")
        out.append(joined[i : i + chars].rstrip("@").strip().rstrip("@ ") or None)
    return out


def _eta(month: int, day: int, hour: int, minute: int) -> str | None:
    """records._eta of the four fields (AIS has no year)."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return None
    return f"{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"
