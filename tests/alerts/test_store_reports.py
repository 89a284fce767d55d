"""Field reports (现场反馈) in the alert store contract, on PostgreSQL and memory alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.alerts.model import Change
from services.alerts.store_api import (
    AlertNotFound,
    AlertStore,
    InvalidQuery,
    Report,
)
from tests.alerts.store_fixtures import STORES, T0, make_alert, open_store, raised

NOW = T0 + 600


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[AlertStore]:
    async with open_store(request.param, pg_url) as opened:
        yield opened


def report(
    alert_id: str,
    note: str,
    at: float = NOW,
    outcome: str | None = None,
    report_id: str | None = None,
) -> Report:
    """Crew "crew"'s report; its id follows its time unless given."""
    rid = f"r-{at}" if report_id is None else report_id
    return Report(alert_id, "crew", note, at, rid, outcome)


async def test_report_on_open_alert_is_recorded_and_acknowledges(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    result = await store.report(report(alert.id, "到达现场 on scene"))
    assert not result.duplicate and result.refused is None
    assert [c.change for c in result.changes] == ["reported", "acknowledged"]
    assert result.alert.status == "acknowledged" == (await store.get(alert.id)).status
    history = await store.history(alert.id)
    assert [(r.change, r.actor, r.note, r.report_id) for r in history[1:]] == [
        ("reported", "crew", "到达现场 on scene", f"r-{NOW}"),
        ("acknowledged", "crew", None, None),
    ]
    assert history[1].at == NOW and history[1].status == "acknowledged"
    stored = await store.get(alert.id)
    assert stored is not None and (stored.acknowledged_at, stored.acknowledged_by) == (NOW, "crew")


async def test_several_reports_keep_status_and_order(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    await store.report(report(alert.id, "on scene", NOW))
    second = await store.report(report(alert.id, "boarded", NOW + 60))
    assert [c.change for c in second.changes] == ["reported"]
    assert second.alert.status == "acknowledged"
    notes = [r.note for r in await store.history(alert.id) if r.change == Change.REPORTED]
    assert notes == ["on scene", "boarded"]


async def test_resent_report_is_stored_once_even_through_an_alias(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    alias = make_alert(raised_at=T0 + 120)  # same key raised again: merged, its id an alias
    await store.apply(raised(alias))
    first = await store.report(report(alert.id, "boarded", outcome="resolved"))
    # the tablet lost the answer and resends from its outbox later, through the other id
    again = await store.report(report(alias.id, "boarded", NOW + 30, report_id=f"r-{NOW}"))
    assert again.duplicate and again.changes == [] and again.alert == first.alert
    assert [r.change for r in await store.history(alert.id)] == [
        "raised",
        "raised",
        "reported",
        "resolved",
    ]


async def test_outcome_closes_the_case_or_is_refused_without_losing_the_report(
    store: AlertStore,
) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    closed = await store.report(report(alert.id, "no vessel there", outcome="false_alarm"))
    assert [c.change for c in closed.changes] == ["reported", "false_alarm"]
    assert closed.alert.status == "false_alarm" and not closed.alert.is_open
    late = await store.report(report(alert.id, "fined 2000", NOW + 60, outcome="resolved"))
    assert late.refused is not None and "false_alarm" in late.refused
    assert late.alert.status == "false_alarm" and [c.change for c in late.changes] == ["reported"]
    same = await store.report(report(alert.id, "left", NOW + 90, outcome="false_alarm"))
    assert same.refused is None and [c.change for c in same.changes] == ["reported"]
    assert [r.note for r in await store.history(alert.id) if r.change == "reported"] == [
        "no vessel there",
        "fined 2000",
        "left",
    ]


async def test_pipeline_copy_of_a_report_is_a_duplicate(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    result = await store.report(report(alert.id, "on scene", outcome="resolved"))
    # the actions publish these on ALERTS; the dispatcher applies them again
    outcomes = [(await store.apply(c)).outcome for c in result.changes]
    assert outcomes == ["duplicate", "duplicate"]
    assert len(await store.history(alert.id)) == 3


@pytest.mark.parametrize(
    ("note", "extra"),
    [
        ("", {}),
        ("   ", {}),
        ("x" * 2001, {}),
        ("ok\x00", {}),
        ("ok\x1b[2J", {}),
        ("ok", {"outcome": "acknowledged"}),
        ("ok", {"outcome": "fixed"}),
        ("ok", {"report_id": ""}),
        ("ok", {"report_id": "r" * 65}),
    ],
)
async def test_bad_reports_are_rejected_and_change_nothing(
    store: AlertStore, note: str, extra: dict[str, str]
) -> None:
    """Every one of these would be a client's mistake: a clear error, nothing stored."""
    alert = make_alert()
    await store.apply(raised(alert))
    with pytest.raises(InvalidQuery):
        await store.report(report(alert.id, note, **extra))
    assert [r.change for r in await store.history(alert.id)] == ["raised"]
    assert (await store.get(alert.id)).status == "open"
    assert (await store.report(report(alert.id, "x" * 2000))).changes  # the bound itself is fine


async def test_report_on_unknown_alert(store: AlertStore) -> None:
    with pytest.raises(AlertNotFound):
        await store.report(report("no-such-alert", "on scene"))
