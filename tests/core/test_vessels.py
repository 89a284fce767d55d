"""Merge rules of the vessel picture: tables of cases, then real 24A/24B reports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from services.core.types import Position, VesselStatic
from services.core.vessels import VesselState, VesselTable, ship_type_label

MMSI = 412000001


def make_position(**overrides: Any) -> Position:
    base = Position(
        mmsi=MMSI,
        ts=1000.0,
        lat=24.8,
        lon=118.6,
        speed=10.0,
        course=90.0,
        heading=91,
        status=0,
        turn=0.0,
        msg_type=1,
        source="vts",
    )
    return replace(base, **overrides)


def make_static(**overrides: Any) -> VesselStatic:
    base = VesselStatic(mmsi=MMSI, ts=1000.0, msg_type=5)
    return replace(base, **overrides)


@pytest.mark.parametrize(
    ("first", "second", "accepted", "expected"),
    [
        # newer report moves the vessel and replaces every field it carries
        (
            {},
            {"ts": 1010.0, "lat": 24.9, "speed": 12.0},
            True,
            {"ts": 1010.0, "lat": 24.9, "speed": 12.0},
        ),
        # an older report is ignored entirely: the vessel does not move backwards
        (
            {"ts": 1010.0, "lat": 24.9},
            {"ts": 1000.0, "lat": 24.0, "speed": 1.0},
            False,
            {"ts": 1010.0, "lat": 24.9, "speed": 10.0},
        ),
        # same time, later arrival wins (another receiver with a better fix)
        ({}, {"lat": 24.85}, True, {"ts": 1000.0, "lat": 24.85}),
        # "not available" (None) keeps the value known from earlier reports
        (
            {},
            {"ts": 1005.0, "speed": None, "course": None, "heading": None, "status": None},
            True,
            {"speed": 10.0, "course": 90.0, "heading": 91, "status": 0},
        ),
        # an empty source keeps the known one; a new source replaces it
        ({}, {"ts": 1001.0, "source": ""}, True, {"source": "vts"}),
        ({}, {"ts": 1001.0, "source": "sat"}, True, {"source": "sat"}),
        # zero is a value, not "unknown"
        ({}, {"ts": 1001.0, "speed": 0.0, "heading": 0}, True, {"speed": 0.0, "heading": 0}),
    ],
)
def test_position_merge(
    first: dict[str, Any], second: dict[str, Any], accepted: bool, expected: dict[str, Any]
) -> None:
    table = VesselTable()
    assert table.apply(make_position(**first)) is True
    assert table.apply(make_position(**second)) is accepted
    state = table.get(MMSI)
    assert state is not None
    assert {k: getattr(state, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("first", "second", "changed", "expected"),
    [
        # 24A then 24B: both halves kept
        (
            {"msg_type": 24, "shipname": "MIN SHI YU 1"},
            {"msg_type": 24, "callsign": "BXYZ", "ship_type": 30, "to_bow": 10, "to_stern": 5},
            True,
            {"shipname": "MIN SHI YU 1", "callsign": "BXYZ", "ship_type": 30, "to_bow": 10},
        ),
        # 24B then 24A, same result
        (
            {"msg_type": 24, "callsign": "BXYZ", "ship_type": 30},
            {"msg_type": 24, "shipname": "MIN SHI YU 1"},
            True,
            {"shipname": "MIN SHI YU 1", "callsign": "BXYZ", "ship_type": 30},
        ),
        # newer type 5 replaces voyage data
        (
            {"destination": "QUANZHOU", "draught": 5.0},
            {"ts": 2000.0, "destination": "XIAMEN", "draught": 6.2},
            True,
            {"destination": "XIAMEN", "draught": 6.2, "static_ts": 2000.0},
        ),
        # older type 5 does not overwrite newer values ...
        (
            {"ts": 2000.0, "destination": "XIAMEN"},
            {"ts": 1000.0, "destination": "QUANZHOU"},
            False,
            {"destination": "XIAMEN", "static_ts": 2000.0},
        ),
        # ... but fills what is still unknown
        (
            {"ts": 2000.0, "destination": "XIAMEN"},
            {"ts": 1000.0, "destination": "QUANZHOU", "imo": 9876543},
            True,
            {"destination": "XIAMEN", "imo": 9876543, "static_ts": 2000.0},
        ),
        # None never erases
        (
            {"shipname": "A", "imo": 1234567},
            {"ts": 2000.0, "shipname": None, "imo": None},
            False,
            {"shipname": "A", "imo": 1234567},
        ),
        # identical data is not a change
        ({"shipname": "A"}, {"ts": 1001.0, "shipname": "A"}, False, {"shipname": "A"}),
    ],
)
def test_static_merge(
    first: dict[str, Any], second: dict[str, Any], changed: bool, expected: dict[str, Any]
) -> None:
    table = VesselTable()
    table.apply(make_static(**first))
    assert table.apply(make_static(**second)) is changed
    state = table.get(MMSI)
    assert state is not None
    assert {k: getattr(state, k) for k in expected} == expected


def test_static_does_not_touch_position_and_vice_versa() -> None:
    table = VesselTable()
    table.apply(make_position(ts=1000.0))
    table.apply(make_static(ts=5000.0, shipname="HAI XUN 0701"))
    table.apply(make_position(ts=1001.0, lat=25.0))
    state = table.get(MMSI)
    assert state is not None
    assert (state.lat, state.ts, state.shipname, state.static_ts) == (
        25.0,
        1001.0,
        "HAI XUN 0701",
        5000.0,
    )
    assert state.last_seen == 5000.0


@pytest.mark.parametrize(
    ("position_type", "static_type", "expected"),
    [
        (1, None, "A"),
        (3, 24, "A"),
        (18, None, "B"),
        (None, 24, "B"),
        (None, 5, "A"),
        (27, None, None),
    ],
)
def test_ais_class(
    position_type: int | None, static_type: int | None, expected: str | None
) -> None:
    state = VesselState(MMSI, position_type=position_type, static_type=static_type)
    assert state.ais_class == expected


def test_dimensions_and_dict() -> None:
    state = VesselState(MMSI, to_bow=100, to_stern=20, to_port=8, ship_type=71)
    assert (state.length, state.beam) == (120, None)
    data = state.as_dict()
    assert data["length"] == 120 and data["ship_type_text"] == "Cargo"
    assert data["mmsi"] == MMSI and data["beam"] is None


@pytest.mark.parametrize(
    ("code", "label"),
    [(None, None), (0, None), (30, "Fishing"), (52, "Tug"), (61, "Passenger"), (84, "Tanker")]
    + [(99, "Other"), (25, "WIG"), (56, "Type 56"), (150, "Type 150")],
)
def test_ship_type_label(code: int | None, label: str | None) -> None:
    assert ship_type_label(code) == label


def _table_with(points: list[tuple[int, float, float]]) -> VesselTable:
    table = VesselTable()
    for mmsi, lon, lat in points:
        table.apply(make_position(mmsi=mmsi, lon=lon, lat=lat))
    return table


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ((118.0, 24.0, 119.0, 25.0), {1, 2}),
        ((118.5, 24.5, 118.5, 24.5), {1}),  # edges are inside
        ((118.51, 24.0, 119.0, 25.0), {2}),
        ((170.0, -10.0, -170.0, 10.0), {3, 4}),  # across the antimeridian
        ((-170.0, -10.0, 170.0, 10.0), set()),  # the other way round: not the Pacific
        ((0.0, 60.0, 10.0, 70.0), set()),
    ],
)
def test_bbox(bbox: tuple[float, float, float, float], expected: set[int]) -> None:
    table = _table_with([(1, 118.5, 24.5), (2, 118.9, 24.9), (3, 179.5, 0.0), (4, -179.5, 1.0)])
    table.apply(make_static(mmsi=5, shipname="NO POSITION"))
    assert {s.mmsi for s in table.in_bbox(*bbox)} == expected
    assert len(table) == 5 and 5 in table and 6 not in table


def test_bbox_rejects_inverted_latitudes() -> None:
    with pytest.raises(ValueError, match="min_lat"):
        VesselTable().in_bbox(0.0, 10.0, 1.0, 5.0)


def test_iterate_and_apply_all() -> None:
    table = VesselTable()
    changed = table.apply_all(
        [make_position(mmsi=1), make_position(mmsi=2), make_position(mmsi=1, ts=1.0)]
    )
    assert changed == 2
    assert sorted(s.mmsi for s in table) == [1, 2]
    assert table.get(3) is None


def test_24a_and_24b_of_a_real_craft(shared_ais: Path) -> None:
    """gfw sample.nmea: a class B position (18), then 24 part A (name), then part B."""
    from services.core.settings import IngestSettings
    from services.ingest.decoder import Decoder
    from services.ingest.records import to_records

    decoder = Decoder(IngestSettings())
    table = VesselTable()
    lines = (shared_ais / "gfw-ais-tools" / "sample.nmea").read_bytes().splitlines()
    records = [
        record
        for line in lines
        for message in decoder.push(line, feed="sdr")
        for record in to_records(message, "sdr")
    ]
    assert [type(r).__name__ for r in records] == ["Position", "VesselStatic", "VesselStatic"]
    part_a, part_b = records[1], records[2]
    assert part_a.shipname and part_a.callsign is None  # each part alone is half a vessel
    assert part_b.shipname is None and part_b.callsign
    table.apply_all(records)
    (state,) = list(table)
    assert state.mmsi == 985200250 and state.ais_class == "B"
    assert (state.shipname, state.callsign) == (part_a.shipname, part_b.callsign)
    assert state.ship_type == part_b.ship_type == 37  # pleasure craft
    assert state.lat == pytest.approx(39.4635, abs=1e-4)
    # the same reports in the other order merge to the same vessel
    reverse = VesselTable()
    reverse.apply_all([part_b, part_a, records[0]])
    assert reverse.get(state.mmsi) == state
