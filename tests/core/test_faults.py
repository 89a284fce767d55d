"""Faults: counted by reason; logged the first time with a traceback, then at most once per
interval per reason, saying how many were not logged."""

from __future__ import annotations

import logging

import pytest

from services.core.faults import Faults, reason_of


def test_counted_by_reason_and_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    faults = Faults("test", logging.getLogger("faults-test"), interval=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "faults-test"):
        for i in range(1000):
            now[0] = i * 0.1  # 100 s in all
            try:
                [][i]
            except IndexError as exc:
                faults.record(reason_of("line", exc), exc, i)
        faults.record("other", ValueError("x"))
    assert faults.counts == {"line.IndexError": 1000, "other": 1} and faults.total() == 1001
    lines = [r for r in caplog.records if r.name == "faults-test"]
    assert len(lines) == 3  # line.IndexError at 0 s and 60 s, "other" once
    assert lines[0].exc_info and not lines[1].exc_info
    assert "599 more since the last report" in lines[1].getMessage()
