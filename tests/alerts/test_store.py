"""The alert store contract, run on PostgreSQL and on the memory store alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.alerts.model import Change, Silence
from services.alerts.store_api import (
    AlertNotFound,
    AlertQuery,
    AlertStore,
    DeliveryReceipt,
    InvalidQuery,
    InvalidTransition,
)
from tests.alerts.store_fixtures import STORES, T0, changed, make_alert, open_store, raised


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[AlertStore]:
    async with open_store(request.param, pg_url) as opened:
        yield opened


async def test_raised_alert_is_stored_once_however_often_delivered(store: AlertStore) -> None:
    alert = make_alert(details={"zone_name": "石湖港区"}, other_mmsi=None)
    first = await store.apply(raised(alert))
    again = await store.apply(raised(alert))
    assert (first.outcome, again.outcome) == ("applied", "duplicate")
    assert await store.get(alert.id) == alert
    assert (await store.get(alert.id)).to_json()["raised_at"] == "2026-01-01T00:00:00Z"
    assert [r.change for r in await store.history(alert.id)] == ["raised"]
    assert len((await store.list(AlertQuery())).items) == 1


async def test_update_moves_the_alert_and_severity_only_rises(store: AlertStore) -> None:
    alert = make_alert(severity="critical")
    await store.apply(raised(alert))
    result = await store.apply(
        changed(Change.UPDATED, alert, T0 + 60, lat=24.71, severity="warning", details={"n": 2})
    )
    stored = await store.get(alert.id)
    assert result.is_new and stored == result.alert
    assert (stored.lat, stored.severity, stored.details) == (24.71, "critical", {"n": 2})


async def test_updates_keep_the_latest_figures_without_history_rows(store: AlertStore) -> None:
    alert = make_alert(details={"speed_kn": 14.0})
    await store.apply(raised(alert))
    for minute in range(1, 6):
        figures = {"speed_kn": 14.0 + minute}
        result = await store.apply(
            changed(Change.UPDATED, alert, T0 + 60 * minute, details=figures)
        )
        assert result.outcome == "applied"
    again = changed(Change.UPDATED, alert, T0 + 300, details={"speed_kn": 19.0})
    assert (await store.apply(again)).outcome == "duplicate"
    latest = {"details": {"speed_kn": 19.0}, "cleared_at": T0 + 330}
    await store.apply(changed(Change.CLEARED, alert, T0 + 400, **latest))
    stored = await store.get(alert.id)
    assert stored is not None and stored.details == {"speed_kn": 19.0}
    assert [r.change for r in await store.history(alert.id)] == ["raised", "cleared"]


async def test_clear_is_set_once_and_a_recurrence_is_a_new_alert(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    await store.apply(changed(Change.CLEARED, alert, T0 + 300, cleared_at=T0 + 300))
    await store.apply(changed(Change.CLEARED, alert, T0 + 400, cleared_at=T0 + 400))
    assert (await store.get(alert.id)).cleared_at == T0 + 300
    again = make_alert(raised_at=T0 + 900)
    assert (await store.apply(raised(again))).outcome == "applied"
    page = await store.list(AlertQuery(active=True))
    assert [a.id for a in page.items] == [again.id]
    assert [a.id for a in (await store.list(AlertQuery(active=False))).items] == [alert.id]


async def test_second_open_alert_for_a_key_merges_and_its_id_follows(store: AlertStore) -> None:
    first = make_alert()
    await store.apply(raised(first))
    # the pipeline restarted and raised the same condition again: new raised_at, new id
    second = make_alert(raised_at=T0 + 120, lat=24.72)
    result = await store.apply(raised(second))
    assert result.outcome == "merged"
    assert result.alert.id == first.id and result.alert.lat == 24.72
    assert (await store.apply(raised(second))).outcome == "duplicate"
    assert (await store.get(second.id)).id == first.id
    await store.apply(changed(Change.CLEARED, second, T0 + 600, cleared_at=T0 + 600))
    only = (await store.list(AlertQuery())).items
    assert [(a.id, a.cleared_at) for a in only] == [(first.id, T0 + 600)]


async def test_same_key_different_vessel_or_zone_is_not_merged(store: AlertStore) -> None:
    await store.apply(raised(make_alert()))
    other_zone = await store.apply(raised(make_alert(zone="restricted-2")))
    other_ship = await store.apply(raised(make_alert(mmsi=412000002)))
    pair = make_alert(rule="close_quarters", zone=None, other_mmsi=413000001)
    other_pair = make_alert(rule="close_quarters", zone=None, other_mmsi=413000002)
    outcomes = [other_zone.outcome, other_ship.outcome]
    outcomes += [(await store.apply(raised(a))).outcome for a in (pair, other_pair)]
    assert outcomes == ["applied"] * 4
    assert len((await store.list(AlertQuery())).items) == 5


async def test_change_of_an_unseen_alert_inserts_it(store: AlertStore) -> None:
    # RAISED was lost (dead-lettered); the CLEARED still carries the whole alert
    alert = make_alert()
    result = await store.apply(changed(Change.CLEARED, alert, T0 + 50))
    assert result.is_new
    assert (await store.get(alert.id)).cleared_at == T0 + 50


async def test_operator_actions_move_forward_with_actor(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    acked = await store.transition(alert.id, "acknowledge", "wang", T0 + 10, note="seen")
    assert acked.alert.status == "acknowledged" and acked.change.actor == "wang"
    assert (await store.transition(alert.id, "acknowledge", "li", T0 + 11)).change is None
    resolved = await store.transition(alert.id, "resolve", "wang", T0 + 20)
    assert resolved.alert.status == "resolved"
    with pytest.raises(InvalidTransition):
        await store.transition(alert.id, "false_alarm", "wang", T0 + 30)
    with pytest.raises(InvalidTransition):
        await store.transition(alert.id, "acknowledge", "wang", T0 + 30)
    history = [(r.change, r.actor, r.note) for r in await store.history(alert.id)]
    assert history == [
        ("raised", None, None),
        ("acknowledged", "wang", "seen"),
        ("resolved", "wang", None),
    ]


async def test_operator_action_errors(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    with pytest.raises(AlertNotFound):
        await store.transition("no-such-id", "acknowledge", "wang", T0)
    with pytest.raises(ValueError, match="not an alert action"):
        await store.transition(alert.id, "silence", "wang", T0)
    assert (await store.get(alert.id)).status == "open"


async def test_pipeline_never_undoes_an_operator_decision(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    await store.transition(alert.id, "false_alarm", "wang", T0 + 5)
    # an update still in flight, produced before the pipeline heard of the decision
    await store.apply(changed(Change.UPDATED, alert, T0 + 6, status="open", lat=24.8))
    stored = await store.get(alert.id)
    assert (stored.status, stored.lat) == ("false_alarm", 24.8)
    # the key is free again: a new alert for the same condition may open
    assert (await store.apply(raised(make_alert(raised_at=T0 + 7)))).outcome == "applied"


async def _seed_for_listing(store: AlertStore) -> None:
    rows = [
        make_alert(
            raised_at=T0 + i * 60, mmsi=412000000 + i % 3, office=office, rule=rule, zone=f"z{i}"
        )
        for i, (office, rule) in enumerate(
            [("shishi", "zone_entry"), ("jinjiang", "speeding"), ("shishi", "speeding")] * 5
        )
    ]
    for alert in rows:
        await store.apply(raised(alert))
    await store.transition(rows[0].id, "acknowledge", "wang", T0 + 3600)


async def test_list_filters(store: AlertStore) -> None:
    await _seed_for_listing(store)

    async def ids(**filters: object) -> int:
        return len((await store.list(AlertQuery(**filters))).items)  # type: ignore[arg-type]

    assert await ids() == 15
    assert await ids(office="shishi") == 10
    assert await ids(office="shishi", rule="speeding") == 5
    assert await ids(mmsi=412000001) == 5
    assert await ids(status=("acknowledged",)) == 1
    assert await ids(status=("open", "acknowledged")) == 15
    assert await ids(since=T0 + 60, until=T0 + 180) == 2
    assert await ids(office="nanan") == 0
    newest = (await store.list(AlertQuery(limit=1))).items[0]
    assert newest.raised_at == T0 + 14 * 60


async def test_pagination_visits_every_alert_once_in_order(store: AlertStore) -> None:
    await _seed_for_listing(store)
    seen, cursor = [], None
    while True:
        page = await store.list(AlertQuery(limit=4, cursor=cursor, office="shishi"))
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 10 == len({a.id for a in seen})
    assert [a.raised_at for a in seen] == sorted((a.raised_at for a in seen), reverse=True)


async def test_bad_queries_are_rejected() -> None:
    with pytest.raises(InvalidQuery):
        AlertQuery(status=("closed",))
    with pytest.raises(InvalidQuery):
        AlertQuery(cursor="%%%not-a-cursor")
    with pytest.raises(InvalidQuery):
        AlertQuery(limit=0)


async def test_unacknowledged_and_escalation_once_per_level(store: AlertStore) -> None:
    old, new = make_alert(), make_alert(mmsi=412000009, raised_at=T0 + 600)
    acked = make_alert(mmsi=412000010)
    for alert in (old, new, acked):
        await store.apply(raised(alert))
    await store.transition(acked.id, "acknowledge", "wang", T0 + 1)
    assert [a.id for a in await store.unacknowledged(T0 + 300)] == [old.id]
    assert await store.unacknowledged(T0 + 300, severity="critical") == []
    assert len(await store.unacknowledged(T0 + 600, severity="warning")) == 2
    first = await store.record_escalation(old.id, "centre", "qz-centre", T0 + 900)
    assert first is not None and first.escalated_to == ("centre",)
    assert await store.record_escalation(old.id, "centre", "qz-centre", T0 + 901) is None
    assert [a.id for a in await store.unacknowledged(T0 + 600)] == [old.id, new.id]
    assert [a.id for a in await store.unacknowledged(T0 + 600, not_escalated_to="centre")] == [
        new.id
    ]
    second = await store.record_escalation(old.id, "provincial", "province", T0 + 1800)
    assert second.escalated_to == ("centre", "provincial")
    levels = [(e.level, e.target, e.at) for e in await store.escalations(old.id)]
    assert levels == [("centre", "qz-centre", T0 + 900), ("provincial", "province", T0 + 1800)]
    assert [r.change for r in await store.history(old.id)] == ["raised", "escalated", "escalated"]
    with pytest.raises(AlertNotFound):
        await store.record_escalation("nope", "centre", "qz-centre", T0)


async def test_delivery_receipts_are_kept_per_alert(store: AlertStore) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    failed = DeliveryReceipt(alert.id, "raised", "hook", 1, False, T0 + 1, 503, 12.5, "HTTP 503")
    ok = DeliveryReceipt(alert.id, "raised", "hook", 2, True, T0 + 2, 200, 8.0)
    await store.record_delivery(failed)
    await store.record_delivery(ok)
    assert await store.deliveries(alert.id) == [failed, ok]
    with pytest.raises(AlertNotFound):
        await store.record_delivery(DeliveryReceipt("nope", "raised", "hook", 1, True, T0))


async def test_silences_create_list_delete(store: AlertStore) -> None:
    vessel = Silence("s1", 412345678, T0, T0 + 3600, rule="speeding", actor="wang", created_at=T0)
    whole = Silence(
        "s2", 412345678, T0 + 7200, T0 + 9000, actor="li", reason="trial", created_at=T0
    )
    other = Silence("s3", 413000001, T0, T0 + 60, created_at=T0)
    for silence in (vessel, whole, other):
        assert await store.add_silence(silence) == silence
    assert await store.add_silence(Silence("s1", 1, T0, T0 + 1)) == vessel  # same id: kept
    assert await store.silences(mmsi=412345678) == [vessel, whole]
    assert await store.silences(active_at=T0 + 30) == [vessel, other]
    assert await store.silences(active_at=T0 + 3600) == []  # end is exclusive
    assert await store.delete_silence("s1", "wang", T0 + 10) is True
    assert await store.delete_silence("s1", "wang", T0 + 11) is False
    assert await store.delete_silence("nope", "wang", T0 + 11) is False
    assert await store.silences() == [other, whole]
    with pytest.raises(InvalidQuery):
        await store.add_silence(Silence("s4", 1, T0, T0))


async def test_first_action_records_who_and_when_it_was_acknowledged(store: AlertStore) -> None:
    """The time to acknowledge is the server's record, kept through later actions and through
    the pipeline's own changes (which know nothing of it), on both stores alike."""
    alert = make_alert()
    await store.apply(raised(alert))
    assert "acknowledged_at" not in (await store.get(alert.id)).to_json()
    acked = (await store.transition(alert.id, "acknowledge", "op1", T0 + 95)).alert
    assert (acked.acknowledged_at, acked.acknowledged_by) == (T0 + 95, "op1")
    await store.apply(changed(Change.CLEARED, alert, T0 + 300, cleared_at=T0 + 300))
    resolved = (await store.transition(alert.id, "resolve", "sup", T0 + 400, "done")).alert
    stored = await store.get(alert.id)
    assert stored == resolved and (stored.acknowledged_at, stored.acknowledged_by) == (
        T0 + 95,
        "op1",
    )
    record = stored.to_json()
    assert record["acknowledged_at"] == "2026-01-01T00:01:35Z"
    assert record["acknowledged_by"] == "op1"
    listed = (await store.list(AlertQuery())).items
    assert listed[0].acknowledged_at == T0 + 95


async def test_closing_an_open_alert_directly_counts_as_its_acknowledgement(
    store: AlertStore,
) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    closed = (await store.transition(alert.id, "false_alarm", "op2", T0 + 30)).alert
    assert (closed.status, closed.acknowledged_at, closed.acknowledged_by) == (
        "false_alarm",
        T0 + 30,
        "op2",
    )
