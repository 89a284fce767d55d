"""The dispatcher stage end to end over a real bus: store, channels, escalation, dead letters;
and the operator actions that reach the pipeline through ALERT_COMMANDS."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import orjson
import pytest
import redis.asyncio as aioredis

from services.alerts.actions import AlertActions
from services.alerts.channels import ChannelSpec
from services.alerts.dispatcher import (
    DeliveryConfigError,
    DispatcherStage,
    delivery_config,
    dispatcher_from_config,
)
from services.alerts.escalation import EscalationPolicy
from services.alerts.memory_store import MemoryAlertStore
from services.alerts.model import (
    AlertChange,
    alert_change_from_json,
    alert_change_to_json,
    command_from_json,
)
from services.alerts.store_api import AlertQuery, AlertStore, InvalidTransition
from services.core import topics
from services.core.bus import Bus, dead_letter_topic, open_bus
from services.core.codec import encode
from services.core.config import load_config
from services.core.settings import DEMO_CONFIG_DIR
from tests.alerts.http_receiver import serve
from tests.alerts.store_fixtures import STORES, T0, make_alert, open_store, raised
from tests.conftest import REDIS_URL

MIN = 60.0


def at_t0() -> float:
    """The stage's clock, fixed: with wall-clock time every alert of 2026 would be overdue."""
    return T0


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[AlertStore]:
    async with open_store(request.param, pg_url) as opened:
        yield opened


@pytest.fixture
async def bus() -> AsyncIterator[Bus]:
    opened = open_bus("memory://")
    yield opened
    await opened.close()


def hook(name: str, url: str, **overrides: object) -> ChannelSpec:
    values: dict[str, object] = {"name": name, "url": url, "backoff_initial": 0.02}
    values.update(overrides)
    return ChannelSpec(**values)  # type: ignore[arg-type]


async def running(stage: DispatcherStage, bus: Bus, until: Callable[[], bool]) -> None:
    """Run the stage until `until()` holds (5 s at most), then stop it and wait for it."""
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(bus, stop))
    deadline = time.monotonic() + 5
    while not until() and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 10)


async def drain(bus: Bus, topic: str) -> list[bytes]:
    got = await bus.read(topic, "test-reader", "t", count=1000, block=0)
    return [d.payload for d in got]


def payload(change: AlertChange) -> bytes:
    return orjson.dumps(alert_change_to_json(change))


async def test_changes_are_stored_and_delivered_once(store: AlertStore, bus: Bus) -> None:
    first, second = make_alert(), make_alert(mmsi=412000002, office="jinjiang")
    again = make_alert(raised_at=T0 + 120)  # the same condition raised again after a restart
    records = [payload(raised(first)), encode(raised(second)), payload(raised(first))]
    records += [payload(raised(again)), b"{not json", orjson.dumps({"change": "raised"})]
    await bus.publish(topics.ALERTS, records)
    async with serve([503, 200]) as receiver:
        stage = DispatcherStage(store, "qz-centre", [hook("duty", receiver.url)], clock=at_t0)
        await running(
            stage, bus, lambda: stage.counts["applied"] == 2 and len(receiver.requests) == 3
        )
    assert len((await store.list(AlertQuery())).items) == 2
    assert (stage.counts["applied"], stage.counts["duplicate"], stage.counts["merged"]) == (2, 1, 1)
    delivered = [r.body["alert"]["id"] for r in receiver.requests]  # type: ignore[index]
    assert sorted(set(delivered)) == sorted([first.id, second.id]) and len(delivered) == 3
    receipts = await store.deliveries(first.id) + await store.deliveries(second.id)
    assert sorted((r.attempt, r.ok) for r in receipts) == [(1, False), (1, True), (2, True)]
    dead = await drain(bus, dead_letter_topic(topics.ALERTS))
    assert dead == [b"{not json", orjson.dumps({"change": "raised"})]
    assert stage.counts["bad_payload"] == 2


async def test_escalations_reach_the_centre_and_only_critical_the_province(
    store: AlertStore, bus: Bus
) -> None:
    critical = make_alert(rule="distress", zone=None, severity="critical")
    warning = make_alert(mmsi=412000003)
    await bus.publish(topics.ALERTS, [payload(raised(critical)), payload(raised(warning))])
    policy = EscalationPolicy(interval=0.05, provincial_channel="province")
    async with serve([200]) as ops, serve([200]) as province:
        specs = [hook("ops", ops.url), hook("province", province.url)]
        stage = DispatcherStage(store, "qz-centre", specs, policy, clock=lambda: T0 + 20 * MIN)
        await running(stage, bus, lambda: len(ops.requests) == 5 and stage.counts["duplicate"] == 3)
    seen = sorted(
        (r.body["change"], r.body["alert"]["mmsi"], tuple(r.body["alert"]["escalated_to"]))  # type: ignore[index]
        for r in ops.requests
    )
    assert seen == [
        ("escalated", 412000003, ("centre",)),
        ("escalated", 412345678, ("centre",)),
        ("escalated", 412345678, ("centre", "provincial")),
        ("raised", 412000003, ()),
        ("raised", 412345678, ()),
    ]
    [to_province] = province.requests
    assert to_province.body["alert"]["escalated_to"] == ["centre", "provincial"]  # type: ignore[index]
    assert to_province.body["note"] == "to provincial: unacknowledged for 15 min"
    # escalations were published for the web, and came back to the dispatcher as duplicates
    published = [alert_change_from_json(orjson.loads(p)) for p in await drain(bus, topics.ALERTS)]
    assert [c.change for c in published].count("escalated") == 3


