"""Records through the codec (services/core/codec.py): what `decode_as` builds is what the
constructor builds, whichever way it takes, and bad payloads are clear errors."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import orjson
import pytest

from services.core.codec import CodecError, decode_as, encode, leading_mmsi
from services.core.types import CellPosition, Position, VesselStatic
from services.radar.nmea import TLL, RadarReport

POSITION = CellPosition(413000001, 1.7e9, 24.5, 118.6, "c1", "shishi", 10.0, 90.0, 91, 0)


@dataclass(frozen=True, slots=True)
class Checked:
    """Validates in __post_init__: must keep its constructor."""

    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


@dataclass(frozen=True, slots=True)
class WithFactory:
    name: str
    tags: list[str] = field(default_factory=list)


def test_a_frozen_record_decodes_equal_hashable_and_still_frozen() -> None:
    back = decode_as(encode(POSITION), CellPosition)
    assert back == POSITION and hash(back) == hash(POSITION)
    assert type(back) is CellPosition
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.mmsi = 1  # type: ignore[misc]
    assert dataclasses.replace(back, cell="c2").cell == "c2"


@pytest.mark.parametrize(
    "record",
    [
        Position(413000001, 1.7e9, 24.5, 118.6, None, None, None, None, None, 18, "x", "ship"),
        VesselStatic(413000001, 1.7e9, 5, shipname="MIN SHI", ship_type=70, to_bow=80),
        RadarReport(TLL, 7, "vts-weitou", 1.7e9, lat=24.5, lon=118.6),
        POSITION,
    ],
)
def test_every_kind_of_record_comes_back_as_it_went(record: object) -> None:
    back = decode_as(encode(record), type(record))
    assert back == record and type(back) is type(record)


def test_other_versions_go_by_keyword() -> None:
    data = orjson.loads(encode(POSITION))
    newer = {"added_later": 1, **data}  # a newer producer's extra key, first
    assert decode_as(orjson.dumps(newer), CellPosition) == POSITION
    reordered = dict(reversed(list(data.items())))
    assert decode_as(orjson.dumps(reordered), CellPosition) == POSITION
    older = {k: v for k, v in data.items() if k not in ("mmsi_class", "source")}
    assert decode_as(orjson.dumps(older), CellPosition) == dataclasses.replace(
        POSITION, source="", mmsi_class="ship"
    )
    assert decode_as(orjson.dumps({"name": "a"}), WithFactory) == WithFactory("a", [])


def test_bad_payloads_are_codec_errors() -> None:
    data = orjson.loads(encode(POSITION))
    missing = {k: v for k, v in data.items() if k != "lat"}
    for payload in (b"not json", b"[1, 2]", orjson.dumps(missing)):
        with pytest.raises(CodecError):
            decode_as(payload, CellPosition)
    with pytest.raises(CodecError):
        decode_as(b'{"value": 1}', int)  # not a dataclass


def test_validation_in_post_init_still_runs() -> None:
    assert decode_as(b'{"value": 3}', Checked) == Checked(3)
    with pytest.raises(ValueError, match="negative"):
        decode_as(b'{"value": -1}', Checked)


def test_the_leading_mmsi_is_read_without_decoding_and_only_from_the_usual_shape() -> None:
    assert leading_mmsi(encode(POSITION)) == 413000001
    assert leading_mmsi(b'{"mmsi":7,"ts":1}') == 7
    for odd in (b"", b"garbage", b'{"ts":1,"mmsi":7}', b'{"mmsi":-7,', b'{"mmsi":7}', b'{"mmsi":,'):
        assert leading_mmsi(odd) is None, odd
