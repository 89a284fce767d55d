"""The transitions table and the configuration of cases: pure."""

from __future__ import annotations

import pytest

from services.cases.config import CaseConfigError, CasePolicy
from services.cases.model import (
    ALL,
    TRANSITIONS,
    Action,
    InvalidCaseTransition,
    Status,
    plan,
)
from tests.cases.fixtures import T0, make_case

USER_ACTIONS = (
    Action.ASSIGN,
    Action.ACKNOWLEDGE,
    Action.START,
    Action.CLOSE,
    Action.CANCEL,
    Action.REOPEN,
)
EXPECTED = {  # action: (statuses allowed from, status after)
    Action.ASSIGN: ({"new", "assigned", "acknowledged", "in_progress"}, "assigned"),
    Action.ACKNOWLEDGE: ({"new", "assigned"}, "acknowledged"),
    Action.START: ({"new", "assigned", "acknowledged"}, "in_progress"),
    Action.CLOSE: ({"new", "assigned", "acknowledged", "in_progress", "reported"}, "closed"),
    Action.CANCEL: ({"new", "assigned", "acknowledged", "in_progress", "reported"}, "cancelled"),
    Action.REOPEN: ({"closed", "cancelled"}, "assigned"),  # the case has a boat
}


@pytest.mark.parametrize("action", USER_ACTIONS)
@pytest.mark.parametrize("status", sorted(ALL))
def test_every_action_from_every_status(action: Action, status: Status) -> None:
    case = make_case(status=status.value, patrol_mmsi=413990604)
    allowed, after = EXPECTED[action]
    params = {"patrol_mmsi": 413990605} if action == Action.ASSIGN else {}
    if status.value in allowed:
        step = plan(case, action, "op", T0 + 1, "why", **params)
        assert step.case.status == after and step.entry.status == after
        assert step.entry.actor == "op" and step.entry.at == T0 + 1
    else:
        with pytest.raises(InvalidCaseTransition, match="allowed now"):
            plan(case, action, "op", T0 + 1, "why", **params)
    assert {s.value for s in TRANSITIONS[action][0]} == allowed


@pytest.mark.parametrize("status", sorted(ALL))
def test_reports_are_accepted_in_every_status(status: Status) -> None:
    case = make_case(status=status.value)
    step = plan(case, Action.REPORT, "crew", T0, "x", outcome="violation", measures=["fine"])
    if status in (Status.CLOSED, Status.CANCELLED):
        assert step.case.status == status.value and step.case.outcome is None
    else:
        assert step.case.status == "reported" and step.case.measures == ("fine",)
    progress = plan(case, Action.REPORT, "crew", T0, "on scene", outcome=None)
    expected = "in_progress" if status in ("new", "assigned", "acknowledged") else status.value
    assert progress.case.status == expected


def test_reopen_without_a_boat_is_new_and_restarts_escalation() -> None:
    case = make_case(status="closed", closed_at=T0, escalated_to=("office", "centre"))
    step = plan(case, Action.REOPEN, "sup", T0 + 5, "appeal")
    assert (
        step.case.status == "new" and step.case.escalated_to == () and step.case.closed_at is None
    )


def test_config_defaults_and_every_problem_listed(demo_config) -> None:  # type: ignore[no-untyped-def]
    policy = CasePolicy.from_sections(demo_config.sections, demo_config.office_ids())
    assert policy.deadline_seconds("search_rescue", "critical") == 3600
    assert policy.deadline_seconds("inspection", "normal") == 86400
    assert policy.provincial_channel == "province" and len(policy.patrols) == 7
    bad = {
        "cases": {
            "deadline_minutes": {"urgent": 5, "low": 0},
            "deadline_minutes_by_type": {"party": {"low": 1}},
            "centre_after_minutes": {"critical": 30},
            "sweep_interval_seconds": -1,
            "provincial_channel": "nowhere",
        },
        "patrol_vessels": [{"mmsi": 413990601, "office": "atlantis"}],
    }
    with pytest.raises(CaseConfigError) as caught:
        CasePolicy.from_sections(bad, demo_config.office_ids(), {"province"})
    problems = "\n".join(caught.value.problems)
    for words in (
        "deadline_minutes.urgent: unknown priority",
        "deadline_minutes.low must be minutes > 0",
        "deadline_minutes_by_type.party: unknown type",
        "provincial_after_minutes.critical is before the centre's",
        "sweep_interval_seconds must be a positive number",
        "provincial_channel 'nowhere'",
        "unknown office 'atlantis'",
    ):
        assert words in problems


def test_config_check_reports_the_cases_section(tmp_path, demo_config, capsys) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from services.cli.main import main

    target = tmp_path / "cfg"
    shutil.copytree(demo_config.directory, target)
    toml = target / "seagrid.toml"
    toml.write_text(toml.read_text() + "\n[cases.ack_minutes]\ncritical = -5\n")
    assert main(["config", "check", str(target)]) == 1
    out = capsys.readouterr().out
    assert "seagrid.toml: feature cases: cases: ack_minutes.critical must be minutes > 0" in out
