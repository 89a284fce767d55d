from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from services.core.settings import IngestSettings
from services.core.types import MmsiClass, Position, VesselStatic
from services.ingest.decoder import Decoder
from services.ingest.mmsi import classify
from services.ingest.records import to_records
from tests.ingest.helpers import decode_lines, read_lines


def test_positions_and_statics_from_real_mixed_types(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "gfw-ais-tools/mixed_types.nmea"))
    kinds: dict[int, set[str]] = {}
    for m in messages:
        m.ts = m.ts or 1.0
        for r in to_records(m, "feed"):
            kinds.setdefault(m.msg_type, set()).add(type(r).__name__)
            if isinstance(r, Position):
                assert r == Position(*(getattr(r, f) for f in Position.__slots__))
                assert r.source == "feed" and r.mmsi_class == classify(r.mmsi).value
    assert kinds[1] == kinds[18] == kinds[27] == {"Position"}
    assert kinds[5] == kinds[24] == {"VesselStatic"} and kinds[19] == {"Position", "VesselStatic"}
    assert 4 not in kinds and 21 not in kinds


def test_static_not_available_is_none_and_24_parts(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "gfw-ais-tools/sample.nmea"))
    records = [r for m in messages for r in to_records(m, "f")]
    a, b = [r for r in records if isinstance(r, VesselStatic)]
    assert a.shipname == "DAKUWAQA" and a.callsign is None and a.source == "sdr-experiments"
    assert b.callsign == "H985200" and b.shipname is None and b.ship_type == 37


def test_no_time_or_no_position_no_record(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "pyais/gatehouse.nmea"))
    assert [to_records(m, "f") for m in messages if m.ts is None] == [[], [], []]
    m = messages[0]
    m.fields["lat"] = None
    assert to_records(m, "f") == []


def test_mmsi_classes() -> None:
    cases = {
        412345678: MmsiClass.SHIP,
        2393200: MmsiClass.BASE_STATION,
        992351234: MmsiClass.ATON,
        111412345: MmsiClass.SAR_AIRCRAFT,
        970123456: MmsiClass.SART,
        972123456: MmsiClass.MOB,
        974123456: MmsiClass.EPIRB,
        841234567: MmsiClass.HANDHELD,
        984123456: MmsiClass.CRAFT_ASSOCIATED,
        41234567: MmsiClass.GROUP,
        0: MmsiClass.INVALID,
        123456789: MmsiClass.INVALID,
        1_000_000_000: MmsiClass.INVALID,
        811234567: MmsiClass.INVALID,
        9123456: MmsiClass.INVALID,
    }
    assert {k: classify(k) for k in cases} == cases


def test_batch_made_positions_are_constructor_positions(shared_ais: Path) -> None:
    """Positions made while the batch decodes (positions.make_position) are Positions in
    every respect: type, equality, hash, and frozen."""
    decoder = Decoder(IngestSettings())
    lines = read_lines(shared_ais / "amsa-risky/exact-earth-augmented-3.txt")
    messages = decoder.push_lines(lines, feed="feed", received_at=1.0)
    positions = [r for m in messages for r in to_records(m, "feed") if isinstance(r, Position)]
    assert len(positions) > 1000
    for r in positions:
        made = Position(*(getattr(r, f) for f in Position.__slots__))
        assert type(r) is Position and r == made and hash(r) == hash(made)
        assert r.mmsi_class == classify(r.mmsi).value
    with pytest.raises(dataclasses.FrozenInstanceError):
        positions[0].lat = 0.0  # type: ignore[misc]
