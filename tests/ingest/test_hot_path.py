"""The ingest hot path's shortcuts agree with the general code they bypass, on real data.

Records are made from `Message.motion()` (straight from the pyais message) and lines are
parsed by fast paths for the common shapes; each must give exactly what the general path
(`normalize`, the full §3 dict) gives, and fall back to it for everything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyais
import pytest

from services.ingest.counters import CHECKSUM, FRAMING, UNSUPPORTED
from services.ingest.dedup import Deduplicator
from services.ingest.framing import Rejected, Sentence, parse_line
from services.ingest.message import Message, decode_payload
from services.ingest.normalize import (
    STATIC_NAMES,
    BadPosition,
    check_position,
    motion,
    normalize,
    normalize_static,
)
from services.ingest.records import POSITION_TYPES, STATIC_TYPES, to_records
from tests.ingest.helpers import decode_lines, nmea, read_lines, tag

RECORDINGS = (
    "gfw-ais-tools/mixed_types.nmea",
    "amsa-risky/exact-earth-augmented-3.txt",
    "dma-aislib/decode_encode_messages.txt",
    "gpsd/ais-raw-messages.log",
)
TYPE1_NA = "!AIVDM,1,1,,A,13U79k?P00Qah;tEdTH>4?vV2<0I,0*33"
MOTION = ("lat", "lon", "speed", "course", "heading", "status", "turn")


def _from_dict(d: dict[str, object]) -> tuple[object, ...] | None:
    if d["lat"] is None or d["lon"] is None:
        return None
    return tuple(d.get(name) for name in MOTION)


@pytest.mark.parametrize("name", RECORDINGS)
def test_motion_is_the_dicts_position_fields(shared_ais: Path, name: str) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / name))
    positions = [m for m in messages if m.msg_type in POSITION_TYPES]
    assert len(positions) >= 25
    with_position = 0
    for m in positions:
        fast = motion(m.decoded)
        assert fast == _from_dict(normalize(m.decoded))
        assert m.fields is not None  # built: Message.motion() now reads the dict
        via_dict = m.motion()
        assert fast == via_dict
        if fast is not None and via_dict is not None:
            assert [type(v) for v in fast] == [type(v) for v in via_dict]
        with_position += fast is not None
    assert with_position > 0.8 * len(positions)


@pytest.mark.parametrize("name", RECORDINGS)
def test_static_fields_are_the_dicts_entries(shared_ais: Path, name: str) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / name))
    statics = [m for m in messages if m.msg_type in STATIC_TYPES]
    assert len(statics) >= 5
    for m in statics:
        full = normalize(m.decoded)
        assert normalize_static(m.decoded) == {k: v for k, v in full.items() if k in STATIC_NAMES}
        before = to_records(m, "f")
        assert m.fields is not None  # built: records now read the dict
        assert to_records(m, "f") == before


def test_dedup_forgets_in_time_order_over_a_long_run(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "amsa-risky/exact-earth-augmented-3.txt"))
    timed = [m for m in messages if m.ts is not None]
    d = Deduplicator(10.0)
    kept = [m for m in timed if not d.is_duplicate(m)]
    assert d.duplicates == len(timed) - len(kept)
    # Every payload kept is unique within any 10 s: checked the slow way.
    last: dict[str, float] = {}
    for m in kept:
        assert m.ts is not None
        assert m.payload not in last or abs(m.ts - last[m.payload]) > 10.0
        last[m.payload] = m.ts
    assert len(d._seen) < len(kept)  # older entries were forgotten


def test_not_available_motion_values_are_none() -> None:
    msg = pyais.decode(TYPE1_NA)
    assert motion(msg) == (msg.lat, msg.lon, 0.0, None, None, 15, None)
    msg.lat = 91.0
    assert motion(msg) is None


def test_type27_sentinels_in_motion() -> None:
    msg = pyais.decode("!AIVDM,1,1,,A,K8VSqb9LdU28WP8p,0*1E")
    msg.speed, msg.course = 63.0, 511.0
    lat, lon, speed, course, heading, status, turn = motion(msg) or ()
    assert (speed, course, heading, turn) == (None, None, None, None) and type(status) is int


@pytest.mark.parametrize(
    ("lat", "lon", "bad"),
    [(91.0, 181.0, False), (-90.0, 180.0, False), (90.5, 0.0, True), (0.0, -180.5, True)],
)
def test_check_position_agrees_with_normalize(lat: float, lon: float, bad: bool) -> None:
    msg = pyais.decode(TYPE1_NA)
    msg.lat, msg.lon = lat, lon
    if bad:
        with pytest.raises(BadPosition):
            check_position(msg)
        with pytest.raises(BadPosition):
            normalize(msg)
    else:
        check_position(msg)
        normalize(msg)


def test_check_position_ignores_messages_without_degrees(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "gfw-ais-tools/mixed_types.nmea"))
    type5 = next(pyais_of(m) for m in messages if m.msg_type == 5)
    check_position(type5)  # no lat/lon at all
    dgnss = next(pyais_of(m) for m in messages if m.msg_type == 17)
    dgnss.lat = 5000.0  # type 17: tenths of minutes, not degrees
    check_position(dgnss)
    base_station = next(pyais_of(m) for m in messages if m.msg_type == 4)
    base_station.lat = 5000.0
    with pytest.raises(BadPosition):
        check_position(base_station)


def pyais_of(m: Message) -> Any:
    """The pyais message of `m` (types that make no records are only peeked at)."""
    payload, _, fill = m.payload.rpartition(",")
    return decode_payload(payload.encode(), int(fill))


def test_fields_built_on_demand_and_records_follow_them(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "gfw-ais-tools/ee-multiline.nmea"))
    m = next(m for m in messages if m.msg_type == 1)
    assert m._fields is None  # nothing built by decoding alone
    assert len(to_records(m, "f")) == 1 and m._fields is None
    assert m.fields is m.fields and m.fields["ts"] == "2022-08-29T14:14:35Z"
    m.fields["lon"] = None
    assert to_records(m, "f") == []


BODY = "AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0"


def test_repeated_tag_block_same_result_and_bad_one_rejected_every_time() -> None:
    line = f"{tag('s:rx1,c:1700000000')}{nmea(BODY)}".encode()
    first, again = parse_line(line), parse_line(line)
    assert type(first) is Sentence and type(again) is Sentence
    assert (first.ts, first.source) == (again.ts, again.source) == (1700000000.0, "rx1")
    bad = f"{tag('s:rx1,c:1700000000')[:-3]}00\\{nmea(BODY)}".encode()
    assert [parse_line(bad), parse_line(bad)] == [
        Rejected(CHECKSUM, "tag block checksum mismatch")
    ] * 2


@pytest.mark.parametrize("separator", [" ", "\t", ",", ";", "  "])
def test_epoch_prefix_with_every_separator(separator: str) -> None:
    parsed = parse_line(f"1700000000.25{separator}{nmea(BODY)}".encode())
    assert type(parsed) is Sentence and parsed.ts == 1700000000.25


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("AIVDM,2,1,7,B,15M67FC000G?ufbE`FepT@3n00Sa,0", None),  # multi-part, the short cut
        ("AIVDO,1,1,3,A,15M67FC000G?ufbE`FepT@3n00Sa,5", None),
        ("AIVDM,0,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0", FRAMING),
        ("AIVDM,1,2,,A,15M67FC000G?ufbE`FepT@3n00Sa,0", FRAMING),
        ("AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,6", FRAMING),
        ("AIVDM,1,1,x,A,15M67FC000G?ufbE`FepT@3n00Sa,0", FRAMING),
        ("AIVDM,10,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0", FRAMING),
        ("AIVDM,1,1,,A,15M67FC000G?ufbE`Fe~T@3n00Sa,0", FRAMING),
        ("AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa", FRAMING),
        ("AIVDMX,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0", UNSUPPORTED),
        ("AIXDR,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0", UNSUPPORTED),
    ],
)
def test_sentence_fields_short_cut_or_general_reason(body: str, reason: str | None) -> None:
    parsed = parse_line(nmea(body).encode())
    if reason is None:
        assert type(parsed) is Sentence and parsed.payload == b"15M67FC000G?ufbE`FepT@3n00Sa"
        assert parsed.own == body.startswith("AIVDO") and parsed.fill_bits == int(body[-1])
    else:
        assert type(parsed) is Rejected and parsed.reason == reason


@pytest.mark.parametrize("name", RECORDINGS)
def test_repeated_static_reports_decode_like_fresh_ones(shared_ais: Path, name: str) -> None:
    """Static reports come from the decoder's cache when repeated: every copy still has
    exactly the fields of its own payload decoded afresh by pyais."""
    lines = read_lines(shared_ais / name)
    once, _ = decode_lines(lines)
    twice, _ = decode_lines(lines + lines)  # one decoder: the second pass hits the cache
    assert len(twice) == 2 * len(once)
    static = [m for m in twice if m.msg_type in STATIC_TYPES]
    if not static:
        pytest.skip("no static reports in this recording")
    for m in static:
        payload, _, fill = m.payload.rpartition(",")
        decoded = decode_payload(payload.encode(), int(fill))
        assert m.static_fields() == normalize_static(decoded)  # before `fields` is built
        fresh = normalize(decoded)
        assert {k: v for k, v in m.fields.items() if k in fresh} == fresh
    for first, again in zip(once, twice[len(once) :], strict=True):
        assert again.fields == first.fields
