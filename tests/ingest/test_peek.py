"""Peeking at the types that make no records (services/ingest/peek.py) against pyais.

For every payload the decoder peeks at instead of decoding, the outcome must be what decoding
it whole with pyais and `check_position` gives: the same type and MMSI, the same verdict
(decoded, bad position, decode error), and, when asked for, the same `fields`. Checked on
every message of every recording and on generated payloads of every type, length and fill.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.messages import _MSG6_VARIANTS, _MSG8_VARIANTS

from services.core.settings import IngestSettings
from services.ingest.decoder import Decoder
from services.ingest.framing import Sentence, parse_line
from services.ingest.message import decode_payload
from services.ingest.normalize import BadPosition, check_position
from services.ingest.peek import PLANS, _class_plan, peek, plan_of, vector
from tests.ingest.helpers import decode_lines, nmea, read_lines
from tests.replay_golden import DEMO_RECORDING, real_recordings

ARMOUR = bytes(range(0x30, 0x58)) + bytes(range(0x60, 0x78))


def whole(payload: bytes, fill: int) -> object:
    try:
        decoded = decode_payload(payload, fill)
        check_position(decoded)
    except BadPosition:
        return "bad_position"
    except Exception:
        return "decode_error"
    return (decoded.msg_type, decoded.mmsi)


def peeked(payload: bytes, fill: int) -> object | None:
    """What peek says, or None when the type is not one it takes."""
    try:
        bv = vector(payload, fill)
    except Exception:
        return "decode_error"
    msg_type = bv.get(0, 6)
    plan = plan_of(bv, msg_type)
    if plan is None:
        return None
    try:
        return (msg_type, peek(bv, plan))
    except BadPosition:
        return "bad_position"


def test_the_types_peeked_at() -> None:
    # plain classes that make no records; variants by content (6, 8, 16, 22, 25, 26) and
    # record types stay with pyais, unknown types (29-63) fail to decode either way
    assert set(PLANS) == {0, 4, 7, 9, 10, 11, 12, 13, 14, 15, 17, 20, 21, 23, 28}


def test_every_recorded_message_peeks_as_pyais_decodes(shared_ais: Path) -> None:
    assert shared_ais.is_dir()
    seen = 0
    for path in [*real_recordings().values(), DEMO_RECORDING]:
        lines = read_lines(path)
        cases = {(s.payload, s.fill_bits) for s in map(parse_line, lines) if type(s) is Sentence}
        messages, _ = decode_lines(lines)  # multi-sentence ones assembled
        for m in messages:
            payload, _, fill = m.payload.rpartition(",")
            cases.add((payload.encode(), int(fill)))
        for payload, fill in sorted(cases):
            got = peeked(payload, fill)
            if got is not None:
                seen += 1
                assert got == whole(payload, fill), payload
    assert seen > 500


LAT_EDGES = [91 * 600_000, -90 * 600_000, 90 * 600_000, 90 * 600_000 + 1, -(2**26), 0]
LON_EDGES = [181 * 600_000, -180 * 600_000, 180 * 600_000 + 1, -(2**27), 2**27 - 1, 0]


def put(bits: int, nbits: int, start: int, width: int, value: int) -> int:
    """`bits` with the field at `start` set to `value` (two's complement if negative)."""
    if start + width > nbits:
        return bits
    shift = nbits - start - width
    mask = ((1 << width) - 1) << shift
    return (bits & ~mask) | ((value & ((1 << width) - 1)) << shift)


@st.composite
def payloads(draw: st.DrawFn) -> tuple[bytes, int]:
    msg_type = draw(st.sampled_from(sorted(PLANS)))
    chars = draw(st.integers(1, 60))
    nbits = 6 * chars
    bits = put(draw(st.integers(0, 2**nbits - 1)), nbits, 0, 6, msg_type)
    plan = PLANS[msg_type]
    if plan.lat is not None and plan.lon is not None and draw(st.booleans()):
        # a position at its place: in or out of range, or "not available"
        bits = put(bits, nbits, plan.lat[1], plan.lat[2], draw(st.sampled_from(LAT_EDGES)))
        bits = put(bits, nbits, plan.lon[1], plan.lon[2], draw(st.sampled_from(LON_EDGES)))
    payload = bytes(ARMOUR[(bits >> (nbits - 6 * (i + 1))) & 63] for i in range(chars))
    return payload, draw(st.integers(0, 5))


@settings(max_examples=1500, deadline=None)
@given(payloads())
def test_generated_payloads_peek_as_pyais_decodes(case: tuple[bytes, int]) -> None:
    payload, fill = case
    got = peeked(payload, fill)
    if got is not None:  # a payload shorter than its type field is another type: pyais's
        assert got == whole(payload, fill)


@st.composite
def binary_payloads(draw: st.DrawFn) -> tuple[bytes, int]:
    """Types 6 and 8 of every variant pyais knows (and unknown DAC/FID), positions at edges."""
    msg_type = draw(st.sampled_from([6, 8]))
    variants = _MSG8_VARIANTS if msg_type == 8 else _MSG6_VARIANTS
    dac, fid = draw(st.sampled_from([*sorted(variants), (0, 0), (1023, 63)]))
    chars = draw(st.integers(1, 170))
    nbits = 6 * chars
    at = 40 if msg_type == 8 else 72
    bits = put(draw(st.integers(0, 2**nbits - 1)), nbits, 0, 6, msg_type)
    bits = put(put(bits, nbits, at, 10, dac), nbits, at + 10, 6, fid)
    plan = _class_plan(type(decode_payload(armour(bits, nbits), 0)), msg_type)  # pyais's pick
    if plan is not None and plan.lat is not None and plan.lon is not None:
        if draw(st.booleans()):
            bits = put(bits, nbits, plan.lat[1], plan.lat[2], draw(st.sampled_from(LAT_EDGES)))
            bits = put(bits, nbits, plan.lon[1], plan.lon[2], draw(st.sampled_from(LON_EDGES)))
    return armour(bits, nbits), draw(st.integers(0, 5))


def armour(bits: int, nbits: int) -> bytes:
    return bytes(ARMOUR[(bits >> (nbits - 6 * (i + 1))) & 63] for i in range(nbits // 6))


@settings(max_examples=1500, deadline=None)
@given(binary_payloads())
def test_binary_messages_peek_as_pyais_decodes(case: tuple[bytes, int]) -> None:
    payload, fill = case
    got = peeked(payload, fill)
    if got is not None:
        assert got == whole(payload, fill)


def test_binary_variants_with_positions_are_peeked() -> None:
    with_position = [
        cls
        for variants in (_MSG6_VARIANTS, _MSG8_VARIANTS)
        for cls in variants.values()
        if (p := _class_plan(cls, 8)) is not None and p.lat is not None
    ]
    assert with_position  # so the position check of peek is exercised on them


def test_out_of_range_positions_are_bad_as_pyais_has_them() -> None:
    # type 4 with lat 127.x (raw 2**26 - 1 in tenths of 1/10000 min), lon 0
    bits = (4 << 162) | ((2**26 - 1) << (168 - 107 - 27))
    payload = bytes(ARMOUR[(bits >> (162 - 6 * i)) & 63] for i in range(28))
    assert whole(payload, 0) == "bad_position" == peeked(payload, 0)


def test_peeked_message_gives_its_full_fields_when_asked() -> None:
    line = nmea("AIVDM,1,1,,A,404k1DQuhQ:sD:s3kIj<pmW008;k,0").encode()
    decoder = Decoder(IngestSettings())
    (m,) = decoder.push_lines([line], feed="f")
    assert m.decoded is None and m.msg_type == 4
    assert m.fields == Decoder(IngestSettings()).push(line, feed="f")[0].fields
    assert m.fields["lat"] is not None and decoder.counters.feed("f").messages[4] == 1
