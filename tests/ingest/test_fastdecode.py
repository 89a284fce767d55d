"""The numpy batch decoder (services/ingest/fastdecode.py) against pyais, field by field.

pyais is the reference: for every payload the batch decoder takes, its type, MMSI, "bad
position" verdict and Position fields (values and Python types) must be what the pyais
path gives (`decode_payload`, `check_position`, `motion`). Checked on every recording of
../shared/data/ais, data/ and the demo recording, and on generated payloads with edge
values: "not available" sentinels, negative and out-of-range coordinates, maximum speeds,
every turn value; payloads of other lengths or with fill bits must be left to pyais, and
the decoder's batch path must give the same messages, records and counters as line by line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.settings import IngestSettings
from services.ingest.decoder import Decoder
from services.ingest.fastdecode import Decoded, decode_batch, fast_length
from services.ingest.framing import Sentence, parse_line
from services.ingest.message import decode_payload
from services.ingest.normalize import BadPosition, check_position, motion
from services.ingest.records import to_records
from tests.replay_golden import DEMO_RECORDING, real_recordings


def reference(payload: bytes) -> Decoded:
    decoded = decode_payload(payload, 0)
    try:
        check_position(decoded)
    except BadPosition:
        return Decoded(decoded.msg_type, decoded.mmsi, True, None)
    return Decoded(decoded.msg_type, decoded.mmsi, False, motion(decoded))


def types_of(d: Decoded) -> list[type]:
    return [type(v) for v in (d.msg_type, d.mmsi, *(d.motion or ()))]


def assert_same(payloads: list[bytes]) -> None:
    got = decode_batch(payloads)
    assert len(got) == len(payloads)
    for payload, d in zip(payloads, got, strict=True):
        expected = reference(payload)
        assert d == expected, payload
        assert types_of(d) == types_of(expected), payload


# --- real recordings ---------------------------------------------------------------------


def recorded_payloads(shared_ais: Path) -> list[bytes]:
    assert shared_ais.is_dir()
    out = []
    for path in [*real_recordings().values(), DEMO_RECORDING]:
        for line in path.read_bytes().splitlines():
            parsed = parse_line(line)
            if type(parsed) is Sentence and fast_length(parsed.payload, parsed.fill_bits):
                out.append(parsed.payload)
    return out


def test_every_recorded_position_report_decodes_as_pyais_does(shared_ais: Path) -> None:
    payloads = recorded_payloads(shared_ais)
    assert len(payloads) > 50_000
    assert {p[:1] for p in payloads} == {b"1", b"2", b"3", b"B", b"K"}  # types 1-3, 18, 27
    assert_same(payloads)


# --- generated payloads --------------------------------------------------------------------


def armour(bits: int, nbits: int) -> bytes:
    values = [(bits >> (nbits - 6 * (i + 1))) & 63 for i in range(nbits // 6)]
    return bytes(v + 48 if v < 40 else v + 56 for v in values)


def put(bits: int, nbits: int, start: int, width: int, value: int) -> int:
    """`bits` with the field at `start` set to `value` (two's complement if negative)."""
    shift = nbits - start - width
    mask = ((1 << width) - 1) << shift
    return (bits & ~mask) | ((value & ((1 << width) - 1)) << shift)


# (start, width, edge values) of the fields a Position uses, per layout
CLASS_A = {
    "turn": (42, 8, [-128, -127, -1, 0, 1, 126, 127]),
    "speed": (50, 10, [0, 1, 1022, 1023]),
    "lon": (61, 28, [181 * 600_000, -180 * 600_000, 180 * 600_000, 180 * 600_000 + 1,
                     -(2**27), 2**27 - 1, -1, 0]),
    "lat": (89, 27, [91 * 600_000, -90 * 600_000, 90 * 600_000, 90 * 600_000 + 1,
                     -(2**26), 2**26 - 1, -1, 0]),
    "course": (116, 12, [0, 3599, 3600, 4095]),
    "heading": (128, 9, [0, 359, 510, 511]),
}  # fmt: skip
CLASS_B = {
    "speed": (46, 10, [0, 1022, 1023]),
    "lon": (57, 28, [181 * 600_000, -180 * 600_000, -(2**27), 2**27 - 1]),
    "lat": (85, 27, [91 * 600_000, -90 * 600_000, -(2**26), 2**26 - 1]),
    "course": (112, 12, [0, 3600, 4095]),
    "heading": (124, 9, [0, 511]),
}
LONG_RANGE = {
    "lon": (44, 18, [181 * 600, -180 * 600, 180 * 600 + 1, -(2**17), 2**17 - 1, 0]),
    "lat": (62, 17, [91 * 600, -90 * 600, 90 * 600 + 1, -(2**16), 2**16 - 1, 0]),
    "speed": (79, 6, [0, 62, 63]),
    "course": (85, 9, [0, 359, 360, 510, 511]),
}


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    msg_type = draw(st.sampled_from([1, 2, 3, 18, 27]))
    nbits = 96 if msg_type == 27 else 168
    bits = put(draw(st.integers(0, 2**nbits - 1)), nbits, 0, 6, msg_type)
    layout = LONG_RANGE if msg_type == 27 else CLASS_B if msg_type == 18 else CLASS_A
    for start, width, edges in layout.values():
        if draw(st.booleans()):
            bits = put(bits, nbits, start, width, draw(st.sampled_from(edges)))
    return armour(bits, nbits)


@settings(max_examples=300, deadline=None)
@given(st.lists(payloads(), min_size=1, max_size=40))
def test_generated_payloads_decode_as_pyais_does(batch: list[bytes]) -> None:
    assert all(fast_length(p, 0) for p in batch)
    assert_same(batch)


def test_every_turn_value_and_sentinel() -> None:
    base = int.from_bytes(b"\x00" * 21, "big")
    batch = []
    for turn in range(-128, 128):
        bits = put(put(base, 168, 0, 6, 1), 168, 42, 8, turn)
        bits = put(put(bits, 168, 61, 28, -(118 * 600_000)), 168, 89, 27, -(24 * 600_000))
        batch.append(armour(bits, 168))
    assert_same(batch)
    motions = [d.motion for d in decode_batch(batch)]
    assert all(m is not None for m in motions)
    assert motions[0][6] is None  # type: ignore[index]  # -128: not available
    assert motions[0][0] == -24.0 and motions[0][1] == -118.0  # type: ignore[index]


@given(
    st.sampled_from([b"1", b"3", b"B", b"K"]),
    st.integers(0, 40),
    st.integers(0, 5),
)
def test_other_lengths_and_fill_bits_are_left_to_pyais(head: bytes, n: int, fill: int) -> None:
    payload = head + b"0" * n
    standard = {b"K": 16}.get(head, 28)
    assert fast_length(payload, fill) == (len(payload) == standard and fill == 0)


# --- the decoder's batch path ---------------------------------------------------------------


def nmea(payload: bytes, fill: int = 0, ts: int = 1_772_409_600) -> bytes:
    body = b"AIVDM,1,1,,A," + payload + b",%d" % fill
    check = 0
    for byte in body:
        check ^= byte
    return b"%d !" % ts + body + b"*%02X" % check


def records(decoder: Decoder, lines: list[bytes], batch: bool) -> list[Any]:
    if batch:
        messages = decoder.push_lines(lines, feed="f", received_at=1.0)
    else:
        messages = [m for line in lines for m in decoder.push(line, feed="f", received_at=1.0)]
    return [(m.msg_type, m.mmsi, m.ts, to_records(m, "f")) for m in messages]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            payloads().map(nmea),
            payloads().map(lambda p: nmea(p[:-1], 2)),  # wrong bit length: pyais
            payloads().map(lambda p: nmea(p + b"0")),
            st.just(b"garbage"),
        ),
        max_size=30,
    )
)
def test_batch_path_gives_what_line_by_line_gives(lines: list[bytes]) -> None:
    one, many = Decoder(IngestSettings()), Decoder(IngestSettings())
    assert records(many, lines, True) == records(one, lines, False)
    assert many.counters.as_dict() == one.counters.as_dict()


def test_batch_decoded_message_still_gives_its_full_fields(shared_ais: Path) -> None:
    line = nmea(recorded_payloads(shared_ais)[0])
    fast = Decoder(IngestSettings()).push_lines([line], feed="f")[0]
    slow = Decoder(IngestSettings()).push(line, feed="f")[0]
    assert fast.decoded is None and fast.fields == slow.fields
