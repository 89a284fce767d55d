"""`iso_utc` (every time in alerts, `--positions-out`) writes what datetime writes: the
whole-second shortcut included, from year 1 to 9999, before and after the epoch."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.alerts.model import iso_utc

FIRST, LAST = -62_135_596_800, 253_402_300_799  # 0001-01-01T00:00:00Z, 9999-12-31T23:59:59Z


def reference(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.isoformat(timespec="milliseconds" if ts % 1 else "seconds").replace("+00:00", "Z")


@given(st.integers(min_value=FIRST, max_value=LAST))
def test_whole_seconds(ts: int) -> None:
    assert iso_utc(float(ts)) == reference(float(ts))
    assert iso_utc(ts) == reference(ts)


@given(st.floats(min_value=FIRST, max_value=LAST, allow_nan=False))
def test_any_time(ts: float) -> None:
    assert iso_utc(ts) == reference(ts)


def test_edges() -> None:
    assert iso_utc(None) is None
    assert iso_utc(0.0) == "1970-01-01T00:00:00Z"
    assert iso_utc(-0.5) == "1969-12-31T23:59:59.500Z"
    assert iso_utc(1_780_000_000.0) == "2026-05-28T20:26:40Z"
    assert iso_utc(1_780_000_000.25) == "2026-05-28T20:26:40.250Z"