async def test_a_stuck_channel_does_not_hold_up_the_others(bus: Bus) -> None:
    store = MemoryAlertStore()
    changes = [raised(make_alert(mmsi=412100000 + i)) for i in range(50)]
    await bus.publish(topics.ALERTS, [payload(c) for c in changes])
    hold = asyncio.Event()  # the webhook never answers while the test runs
    async with serve([200], hold=hold) as stuck:
        specs = [hook("stuck", stuck.url, timeout=30.0, queue_size=10), hook("log", "log://")]
        stage = DispatcherStage(store, "qz-centre", specs, clock=at_t0)
        started = time.monotonic()
        stop = asyncio.Event()
        task = asyncio.create_task(stage.run(bus, stop))
        try:
            log_box = None
            while time.monotonic() - started < 5:
                await asyncio.sleep(0.01)
                log_box = next((o for o in stage.outboxes if o.spec.name == "log"), None)
                if log_box is not None and log_box.counts["delivered"] == 50 and stuck.requests:
                    break
            elapsed = time.monotonic() - started
            stuck_box = next(o for o in stage.outboxes if o.spec.name == "stuck")
            assert log_box is not None and log_box.counts["delivered"] == 50 and elapsed < 3
            # one in flight, held by the receiver; of the others, the newest 10 wait
            assert len(stuck.requests) == 1 and len(stuck_box) + stuck_box.counts["dropped"] == 49
            assert stage.counts["applied"] == 50
        finally:
            hold.set()
            stop.set()
            await asyncio.wait_for(task, 15)


async def test_operator_actions_are_stored_and_announced(store: AlertStore, bus: Bus) -> None:
    alert = make_alert()
    await store.apply(raised(alert))
    actions = AlertActions(store, bus, clock=lambda: T0 + 300)
    acked = await actions.acknowledge(alert.id, "wang", note="patrol boat sent")
    assert acked.status == "acknowledged"
    with pytest.raises(InvalidTransition):
        await actions.false_alarm((await actions.resolve(alert.id, "wang")).id, "li")
    silence = await actions.silence(412345678, T0, T0 + 3600, "wang", rule="speeding")
    assert await actions.unsilence(silence.id, "wang") is True
    assert await actions.unsilence(silence.id, "wang") is False
    commands = [command_from_json(orjson.loads(p)) for p in await drain(bus, topics.ALERT_COMMANDS)]
    assert [c.action for c in commands] == ["acknowledge", "resolve", "silence", "unsilence"]
    assert commands[0].key == alert.key and commands[0].alert_id == alert.id
    assert (commands[0].actor, commands[0].note, commands[0].at) == (
        "wang",
        "patrol boat sent",
        T0 + 300,
    )
    assert commands[2].silence == silence and commands[3].silence_id == silence.id
    changes = [alert_change_from_json(orjson.loads(p)) for p in await drain(bus, topics.ALERTS)]
    assert [(c.change, c.actor) for c in changes] == [
        ("acknowledged", "wang"),
        ("resolved", "wang"),
    ]
    # the dispatcher sees the operator's changes as already stored: nothing is re-delivered
    for change in changes:
        assert (await store.apply(change)).outcome == "duplicate"
    assert await store.silences() == []


async def test_dispatcher_over_redis_streams(
    store: AlertStore, unique: str, redis_client: aioredis.Redis
) -> None:
    topic = f"test-{unique}.alerts"  # a private topic keeps parallel runs apart
    redis_bus = open_bus(REDIS_URL)
    alert = make_alert()
    try:
        await redis_bus.publish(topic, [payload(raised(alert)), payload(raised(alert))])
        stage = DispatcherStage(
            store, "qz-centre", [hook("log", "log://")], topic=topic, clock=at_t0
        )
        await running(stage, redis_bus, lambda: stage.counts["duplicate"] == 1)
        assert (await store.get(alert.id)) == alert
        assert await redis_bus.pending(topic, "dispatcher") == 0
    finally:
        await redis_client.delete(topic, dead_letter_topic(topic))
        await redis_bus.close()


def test_dispatcher_from_the_demo_configuration() -> None:
    stage = dispatcher_from_config(load_config(DEMO_CONFIG_DIR), MemoryAlertStore())
    assert stage.centre_id == "qz-centre"
    assert [(spec.name, spec.url) for spec in stage.specs] == [
        ("ops-log", "log://info"),
        ("province", "log://warning"),
    ]
    assert stage.policy.provincial_channel == "province"
    # The demo keeps the documented escalation times.
    assert stage.policy.centre_after == EscalationPolicy().centre_after


def test_delivery_configuration_reads_both_sections_and_lists_every_problem() -> None:
    specs, policy = delivery_config(
        {
            "channels": [{"name": "province", "url": "https://gov.example/hook"}],
            "escalation": {"provincial_channel": "province", "interval_seconds": 30},
        }
    )
    assert [s.name for s in specs] == ["province"] and policy.provincial_channel == "province"
    with pytest.raises(DeliveryConfigError) as caught:
        delivery_config(
            {
                "channels": [{"name": "x", "url": "smtp://mail"}],
                "escalation": {"centre_after_minutes": {"warning": "soon"}},
            }
        )
    assert len(caught.value.problems) == 2
