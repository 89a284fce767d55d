"""The shared picture of other partitions' vessels (services/alerts/pairs.py)."""

from __future__ import annotations

import pytest

from services.alerts.coverage import CoverageMap
from services.alerts.pairs import HISTORY, SharedPicture
from services.alerts.track import Track
from services.core.partitions import PartitionSpec
from services.core.types import CellPosition

OURS, THEIRS = 413000100, 413000101  # partition 0 and 1 of 2


def _row(mmsi: int, ts: float, lat: float = 24.8) -> list[object]:
    return [mmsi, ts, lat, 118.6, 10.0, 90.0, 0, "C1"]


def _entry(partition: int, *rows: list[object]) -> dict[str, object]:
    return {"partition": partition, "vessels": list(rows)}


def test_a_pass_sees_each_foreign_vessel_as_it_was_at_the_pass_time() -> None:
    picture = SharedPicture(PartitionSpec(0, 2), max_age_s=300)
    assert picture.apply(_entry(1, _row(THEIRS, 100, 24.80), _row(THEIRS, 160, 24.81))) == 2
    picture.apply(_entry(1, _row(THEIRS, 220, 24.82)))

    def at(now: float) -> list[float]:
        return [t.lat for t in picture.tracks({}, now) if t.mmsi == THEIRS]

    assert at(90) == []  # only reports from its future: not seen yet
    # one process ticks at 100 before the first report at or past 100: not seen yet either
    assert at(100) == []
    assert at(101) == [24.80]
    assert at(160) == [24.80]
    assert at(200) == [24.81]
    assert at(400) == [24.82]
    assert at(600) == []  # older than max_age_s: gone
    assert THEIRS not in picture.foreign


def test_repeats_own_vessels_and_malformed_entries() -> None:
    picture = SharedPicture(PartitionSpec(0, 2), max_age_s=300)
    assert picture.apply(_entry(1, _row(THEIRS, 100))) == 1
    assert picture.apply(_entry(1, _row(THEIRS, 100), _row(THEIRS, 90))) == 0  # republished
    assert picture.apply(_entry(1, _row(OURS, 120))) == 0  # ours: never foreign
    assert picture.apply(_entry(0, _row(THEIRS, 500))) == 0  # our own entry, read back
    bad_entries: list[object] = [{"vessels": "x"}, [], {"partition": 1}]
    for bad in bad_entries:
        with pytest.raises(ValueError, match="without vessels"):
            picture.apply(bad)
    for ts in range(1000, 1000 + 2 * HISTORY):
        picture.apply(_entry(1, _row(THEIRS, ts)))
    assert len(picture.foreign[THEIRS]) == HISTORY  # bounded per vessel


def _pos(ts: float, speed: float) -> CellPosition:
    return CellPosition(OURS, ts, 24.8, 118.6, "C1", "O1", speed=speed, course=90.0)


def test_outgoing_shares_what_a_pass_elsewhere_needs_once() -> None:
    picture = SharedPicture(PartitionSpec(0, 2), max_age_s=300, min_speed_kn=1.0)
    tracks = {OURS: Track(_pos(100, 10))}
    entry = picture.outgoing([_pos(100, 10)], tracks)
    assert entry == {
        "partition": 0,
        "vessels": [[OURS, 100, 24.8, 118.6, 10, 90.0, None, "C1"]],
        "coverage": [],
    }
    assert picture.outgoing([_pos(100, 10)], tracks) is None  # shared already
    # under way: every report; then the first one stopped; then only the batch's newest
    batch = [_pos(110, 10), _pos(120, 9), _pos(130, 0.2), _pos(140, 0.1), _pos(150, 0.1)]
    entry = picture.outgoing(batch, tracks)
    assert entry is not None
    assert [row[1] for row in entry["vessels"]] == [110, 120, 130, 150]
    other = SharedPicture(PartitionSpec(1, 2), max_age_s=300)
    assert other.apply(entry) == 4
    assert [t.speed for t in other.tracks({}, 145) if t.mmsi == OURS] == [0.2]


def test_coverage_learned_by_one_partition_is_learned_by_the_others() -> None:
    ours, theirs = CoverageMap(0.02, 3, 0.5), CoverageMap(0.02, 3, 0.5)
    picture = SharedPicture(PartitionSpec(0, 2), 300, ours)
    other = SharedPicture(PartitionSpec(1, 2), 300, theirs)
    for in_time in (True, True, False):
        ours.record(24.81, 118.61, in_time)
    assert not theirs.covered(24.81, 118.61)
    entry = picture.outgoing([], {})
    assert entry is not None and entry["vessels"] == []
    other.apply(entry)
    assert theirs.ratio(24.81, 118.61) == ours.ratio(24.81, 118.61) == (3, 2 / 3)
    assert theirs.covered(24.81, 118.61)
    assert picture.outgoing([], {}) is None  # shared once
    with pytest.raises(ValueError, match="bad coverage row"):
        other.apply({"partition": 0, "vessels": [], "coverage": [[1, 2, 1, 5]]})
