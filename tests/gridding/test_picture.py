"""The live per-cell picture."""

from __future__ import annotations

import pytest

from services.gridding.picture import CellPicture, ship_type_category


@pytest.mark.parametrize(
    ("code", "category"),
    [
        (None, "unknown"),
        (0, "unknown"),
        (30, "fishing"),
        (52, "tug"),
        (60, "passenger"),
        (69, "passenger"),
        (70, "cargo"),
        (84, "tanker"),
        (41, "high_speed_craft"),
        (56, "other"),  # spare for local use
        (99, "other"),
        (100, "unknown"),
    ],
)
def test_ship_type_category(code: int | None, category: str) -> None:
    assert ship_type_category(code) == category


def test_place_move_and_counts() -> None:
    picture = CellPicture()
    picture.set_ship_type(1, 70)
    picture.set_ship_type(2, 30)
    picture.place(1, "A", 10.0)
    picture.place(2, "A", 10.0)
    picture.place(3, "B", 10.0)
    assert picture.vessels("A") == {1, 2}
    assert picture.counts("A") == {"cargo": 1, "fishing": 1}
    assert picture.counts("B") == {"unknown": 1}
    picture.place(2, "B", 20.0)
    picture.place(1, None, 20.0)  # left the jurisdiction
    assert picture.vessels("A") == frozenset()
    assert picture.snapshot() == {
        "B": {"vessels": [2, 3], "count": 2, "by_type": {"fishing": 1, "unknown": 1}}
    }
    assert picture.cell_of(1) is None and picture.cell_of(2) == "B"


def test_silent_vessels_expire() -> None:
    picture = CellPicture(ttl=600)
    picture.place(1, "A", 0.0)
    picture.place(2, "A", 500.0)
    assert picture.expire(600.0) == []
    assert picture.expire(601.0) == [1]
    assert picture.vessels("A") == {2}
    picture.place(2, "A", 400.0)  # a late report does not make the vessel look fresher
    assert picture.expire(1101.0) == [2]
    assert picture.snapshot() == {}
