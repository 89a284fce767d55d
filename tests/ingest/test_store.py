"""PositionStore against the real PostgreSQL, with positions from the real recordings."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from dataclasses import fields, replace
from pathlib import Path
from typing import cast

import asyncpg
import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from services.core.db import open_database
from services.core.types import CellPosition, Position, VesselStatic
from services.ingest.store import (
    InvalidRecord,
    PositionStore,
    position_problem,
    static_problem,
)
from tests.ingest.ais_samples import T0, load

pytestmark = pytest.mark.postgres

MMSI = 413000001  # a Chinese MID; the tables are truncated per test


@pytest.fixture
async def pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_database(pg_url)
    await pool.execute("TRUNCATE positions, vessels")
    yield pool
    await pool.close()


@pytest.fixture
def store(pool: asyncpg.Pool) -> PositionStore:
    return PositionStore(pool, batch_size=100)


def pos(**overrides: object) -> Position:
    base = Position(mmsi=MMSI, ts=T0, lat=24.85, lon=118.68, speed=8.5, course=92.1, heading=90)
    return replace(base, **overrides)


def cell_pos(**overrides: object) -> CellPosition:
    base = CellPosition(
        mmsi=MMSI, ts=T0, lat=24.85, lon=118.68, cell="C-07", office="shishi", speed=8.5
    )
    return replace(base, **overrides)


def static(**overrides: object) -> VesselStatic:
    return replace(VesselStatic(mmsi=MMSI, ts=T0, msg_type=5), **overrides)


async def count(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM positions"))


async def test_real_positions_round_trip_with_none_fields(
    store: PositionStore, pool: asyncpg.Pool, shared_ais: Path
) -> None:
    positions, _ = load(shared_ais / "dma-aislib" / "decode_encode_messages.txt")
    store.add(positions)
    result = await store.flush()
    assert store.pending == 0
    identities = {(p.mmsi, p.ts, p.lat, p.lon) for p in positions}
    assert (result.positions, result.inserted) == (len(positions), len(identities))
    assert await count(pool) == len(identities)
    some_none = next(p for p in positions if p.heading is None)
    for mmsi in {positions[0].mmsi, some_none.mmsi}:
        expected = sorted((p for p in positions if p.mmsi == mmsi), key=lambda p: p.ts)
        assert await store.track(mmsi) == expected


async def test_cell_and_office_round_trip_and_answer_area_queries(
    store: PositionStore, pool: asyncpg.Pool
) -> None:
    inside = [cell_pos(ts=T0 + i, lat=24.85 + i / 1000) for i in range(4)]
    inside += [cell_pos(mmsi=MMSI + 1, ts=T0 + 1, cell="C-08")]
    inside += [cell_pos(mmsi=MMSI + 2, ts=T0 + 2, cell="C-21", office="huian")]
    store.add(inside)
    await store.flush()
    stored = await pool.fetch("SELECT mmsi, cell, office FROM positions ORDER BY ts, mmsi")
    assert [tuple(r) for r in stored] == [(p.mmsi, p.cell, p.office) for p in sorted(
        inside, key=lambda p: (p.ts, p.mmsi))]  # fmt: skip
    assert await store.area_positions(cell="C-07") == inside[:4]
    assert await store.area_positions(cell="C-07", since=T0 + 1, until=T0 + 3) == inside[1:3]
    shishi = await store.area_positions(office="shishi")
    assert [(p.mmsi, p.cell) for p in shishi] == [
        (MMSI, "C-07"), (MMSI, "C-07"), (MMSI + 1, "C-08"), (MMSI, "C-07"), (MMSI, "C-07"),
    ]  # fmt: skip
    assert await store.area_positions(office="shishi", cell="C-21") == []
    assert await store.area_positions(office="huian", limit=5) == [inside[5]]
    assert await store.area_positions(office="shishi", since=T0 + 10) == []


async def test_positions_outside_the_jurisdiction_are_stored_without_a_cell(
    store: PositionStore, pool: asyncpg.Pool, shared_ais: Path
) -> None:
    # The Danish recording lies far outside every Quanzhou cell: gridding gives None.
    real, _ = load(shared_ais / "dma-aislib" / "decode_encode_messages.txt")
    outside = [CellPosition(**_fields(p), cell=None, office=None) for p in real]
    store.add([*outside, cell_pos()])
    await store.flush()
    identities = {(p.mmsi, p.ts, p.lat, p.lon) for p in outside}
    nulls = "SELECT count(*) FROM positions WHERE cell IS NULL AND office IS NULL"
    assert await pool.fetchval(nulls) == len(identities)
    assert await count(pool) == len(identities) + 1
    assert await store.area_positions(office="shishi") == [cell_pos()]


async def test_an_ungridded_position_is_stored_with_no_cell(
    store: PositionStore, pool: asyncpg.Pool
) -> None:
    store.add([pos()])
    await store.flush()
    assert tuple(await pool.fetchrow("SELECT cell, office FROM positions")) == (None, None)
    assert await store.area_positions(office="shishi") == []


async def test_area_queries_use_the_partial_indexes(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here
        # each daily partition has its own copy of the parent's index, named after both
        for column, index in (("cell", "_cell_ts_idx"), ("office", "_office_ts_idx")):
            plan = await conn.fetchval(
                f"EXPLAIN SELECT * FROM positions WHERE {column} = $1"
                " AND ts >= to_timestamp($2::float8) AND ts < to_timestamp($3::float8)",
                "x",
                T0,
                T0 + 1,
            )
            assert index in plan


def test_an_area_query_needs_a_cell_or_an_office(store: PositionStore) -> None:
    with pytest.raises(ValueError, match="a cell or an office"):
        asyncio.run(store.area_positions(since=T0))


def _fields(p: Position) -> dict[str, object]:
    return {f.name: getattr(p, f.name) for f in fields(Position)}


async def test_all_optional_fields_none_round_trip(store: PositionStore) -> None:
    bare = Position(mmsi=MMSI, ts=T0 + 0.123456, lat=-33.5, lon=151.25, msg_type=27)
    store.add([bare])
    await store.flush()
    [back] = await store.track(MMSI)
    assert back == replace(bare, ts=back.ts)
    assert math.isclose(back.ts, bare.ts, abs_tol=1e-6)  # timestamptz keeps microseconds


async def test_redelivered_batch_is_not_stored_twice(
    store: PositionStore, pool: asyncpg.Pool
) -> None:
    batch = [pos(ts=T0 + i, lat=24.85 + i / 1000) for i in range(250)]
    store.add(batch)
    assert (await store.flush()).inserted == 250
    store.add(batch[100:] + batch[:10])
    again = await store.flush()
    assert (again.positions, again.inserted) == (160, 0)
    assert await count(pool) == 250


async def test_same_second_elsewhere_is_a_different_report(store: PositionStore) -> None:
    # Two transmitters sharing one MMSI: both reports are evidence, neither is a duplicate.
    store.add([pos(), pos(lat=25.1, lon=119.0), pos()])
    result = await store.flush()
    assert (result.positions, result.inserted) == (3, 2)
    assert len(await store.track(MMSI)) == 2


async def test_flush_writes_in_batches_and_nothing_when_empty(
    store: PositionStore, pool: asyncpg.Pool
) -> None:
    assert (await store.flush()).positions == 0
    store.add(pos(ts=T0 + i) for i in range(450))  # batch_size is 100
    assert store.pending == 450
    assert (await store.flush()).inserted == 450
    assert store.pending == 0
    assert await count(pool) == 450


async def test_track_is_half_open_ordered_and_limited(store: PositionStore) -> None:
    store.add([pos(ts=T0 + i) for i in (5, 1, 3, 2, 4)] + [pos(mmsi=MMSI + 1, ts=T0 + 2)])
    await store.flush()
    assert [p.ts - T0 for p in await store.track(MMSI, T0 + 2, T0 + 4)] == [2, 3]
    assert [p.ts - T0 for p in await store.track(MMSI, since=T0 + 4)] == [4, 5]
    assert [p.ts - T0 for p in await store.track(MMSI, limit=2)] == [1, 2]
    assert await store.track(MMSI, T0 + 10, T0 + 20) == []
    assert await store.track(999999999) == []


async def test_vessel_keeps_newest_position_and_known_values(store: PositionStore) -> None:
    store.add([pos(ts=T0 + 10, lat=24.9, speed=12.0), pos(ts=T0 + 20, lat=25.0, speed=None)])
    await store.flush()
    store.add([pos(ts=T0 + 5, lat=24.0, speed=1.0)])  # late: must not move the vessel back
    await store.flush()
    vessel = await store.vessel(MMSI)
    assert vessel is not None
    assert (vessel.ts, vessel.lat, vessel.speed) == (T0 + 20, 25.0, 12.0)
    assert vessel.mmsi_class == "ship" and vessel.last_seen == T0 + 20
    assert await store.vessel(MMSI + 1) is None


async def test_real_24a_and_24b_merge(store: PositionStore, shared_ais: Path) -> None:
    positions, statics = load(shared_ais / "gfw-ais-tools" / "sample.nmea")
    store.add(positions)
    store.add_static(statics[:1])  # part A: the name
    await store.flush()
    store.add_static(statics[1:])  # part B: type and call sign, name None
    assert (await store.flush()).statics == 1
    vessel = await store.vessel(985200250)
    assert vessel is not None
    assert (vessel.shipname, vessel.callsign, vessel.ship_type) == ("DAKUWAQA", "H985200", 37)
    assert (vessel.static_ts, vessel.static_type) == (statics[1].ts, 24)
    assert vessel.lat == positions[0].lat and vessel.position_type == 18


async def test_real_static_reports_match_the_vessel_picture_rules(
    store: PositionStore, shared_ais: Path
) -> None:
    from services.core.vessels import VesselTable

    _, statics = load(shared_ais / "dma-aislib" / "decode_encode_messages.txt")
    store.add_static(statics)
    await store.flush()
    table = VesselTable()
    table.apply_all(statics)
    for state in table:
        stored = await store.vessel(state.mmsi)
        assert stored is not None
        assert (stored.shipname, stored.callsign, stored.ship_type, stored.static_ts) == (
            state.shipname,
            state.callsign,
            state.ship_type,
            state.static_ts,
        )


async def test_none_never_erases_and_older_only_fills_gaps(store: PositionStore) -> None:
    store.add_static([static(ts=T0 + 100, shipname="MIN SHI YU 1", destination="QUANZHOU")])
    await store.flush()
    store.add_static([static(ts=T0 + 200, callsign="BXYZ")])  # newer, name/destination None
    store.add_static([static(ts=T0 + 50, shipname="OLD NAME", imo=9123456)])  # older
    await store.flush()
    vessel = await store.vessel(MMSI)
    assert vessel is not None
    assert (vessel.shipname, vessel.destination, vessel.callsign) == (
        "MIN SHI YU 1",
        "QUANZHOU",
        "BXYZ",
    )
    assert vessel.imo == 9123456  # the gap the older report could fill
    assert vessel.static_ts == T0 + 200


async def test_reports_of_one_vessel_in_one_batch_merge_in_time_order(store: PositionStore) -> None:
    store.add_static(
        [
            static(ts=T0 + 30, destination="XIAMEN"),
            static(ts=T0 + 10, destination="FUZHOU", shipname="A"),
            static(ts=T0 + 20, shipname="B"),
        ]
    )
    await store.flush()
    vessel = await store.vessel(MMSI)
    assert vessel is not None
    assert (vessel.destination, vessel.shipname, vessel.static_ts) == ("XIAMEN", "B", T0 + 30)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({}, None),
        ({"speed": None, "course": None, "heading": None, "status": None}, None),
        ({"lat": 91.0}, "lat 91.0 outside -90..90"),
        ({"lon": -180.5}, "lon -180.5 outside -180..180"),
        ({"lat": float("nan")}, "lat nan"),
        ({"mmsi": 1_000_000_000}, "mmsi 1000000000 outside"),
        ({"mmsi": "413000001"}, "mmsi '413000001' is not an integer"),
        ({"heading": 512}, "heading 512 outside 0..511"),
        ({"heading": True}, "is not an integer"),
        ({"speed": "fast"}, "speed 'fast' is not a number"),
        ({"ts": None}, "ts is missing"),
        ({"source": "a\x00b"}, "NUL"),
    ],
)
def test_position_problems(overrides: dict[str, object], problem: str | None) -> None:
    found = position_problem(pos(**overrides))
    assert found == problem if problem is None else problem in (found or "")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({}, None),
        ({"cell": None, "office": None}, None),
        ({"cell": "C-\x00"}, "cell contains a NUL"),
        ({"office": 7}, "office 7 is not text"),
    ],
)
def test_cell_position_problems(overrides: dict[str, object], problem: str | None) -> None:
    found = position_problem(cell_pos(**overrides))
    assert found == problem if problem is None else problem in (found or "")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"shipname": "X", "to_bow": 511, "to_port": 63, "draught": 25.5}, None),
        ({"to_port": 64}, "to_port 64 outside 0..63"),
        ({"ship_type": 256}, "ship_type 256 outside"),
        ({"draught": -1.0}, "draught -1.0 outside"),
        ({"shipname": 7}, "shipname 7 is not text"),
        ({"msg_type": 0}, "msg_type 0 outside 1..27"),
    ],
)
def test_static_problems(overrides: dict[str, object], problem: str | None) -> None:
    found = static_problem(static(**overrides))
    assert found == problem if problem is None else problem in (found or "")


def test_invalid_record_buffers_nothing(store: PositionStore) -> None:
    store.add([pos()])
    with pytest.raises(InvalidRecord, match=r"record 1 \(mmsi 413000001\): lat 95"):
        store.add([pos(ts=T0 + 1), pos(lat=95.0)])
    with pytest.raises(InvalidRecord, match="to_stern"):
        store.add_static([static(to_stern=-1)])
    assert store.pending == 1


async def test_failed_flush_keeps_the_buffer(pg_url: str) -> None:
    pool = await open_database(pg_url)
    store = PositionStore(pool)
    store.add([pos(mmsi=MMSI + 7)])
    store.add_static([static(mmsi=MMSI + 7)])
    await pool.close()  # the database goes away
    with pytest.raises(asyncpg.InterfaceError):
        await store.flush()
    assert store.pending == 2
    store.pool = await open_database(pg_url)
    try:
        result = await store.flush()
        assert (result.positions, result.statics, store.pending) == (1, 1, 0)
    finally:
        await store.pool.close()
    assert store.discard() == 0


_EDGES = st.sampled_from(
    [0, -1, 1, 15, 16, 27, 28, 511, 512, 999_999_999, 10**9, 90.0, 90.001, -180.0, -180.5]
    + [1e11, float("nan"), float("inf"), "", "a\x00", True]
)
_ANY_VALUE = st.one_of(
    _EDGES, st.none(), st.integers(), st.floats(), st.text(max_size=3), st.booleans()
)
_FIELDS = [f.name for f in fields(CellPosition)]


@settings(max_examples=400, deadline=None)
@given(changes=st.dictionaries(st.sampled_from(_FIELDS), _ANY_VALUE, min_size=1, max_size=2))
def test_add_accepts_exactly_what_position_problem_accepts(changes: dict[str, object]) -> None:
    record = cell_pos(**changes)
    store = PositionStore(cast(asyncpg.Pool, None))  # add() never touches the database
    try:
        store.add([record])
    except InvalidRecord:
        assert position_problem(record) is not None
    else:
        assert position_problem(record) is None
        assert store.pending == 1
