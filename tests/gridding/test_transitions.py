"""Transitions with hysteresis: tables of reports in, events out."""

from __future__ import annotations

import pytest

from services.gridding.transitions import TransitionPolicy, TransitionTracker, transition_events

OFFICE = {"A": "shishi", "B": "jinjiang", "C": "shishi", None: None}

# A report: (cell, metres inside that cell / outside every cell when None)
Report = tuple[str | None, float]


def run(reports: list[Report], policy: TransitionPolicy | None = None) -> list[tuple[str, ...]]:
    tracker = TransitionTracker(policy)
    events = []
    for n, (cell, depth) in enumerate(reports):
        for t in tracker.observe(
            412000001, 1000.0 + 10 * n, 24.7, 118.7, cell, OFFICE[cell], lambda d=depth: d
        ):
            events.append((t.event, str(t.old_cell), str(t.new_cell), str(t.initial)))
    return events


ENTER_A = [("jurisdiction_enter", "None", "A", "True"), ("cell_enter", "None", "A", "True")]


@pytest.mark.parametrize(
    ("what", "reports", "expected"),
    [
        ("first report inside", [("A", 500)], ENTER_A),
        ("first report outside", [(None, 500)], []),
        ("staying", [("A", 500), ("A", 5), ("A", 900)], ENTER_A),
        (
            "crossing deep into B",
            [("A", 500), ("B", 80)],
            ENTER_A + [("cell_exit", "A", "B", "False"), ("cell_enter", "A", "B", "False")],
        ),
        (
            "jitter across the boundary never storms",
            [("A", 500)] + [("B", 10), ("A", 10)] * 20,
            ENTER_A,
        ),
        ("shallow in B, then back", [("A", 500), ("B", 49), ("B", 20), ("A", 5)], ENTER_A),
        (
            "shallow, then deep enough",
            [("A", 500), ("B", 10), ("B", 30), ("B", 50)],
            ENTER_A + [("cell_exit", "A", "B", "False"), ("cell_enter", "A", "B", "False")],
        ),
        (
            "skirting the boundary: handed over after 6 reports",
            [("A", 500)] + [("B", 5)] * 6,
            ENTER_A + [("cell_exit", "A", "B", "False"), ("cell_enter", "A", "B", "False")],
        ),
        ("5 shallow reports are not enough", [("A", 500)] + [("B", 5)] * 5, ENTER_A),
        ("a third cell resets the count", [("A", 500)] + [("B", 5)] * 3 + [("C", 5)] * 3, ENTER_A),
        (
            "leaving the jurisdiction",
            [("A", 500), (None, 20), (None, 60)],
            ENTER_A
            + [("cell_exit", "A", "None", "False"), ("jurisdiction_exit", "A", "None", "False")],
        ),
        (
            "entering from outside",
            [(None, 500), ("B", 200)],
            [("jurisdiction_enter", "None", "B", "False"), ("cell_enter", "None", "B", "False")],
        ),
        ("jitter at the jurisdiction edge", [(None, 500)] + [("A", 10), (None, 10)] * 10, []),
    ],
)
def test_transitions(what: str, reports: list[Report], expected: list[tuple[str, ...]]) -> None:
    assert run(reports) == expected, what


def test_policy_is_configurable() -> None:
    reports: list[Report] = [("A", 500), ("B", 10), ("B", 10)]
    assert len(run(reports, TransitionPolicy(margin_m=50, confirm_reports=2))) == 4
    assert len(run(reports, TransitionPolicy(margin_m=5, confirm_reports=99))) == 4
    assert len(run(reports, TransitionPolicy(margin_m=50, confirm_reports=3))) == 2


def test_event_fields() -> None:
    tracker = TransitionTracker()
    tracker.observe(1, 10.0, 24.7, 118.7, "A", "shishi", lambda: 999.0)
    exit_, enter = tracker.observe(1, 20.0, 24.71, 118.71, "B", "jinjiang", lambda: 999.0)
    assert (exit_.event, enter.event) == ("cell_exit", "cell_enter")
    for t in (exit_, enter):
        assert (t.mmsi, t.ts, t.lat, t.lon) == (1, 20.0, 24.71, 118.71)
        assert (t.old_cell, t.new_cell, t.old_office, t.new_office) == (
            "A",
            "B",
            "shishi",
            "jinjiang",
        )


def test_late_and_repeated_reports_change_nothing() -> None:
    tracker = TransitionTracker()
    tracker.observe(1, 100.0, 0, 0, "A", "shishi", lambda: 999.0)
    assert tracker.observe(1, 90.0, 0, 0, "B", "jinjiang", lambda: 999.0) == []  # late
    assert tracker.observe(1, 100.0, 0, 0, "B", "jinjiang", lambda: 999.0) == []  # redelivered
    state = tracker.state(1)
    assert state is not None and state.cell == "A" and state.ts == 100.0


def test_depth_only_computed_when_needed() -> None:
    tracker = TransitionTracker()
    calls = []

    def depth() -> float:
        calls.append(1)
        return 0.0

    tracker.observe(1, 1.0, 0, 0, "A", "shishi", depth)
    tracker.observe(1, 2.0, 0, 0, "A", "shishi", depth)
    assert calls == []
    tracker.observe(1, 3.0, 0, 0, "B", "jinjiang", depth)
    assert calls == [1]


def test_vessels_are_independent() -> None:
    tracker = TransitionTracker()
    assert len(tracker.observe(1, 1.0, 0, 0, "A", "shishi", lambda: 1e3)) == 2
    assert len(tracker.observe(2, 1.0, 0, 0, "B", "jinjiang", lambda: 1e3)) == 2
    assert tracker.observe(1, 2.0, 0, 0, "A", "shishi", lambda: 1e3) == []
    assert len(tracker) == 2
    tracker.forget(1)
    assert tracker.state(1) is None and len(tracker) == 1


def test_office_of_committed_cell_follows_the_grid() -> None:
    tracker = TransitionTracker()
    tracker.observe(1, 1.0, 0, 0, "A", "shishi", lambda: 1e3)
    tracker.observe(1, 2.0, 0, 0, "A", "jinjiang", lambda: 1e3)  # cell re-assigned on reload
    [exit_, _] = tracker.observe(1, 3.0, 0, 0, "B", "huian", lambda: 1e3)
    assert exit_.old_office == "jinjiang"


def test_no_events_without_change() -> None:
    assert transition_events(1, 0.0, 0, 0, ("A", "x"), ("A", "y"), False) == []
