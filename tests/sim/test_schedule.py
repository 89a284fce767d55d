"""ITU-R M.1371 reporting intervals."""

from __future__ import annotations

import pytest

from services.sim.schedule import position_interval
from services.sim.track import AT_ANCHOR, FISHING, MOORED, UNDER_WAY


@pytest.mark.parametrize(
    ("ais_class", "sog", "status", "seconds"),
    [
        ("A", 0.0, AT_ANCHOR, 180.0),
        ("A", 0.0, MOORED, 180.0),
        ("A", 3.5, AT_ANCHOR, 10.0),  # dragging faster than 3 kn: no longer the slow rate
        ("A", 0.0, UNDER_WAY, 10.0),  # stopped but not at anchor
        ("A", 12.0, UNDER_WAY, 10.0),
        ("A", 14.0, UNDER_WAY, 10.0),
        ("A", 14.5, UNDER_WAY, 6.0),
        ("A", 23.0, UNDER_WAY, 6.0),
        ("A", 23.5, UNDER_WAY, 2.0),
        ("A", 3.0, FISHING, 10.0),
        ("B", 1.5, UNDER_WAY, 180.0),
        ("B", 2.0, UNDER_WAY, 180.0),
        ("B", 2.5, UNDER_WAY, 30.0),
        ("B", 25.0, UNDER_WAY, 30.0),
    ],
)
def test_interval_by_class_speed_and_status(ais_class, sog, status, seconds):
    assert position_interval(ais_class, sog, status) == seconds
