"""AlertBook: observations to alert changes, with hand-made observations (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from services.alerts.lifecycle import AlertBook, CommandError
from services.alerts.model import (
    Action,
    AlertChange,
    Change,
    Observation,
    OperatorCommand,
    Rule,
    Silence,
    Status,
    alert_id,
    alert_key,
    command_for,
)
from services.alerts.routing import Router
from services.alerts.timing import AlertTiming

CENTRE = "qz-centre"
MMSI = 412000001
OTHER = 412000002


def make_book(**timing: Any) -> AlertBook:
    router = Router(CENTRE, {"C-01": "shishi", "C-02": "jinjiang"})
    return AlertBook(router, AlertTiming(**timing) if timing else None)


def obs(
    rule: str = Rule.ZONE_ENTRY, ts: float = 0.0, active: bool = True, **kw: Any
) -> Observation:
    fields: dict[str, Any] = {"mmsi": MMSI, "lat": 24.8, "lon": 118.7, "cell": "C-01"}
    if rule in (Rule.ZONE_ENTRY, Rule.SPEEDING, Rule.PREDICTED_ENTRY):
        fields["zone"] = "rs-1"
    if rule == Rule.CLOSE_QUARTERS:
        fields["other_mmsi"] = OTHER
    fields.update(kw)
    return Observation(rule=str(rule), ts=ts, active=active, **fields)


def kinds(changes: list[AlertChange]) -> list[tuple[str, float]]:
    return [(c.change, c.at) for c in changes]


def run(book: AlertBook, observations: list[Observation]) -> list[AlertChange]:
    out: list[AlertChange] = []
    for o in observations:
        out += book.observe([o])
    return out


# --- raising ---------------------------------------------------------------------------


def test_zone_entry_raises_on_first_report_routed_to_the_cells_office() -> None:
    book = make_book()
    (change,) = book.observe([obs(ts=100.0)])
    alert = change.alert
    assert change.change == Change.RAISED and change.at == 100.0 and change.actor is None
    assert (alert.rule, alert.mmsi, alert.zone, alert.cell) == ("zone_entry", MMSI, "rs-1", "C-01")
    assert alert.office == "shishi" and alert.status == "open" and alert.cleared_at is None
    assert alert.id == alert_id(alert_key("zone_entry", MMSI, "rs-1", None), 100.0)
    assert book.open_alerts() == [alert]


@pytest.mark.parametrize(
    ("cell", "office"), [(None, CENTRE), ("C-02", "jinjiang"), ("C-99", CENTRE)]
)
def test_office_from_cell_centre_outside_or_unknown(cell: str | None, office: str) -> None:
    (change,) = make_book().observe([obs(cell=cell)])
    assert change.alert.office == office


def test_one_open_alert_per_key_and_separate_keys_separate_alerts() -> None:
    book = make_book()
    changes = run(book, [obs(ts=t) for t in range(0, 50, 5)])
    assert kinds(changes) == [("raised", 0.0)]
    other_zone = book.observe([obs(ts=60.0, zone="rs-2")])
    other_vessel = book.observe([obs(ts=60.0, mmsi=OTHER)])
    assert len(other_zone) == len(other_vessel) == 1
    assert len({a.id for a in book.open_alerts()}) == 3


@pytest.mark.parametrize(
    ("times", "inactive_at", "raised_at"),
    [
        ([0, 10, 20, 30], None, 30.0),  # held exactly the minimum duration
        ([0, 10, 20, 29], None, None),  # just below it
        ([0, 10, 30, 40], 20, None),  # broken by an inactive observation at 20
        ([0, 10, 30, 60], 20, 60.0),  # ... and held again 30..60
        ([0, 1000, 1030], None, 1030.0),  # a 1000 s hole restarts the run at 1000
    ],
)
def test_minimum_duration(
    times: list[int], inactive_at: int | None, raised_at: float | None
) -> None:
    book = make_book()
    seq = [obs(Rule.CLOSE_QUARTERS, ts=t) for t in times]
    if inactive_at is not None:
        seq.append(obs(Rule.CLOSE_QUARTERS, ts=inactive_at, active=False))
    seq.sort(key=lambda o: o.ts)
    raised = [c for c in run(book, seq) if c.change == Change.RAISED]
    assert [c.at for c in raised] == ([raised_at] if raised_at is not None else [])
    if raised:
        assert raised[0].alert.other_mmsi == OTHER and "since" in raised[0].alert.details


# --- clearing and flicker --------------------------------------------------------------


def test_flicker_on_a_boundary_gives_one_alert() -> None:
    book = make_book()
    seq = []
    for t in range(0, 600, 20):  # in, out, in, out... every 20 s for 10 minutes
        seq.append(obs(ts=float(t), active=(t // 20) % 2 == 0))
    changes = run(book, seq) + book.advance(600.0)
    assert [c.change for c in changes] == ["raised"]
    assert len(book.open_alerts()) == 1


def test_clears_after_hold_time_with_cleared_at_when_condition_ended() -> None:
    book = make_book()
    book.observe([obs(ts=0.0), obs(ts=100.0, active=False)])
    assert book.advance(219.0) == []  # zone_entry holds 120 s
    (cleared,) = book.advance(220.0)
    assert cleared.change == Change.CLEARED and cleared.at == 220.0
    assert cleared.alert.cleared_at == 100.0 and cleared.alert.status == "open"
    assert book.open_alerts() == []
    (again,) = book.observe([obs(ts=300.0)])  # a new occurrence is a new alert
    assert again.change == Change.RAISED and again.alert.id != cleared.alert.id


def test_clearing_happens_on_the_next_observation_without_advance() -> None:
    book = make_book()
    book.observe([obs(ts=0.0), obs(ts=100.0, active=False)])
    changes = book.observe([obs(ts=500.0)])
    assert kinds(changes) == [("cleared", 220.0), ("raised", 500.0)]


def test_ais_gap_clears_as_soon_as_the_vessel_reports() -> None:
    book = make_book()
    book.observe([obs(Rule.AIS_GAP, ts=1000.0)])
    (cleared,) = book.observe([obs(Rule.AIS_GAP, ts=1300.0, active=False)])
    assert cleared.change == Change.CLEARED and cleared.alert.cleared_at == 1300.0


def test_inactive_without_alert_is_ignored() -> None:
    book = make_book()
    assert book.observe([obs(ts=0.0, active=False)]) == []
    assert book.advance(10_000.0) == []


def test_replay_is_deterministic_whenever_the_clock_is_advanced() -> None:
    seq = []
    for t in range(0, 3000, 15):
        seq.append(obs(ts=float(t), active=(t % 700) < 400, mmsi=MMSI + t % 2))
        seq.append(obs(Rule.CLOSE_QUARTERS, ts=float(t), active=(t % 500) < 200))

    def final(advance_every: int) -> dict[str, tuple[float, float | None]]:
        book = make_book()
        changes: list[AlertChange] = []
        for i, o in enumerate(seq):
            changes += book.observe([o])
            if advance_every and i % advance_every == 0:
                changes += book.advance(o.ts)
        changes += book.advance(3000.0)
        latest = {c.alert.id: c.alert for c in changes}
        return {i: (a.raised_at, a.cleared_at) for i, a in latest.items()}

    runs = [final(n) for n in (0, 1, 7, 50)]
    assert len(runs[0]) > 4
    assert all(r == runs[0] for r in runs)


# --- updates ---------------------------------------------------------------------------


def test_updates_are_rate_limited_and_severity_increase_goes_out_at_once() -> None:
    book = make_book()
    seq = [obs(Rule.SPEEDING, ts=float(t), lat=24.8 + t * 1e-5) for t in range(0, 300, 10)]
    changes = run(book, seq)
    assert [c.change for c in changes].count("updated") == 4  # at 60, 120, 180, 240
    (critical,) = book.observe([obs(Rule.SPEEDING, ts=305.0, severity="critical")])
    assert critical.change == Change.UPDATED and critical.alert.severity == "critical"
    later = book.observe([obs(Rule.SPEEDING, ts=400.0, severity="warning", lat=25.0)])
    assert later[0].alert.severity == "critical"  # severity never drops while open


def test_unchanged_position_gives_no_update() -> None:
    book = make_book()
    changes = run(book, [obs(ts=float(t)) for t in range(0, 600, 10)])
    assert [c.change for c in changes] == ["raised"]


# --- silences --------------------------------------------------------------------------


def silence(start: float, end: float, rule: str | None = None, mmsi: int = MMSI) -> OperatorCommand:
    s = Silence(id=f"s-{start}-{rule}-{mmsi}", mmsi=mmsi, start=start, end=end, rule=rule)
    return OperatorCommand(action=Action.SILENCE.value, actor="op", at=0.0, silence=s)


@pytest.mark.parametrize(
    ("rule", "mmsi", "raised"),
    [
        (None, MMSI, False),  # the whole vessel
        (Rule.ZONE_ENTRY.value, MMSI, False),  # this rule
        (Rule.SPEEDING.value, MMSI, True),  # another rule
        (None, OTHER, True),  # another vessel
    ],
)
def test_silence_by_vessel_and_rule(rule: str | None, mmsi: int, raised: bool) -> None:
    book = make_book()
    book.command(silence(0.0, 1000.0, rule, mmsi))
    assert bool(book.observe([obs(ts=500.0)])) is raised


def test_silence_applies_to_behaviour_time_not_raising_time() -> None:
    book = make_book()
    book.command(silence(20.0, 100.0))
    # run starts before the silence, would reach 30 s inside it: nothing
    changes = run(book, [obs(Rule.CLOSE_QUARTERS, ts=t) for t in (0.0, 10.0, 25.0, 35.0)])
    assert changes == []
    # behaviour after the silence starts a fresh run: 100 + 30
    changes = run(book, [obs(Rule.CLOSE_QUARTERS, ts=t) for t in (100.0, 115.0, 130.0)])
    assert kinds(changes) == [("raised", 130.0)]


def test_silence_set_later_still_covers_late_behaviour_but_not_earlier() -> None:
    book = make_book()
    book.command(silence(50.0, 60.0))
    assert book.observe([obs(ts=55.0)]) == []  # data that arrives late, behaviour silenced
    assert len(book.observe([obs(ts=45.0, zone="rs-2")])) == 1  # before the silence


def test_pair_alert_silenced_through_either_vessel_and_unsilence() -> None:
    book = make_book()
    book.command(silence(0.0, 1000.0, mmsi=OTHER))
    assert run(book, [obs(Rule.CLOSE_QUARTERS, ts=t) for t in (0.0, 40.0)]) == []
    book.command(
        OperatorCommand(action="unsilence", actor="op", at=1.0, silence_id=f"s-0.0-None-{OTHER}")
    )
    assert len(run(book, [obs(Rule.CLOSE_QUARTERS, ts=t) for t in (50.0, 90.0)])) == 1


def test_bad_silence_commands() -> None:
    book = make_book()
    with pytest.raises(CommandError):
        book.command(silence(10.0, 10.0))
    with pytest.raises(CommandError):
        book.command(OperatorCommand(action="unsilence", actor="op", at=0.0, silence_id="nope"))
    with pytest.raises(CommandError):
        book.command(OperatorCommand(action="silence", actor="op", at=0.0))


# --- operator actions ------------------------------------------------------------------


def test_acknowledged_alert_stays_open_and_clears_with_its_status() -> None:
    book = make_book()
    (raised,) = book.observe([obs(ts=0.0)])
    (ack,) = book.command(command_for("acknowledge", raised.alert, "zhang", 5.0, "seen"))
    assert (ack.change, ack.actor, ack.note, ack.at) == ("acknowledged", "zhang", "seen", 5.0)
    assert ack.alert.status == Status.ACKNOWLEDGED and book.open_alerts() == [ack.alert]
    assert book.observe([obs(ts=10.0)]) == []
    book.observe([obs(ts=20.0, active=False)])
    (cleared,) = book.advance(1000.0)
    assert cleared.alert.status == "acknowledged" and cleared.alert.cleared_at == 20.0
    (resolved,) = book.command(command_for("resolve", cleared.alert, "zhang", 2000.0))
    assert resolved.alert.status == "resolved" and book.get(raised.alert.id) is None


@pytest.mark.parametrize("action", ["resolve", "false_alarm"])
def test_closed_while_active_does_not_re_raise_until_the_condition_clears(action: str) -> None:
    book = make_book()
    (raised,) = book.observe([obs(ts=0.0)])
    book.command(command_for(action, raised.alert, "li", 10.0))
    assert run(book, [obs(ts=t) for t in (20.0, 40.0, 60.0)]) == []
    book.observe([obs(ts=100.0, active=False)])
    assert book.observe([obs(ts=150.0)]) == []  # back within the hold time: same occurrence
    book.observe([obs(ts=200.0, active=False)])
    assert book.advance(320.0) == []  # nothing to clear: the alert was closed
    (new,) = book.observe([obs(ts=400.0)])
    assert new.change == Change.RAISED and new.alert.id != raised.alert.id


def test_command_finds_the_open_alert_by_key_when_the_id_is_unknown() -> None:
    book = make_book()
    (raised,) = book.observe([obs(ts=0.0)])
    foreign = replace(raised.alert, id="from-another-instance")
    (ack,) = book.command(command_for("acknowledge", foreign, "op", 1.0))
    assert ack.alert.id == raised.alert.id


def test_invalid_operator_commands() -> None:
    book = make_book()
    (raised,) = book.observe([obs(ts=0.0)])
    book.command(command_for("acknowledge", raised.alert, "op", 1.0))
    # A repeat (a redelivered command) is already applied: nothing to do, no error.
    assert book.command(command_for("acknowledge", raised.alert, "op", 2.0)) == []
    book.command(command_for("resolve", raised.alert, "op", 3.0))
    with pytest.raises(CommandError, match="no open alert"):
        book.command(command_for("false_alarm", raised.alert, "op", 4.0))
    with pytest.raises(ValueError):
        book.command(OperatorCommand(action="delete", actor="op", at=0.0))


def test_restore_takes_over_open_alerts_without_re_raising() -> None:
    first = make_book()
    (raised,) = first.observe([obs(ts=0.0)])
    cleared = replace(raised.alert, id="old", cleared_at=5.0)
    book = make_book()
    book.restore([raised.alert, cleared])
    assert book.observe([obs(ts=30.0)]) == []
    assert book.open_alerts() == [raised.alert]
    book.observe([obs(ts=40.0, active=False)])
    (done,) = book.advance(400.0)
    assert done.alert.id == raised.alert.id


def test_pending_runs_of_silent_vessels_are_forgotten() -> None:
    book = make_book()
    book.observe([obs(Rule.CLOSE_QUARTERS, ts=0.0, mmsi=m) for m in range(100)])
    assert book.pending() == 100
    book.advance(2000.0)
    assert book.pending() == 0


def test_distress_goes_to_office_and_centre() -> None:
    book = make_book()
    (raised,) = book.observe([obs(Rule.DISTRESS, ts=0.0, severity="critical", cell="C-02")])
    assert raised.alert.office == "jinjiang"
    assert book.router.recipients(raised.alert) == ("jinjiang", CENTRE)
    (outside,) = book.observe([obs(Rule.DISTRESS, ts=0.0, mmsi=OTHER, cell=None)])
    assert book.router.recipients(outside.alert) == (CENTRE,)
    (zone,) = book.observe([obs(ts=0.0)])
    assert book.router.recipients(zone.alert) == ("shishi",)


# --- predicted_entry closes itself ------------------------------------------------------


def test_predicted_entry_closes_itself_when_the_vessel_turns_away() -> None:
    book = make_book()
    raised = run(book, [obs(Rule.PREDICTED_ENTRY, ts=t) for t in (0.0, 30.0)])
    assert kinds(raised) == [("raised", 30.0)]
    changes = run(book, [obs(Rule.PREDICTED_ENTRY, ts=40.0, active=False)])
    changes += book.advance(40.0 + 120.0)
    (closed,) = changes
    assert (closed.change, closed.note, closed.actor) == ("cleared", "turned_away", None)
    assert closed.alert.status == "resolved" and closed.alert.cleared_at == 40.0
    assert book.get(closed.alert.id) is None and book.open_alerts() == []


def test_predicted_entry_closes_at_once_when_its_zone_entry_is_raised() -> None:
    book = make_book()
    run(book, [obs(Rule.PREDICTED_ENTRY, ts=t) for t in (0.0, 30.0)])
    changes = run(book, [obs(Rule.PREDICTED_ENTRY, ts=50.0, active=False), obs(ts=50.0)])
    assert [(c.change, c.alert.rule, c.note) for c in changes] == [
        ("raised", "zone_entry", None),
        ("cleared", "predicted_entry", "zone_entry"),
    ]
    assert changes[1].alert.status == "resolved" and changes[1].alert.cleared_at == 50.0
    assert [a.rule for a in book.open_alerts()] == ["zone_entry"]
    assert book.advance(1000.0) == []  # nothing left to clear for the prediction


def test_other_rules_still_wait_for_a_person_once_cleared() -> None:
    book = make_book()
    run(book, [obs(ts=0.0), obs(ts=10.0, active=False)])
    (cleared,) = book.advance(200.0)
    assert cleared.alert.status == "open" and cleared.note is None
    assert book.get(cleared.alert.id) == cleared.alert
