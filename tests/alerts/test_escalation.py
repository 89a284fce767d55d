"""Escalation timing and policy, on both stores."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.alerts.escalation import (
    DEFAULT_CENTRE_AFTER,
    EscalationConfigError,
    EscalationPolicy,
    Escalator,
)
from services.alerts.model import AlertChange, Change
from services.alerts.store_api import AlertStore
from tests.alerts.store_fixtures import STORES, T0, make_alert, open_store, raised

MIN = 60.0
POLICY = EscalationPolicy(
    centre_after={"info": 60, "warning": 15, "critical": 5},
    provincial_after={"critical": 15},
    provincial_channel="province",
)


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[AlertStore]:
    async with open_store(request.param, pg_url) as opened:
        yield opened


async def test_critical_goes_to_centre_then_province_at_the_configured_times(
    store: AlertStore,
) -> None:
    alert = make_alert(rule="distress", zone=None, severity="critical")
    await store.apply(raised(alert))
    escalator = Escalator(store, POLICY, "qz-centre")
    assert await escalator.check(T0 + 5 * MIN - 1) == []
    [centre] = await escalator.check(T0 + 5 * MIN)
    assert centre.change == "escalated" and centre.alert.escalated_to == ("centre",)
    assert centre.at == T0 + 5 * MIN and centre.note == "to centre: unacknowledged for 5 min"
    assert await escalator.check(T0 + 10 * MIN) == []  # once per level
    assert await escalator.check(T0 + 15 * MIN - 1) == []
    [province] = await escalator.check(T0 + 15 * MIN)
    assert province.alert.escalated_to == ("centre", "provincial")
    records = [(e.level, e.target, e.at) for e in await store.escalations(alert.id)]
    assert records == [
        ("centre", "qz-centre", T0 + 5 * MIN),
        ("provincial", "province", T0 + 15 * MIN),
    ]
    assert (await store.get(alert.id)).escalated_to == ("centre", "provincial")


async def test_warning_is_escalated_later_and_never_to_the_province(store: AlertStore) -> None:
    alert = make_alert(severity="warning")
    await store.apply(raised(alert))
    escalator = Escalator(store, POLICY, "qz-centre")
    assert await escalator.check(T0 + 14 * MIN) == []
    assert len(await escalator.check(T0 + 15 * MIN)) == 1
    assert await escalator.check(T0 + 24 * 60 * MIN) == []


async def test_acknowledged_alert_is_not_escalated(store: AlertStore) -> None:
    acked = make_alert(severity="critical")
    cleared = make_alert(severity="critical", mmsi=412000001)
    await store.apply(raised(acked))
    await store.apply(raised(cleared))
    await store.transition(acked.id, "acknowledge", "wang", T0 + 4 * MIN)
    await store.apply(AlertChange(Change.CLEARED.value, cleared, T0 + 60))
    changes = await Escalator(store, POLICY, "qz-centre").check(T0 + 60 * MIN)
    # the cleared one still needs an officer's look at the centre, and goes no further;
    # the acknowledged one needs nothing
    assert [(c.alert.id, c.alert.escalated_to[-1]) for c in changes] == [(cleared.id, "centre")]


async def test_situation_ending_after_the_centre_stops_the_provincial_escalation(
    store: AlertStore,
) -> None:
    alert = make_alert(rule="close_quarters", zone=None, other_mmsi=413000002, severity="critical")
    await store.apply(raised(alert))
    escalator = Escalator(store, POLICY, "qz-centre")
    [centre] = await escalator.check(T0 + 5 * MIN)
    assert centre.alert.escalated_to == ("centre",)
    await store.apply(AlertChange(Change.CLEARED.value, alert, T0 + 8 * MIN))
    assert await escalator.check(T0 + 15 * MIN) == []
    assert await escalator.check(T0 + 24 * 60 * MIN) == []
    stored = await store.get(alert.id)
    assert stored is not None and stored.escalated_to == ("centre",)
    assert [e.level for e in await store.escalations(alert.id)] == ["centre"]


async def test_two_escalators_escalate_once(store: AlertStore) -> None:
    alert = make_alert(severity="critical")
    await store.apply(raised(alert))
    first = Escalator(store, POLICY, "qz-centre")
    second = Escalator(store, POLICY, "qz-centre")
    done = await first.check(T0 + 6 * MIN) + await second.check(T0 + 6 * MIN)
    assert len(done) == 1 and len(await store.escalations(alert.id)) == 1


def test_policy_defaults_and_overrides() -> None:
    default = EscalationPolicy.from_sections({})
    assert default.centre_after == DEFAULT_CENTRE_AFTER
    assert default.provincial_after == {"critical": 15.0} and default.provincial_channel is None
    custom = EscalationPolicy.from_sections(
        {
            "escalation": {
                "interval_seconds": 5,
                "provincial_channel": "province",
                "centre_after_minutes": {"warning": 30, "critical": 2},
                "provincial_after_minutes": {"critical": 10, "warning": 120},
            }
        },
        channel_names={"province"},
    )
    assert custom.centre_after == {"warning": 30.0, "critical": 2.0}
    assert custom.provincial_after == {"critical": 10.0, "warning": 120.0}
    assert custom.interval == 5.0
    assert ("provincial", "warning", 7200.0) in custom.levels()


def test_policy_errors_are_all_listed() -> None:
    with pytest.raises(EscalationConfigError) as caught:
        EscalationPolicy.from_sections(
            {
                "escalation": {
                    "interval_seconds": 0,
                    "provincial_channel": "nowhere",
                    "centre_after_minutes": {"critical": 20, "urgent": 1, "info": -1},
                    "provincial_after_minutes": {"critical": 10},
                }
            },
            channel_names={"province"},
        )
    text = "\n".join(caught.value.problems)
    assert "centre_after_minutes.urgent: unknown severity" in text
    assert "centre_after_minutes.info must be minutes >= 0" in text
    assert "provincial_after_minutes.critical is before the centre's" in text
    assert "interval_seconds must be a positive number" in text
    assert "provincial_channel 'nowhere' is not a [[channels]] name" in text
