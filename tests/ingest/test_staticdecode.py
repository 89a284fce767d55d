"""The type 5 batch decoder (services/ingest/staticdecode.py) against pyais, field by field.

pyais is the reference: for every payload the batch decoder takes, the MMSI and the values
of the VesselStatic record must be what `records` makes of pyais's message (values and
Python types). Checked on every type 5 of every recording and on generated payloads with
edge values (empty and padded text, every ship type, dimensions and draught at 0 and at their
maximum, ETA fields at their "not available" values); payloads of other lengths stay with
pyais, and the decoder's batch path gives the records the line-by-line path gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.settings import IngestSettings
from services.ingest import staticdecode
from services.ingest.decoder import Decoder
from services.ingest.message import Message, decode_payload
from services.ingest.records import _static_values, to_records
from tests.ingest.helpers import decode_lines, nmea, read_lines
from tests.replay_golden import DEMO_RECORDING, real_recordings

ARMOUR = bytes(range(0x30, 0x58)) + bytes(range(0x60, 0x78))


def reference(payload: bytes, fill: int) -> tuple[int, tuple[object, ...]]:
    decoded = decode_payload(payload, fill)
    message = Message(decoded, "", 0.0, None, None, 5, decoded.mmsi)
    return decoded.mmsi, _static_values(message)


def assert_same(cases: list[tuple[bytes, int]]) -> None:
    got = staticdecode.decode([p for p, _ in cases])
    assert len(got) == len(cases)
    for (payload, fill), (mmsi, values) in zip(cases, got, strict=True):
        expected = reference(payload, fill)
        assert (mmsi, values) == expected, payload
        assert [type(v) for v in values] == [type(v) for v in expected[1]], payload


def test_every_recorded_type5_decodes_as_pyais_does(shared_ais: Path) -> None:
    assert shared_ais.is_dir()
    cases = set()
    for path in [*real_recordings().values(), DEMO_RECORDING]:
        messages, _ = decode_lines(read_lines(path))
        for m in messages:
            payload, _, fill = m.payload.rpartition(",")
            if staticdecode.takes(payload.encode(), int(fill)):
                cases.add((payload.encode(), int(fill)))
    assert len(cases) > 500
    assert_same(sorted(cases))


def armour(bits: int, nbits: int) -> bytes:
    return bytes(ARMOUR[(bits >> (nbits - 6 * (i + 1))) & 63] for i in range(nbits // 6))


def put(bits: int, start: int, width: int, value: int) -> int:
    shift = 426 - start - width
    mask = ((1 << width) - 1) << shift
    return (bits & ~mask) | ((value & ((1 << width) - 1)) << shift)


def text(chars: str) -> int:
    """Six-bit text as pyais encodes it ('@' is 0, space 32)."""
    value = 0
    for c in chars:
        value = (value << 6) | (ord(c) - 64 if ord(c) >= 64 else ord(c))
    return value


TEXTS = st.sampled_from(["", "@@@@", "  A B  ", "MAERSK@@@ @", "@A", "X" * 20, "  ", "1-2"])
# (start, width, edge values) of the number fields a VesselStatic uses
NUMBERS = {
    "imo": (40, 30, [0, 1, 2**30 - 1]),
    "ship_type": (232, 8, [0, 30, 99, 100, 255]),
    "to_bow": (240, 9, [0, 511]),
    "to_stern": (249, 9, [0, 511]),
    "to_port": (258, 6, [0, 63]),
    "to_starboard": (264, 6, [0, 63]),
    "month": (274, 4, [0, 1, 12, 13, 15]),
    "day": (278, 5, [0, 1, 31]),
    "hour": (283, 5, [0, 23, 24, 31]),
    "minute": (288, 6, [0, 59, 60, 63]),
    "draught": (294, 8, [0, 1, 255]),
}
TEXT_FIELDS = {"callsign": (70, 7), "shipname": (112, 20), "destination": (302, 20)}


@st.composite
def payloads(draw: st.DrawFn) -> tuple[bytes, int]:
    bits = put(draw(st.integers(0, 2**426 - 1)), 0, 6, 5)
    for start, width, edges in NUMBERS.values():
        if draw(st.booleans()):
            bits = put(bits, start, width, draw(st.sampled_from(edges)))
    for start, chars in TEXT_FIELDS.values():
        if draw(st.booleans()):
            value = draw(TEXTS)[:chars].ljust(chars, "@")
            bits = put(bits, start, 6 * chars, text(value))
    return armour(bits, 426), draw(st.integers(0, 2))


@settings(max_examples=300, deadline=None)
@given(st.lists(payloads(), min_size=1, max_size=20))
def test_generated_payloads_decode_as_pyais_does(cases: list[tuple[bytes, int]]) -> None:
    assert_same(cases)


@given(st.integers(0, 80), st.integers(0, 5), st.sampled_from([b"5", b"1", b"H"]))
def test_other_lengths_fill_bits_and_types_are_left_to_pyais(
    n: int, fill: int, head: bytes
) -> None:
    payload = head + b"0" * n
    assert staticdecode.takes(payload, fill) == (len(payload) == 71 and head == b"5" and fill <= 2)


def records(decoder: Decoder, lines: list[bytes], batch: bool) -> list[object]:
    if batch:
        messages = decoder.push_lines(lines, feed="f", received_at=1.0)
    else:
        messages = [m for line in lines for m in decoder.push(line, feed="f", received_at=1.0)]
    return [(m.msg_type, m.mmsi, m.ts, to_records(m, "f")) for m in messages]


@settings(max_examples=50, deadline=None)
@given(st.lists(payloads(), max_size=12))
def test_batch_path_gives_what_line_by_line_gives(cases: list[tuple[bytes, int]]) -> None:
    lines = []
    for payload, fill in cases:  # as one sentence, and again as two
        lines.append(f"{nmea(f'AIVDM,1,1,,A,{payload.decode()},{fill}')}".encode())
        lines.append(f"{nmea(f'AIVDM,2,1,3,A,{payload[:40].decode()},0')}".encode())
        lines.append(f"{nmea(f'AIVDM,2,2,3,A,{payload[40:].decode()},{fill}')}".encode())
    one, many = Decoder(IngestSettings()), Decoder(IngestSettings())
    assert records(many, lines + lines, True) == records(one, lines + lines, False)
    assert many.counters.as_dict() == one.counters.as_dict()


def test_batch_decoded_type5_still_gives_its_full_fields() -> None:
    payload = "55?t0002:AQ3<HIK<01<5<4q5D40000000000016:0j??4VcNA?RT85BhP0000000000000"
    line = nmea(f"AIVDM,1,1,,A,{payload},2").encode()
    fast = Decoder(IngestSettings()).push_lines([line], feed="f")[0]
    slow = Decoder(IngestSettings()).push(line, feed="f")[0]
    assert fast.decoded is None and fast.mmsi == slow.mmsi and fast.msg_type == 5
    assert to_records(fast, "f") == to_records(slow, "f")
    assert fast.fields == slow.fields and fast.static_fields() == slow.fields


def test_a_fault_in_the_batch_leaves_the_messages_to_pyais(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = "55?t0002:AQ3<HIK<01<5<4q5D40000000000016:0j??4VcNA?RT85BhP0000000000000"
    line = nmea(f"AIVDM,1,1,,A,{payload},2").encode()
    slow = Decoder(IngestSettings()).push(line, feed="f")[0]

    def broken(_payloads: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(staticdecode, "decode", broken)
    decoder = Decoder(IngestSettings())
    (fast,) = decoder.push_lines([line], feed="f")
    assert fast.mmsi == slow.mmsi and to_records(fast, "f") == to_records(slow, "f")
    assert sum(decoder.faults.counts.values()) == 1
    assert decoder.counters.feed("f").accepted == 1 and decoder.counters.feed("f").messages[5] == 1
    assert decoder.push_lines([line], feed="f")[0].mmsi == slow.mmsi  # and the next chunk too
