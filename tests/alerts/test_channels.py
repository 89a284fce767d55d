"""Delivery channels: a real local webhook that fails first, the log channel, the outbox's
bounded queue, and the `[[channels]]` configuration."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import orjson
import pytest

from services.alerts.channels import (
    ChannelConfigError,
    ChannelSpec,
    Outbox,
    open_channel,
    parse_channels,
)
from services.alerts.memory_store import MemoryAlertStore
from services.alerts.model import AlertChange, Change
from services.alerts.store_api import AlertStore
from tests.alerts.http_receiver import free_port, serve
from tests.alerts.store_fixtures import STORES, T0, make_alert, open_store, raised


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[AlertStore]:
    async with open_store(request.param, pg_url) as opened:
        yield opened


def spec(url: str, **overrides: object) -> ChannelSpec:
    values: dict[str, object] = {"name": "hook", "url": url, "backoff_initial": 0.02}
    values.update(overrides)
    return ChannelSpec(**values)  # type: ignore[arg-type]


async def run_until(outbox: Outbox, done: object, timeout: float = 5.0) -> None:
    """Run the outbox until `done()` holds, then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(stop))
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)


async def stored_change(store: AlertStore) -> AlertChange:
    change = raised(make_alert(details={"zone_name": "石湖"}))
    await store.apply(change)
    return change


async def test_webhook_retries_with_backoff_until_delivered(store: AlertStore) -> None:
    change = await stored_change(store)
    async with serve([503, 500, 200]) as receiver:
        config = spec(receiver.url, headers={"Authorization": "Bearer t0k"})
        outbox = Outbox(open_channel(config), config, store.record_delivery)
        outbox.offer(change)
        await run_until(outbox, lambda: outbox.counts["delivered"] == 1)
    receipts = await store.deliveries(change.alert.id)
    assert [(r.attempt, r.ok, r.status_code) for r in receipts] == [
        (1, False, 503),
        (2, False, 500),
        (3, True, 200),
    ]
    assert receipts[0].error == "HTTP 503" and receipts[2].error is None
    # back-off: 0.02 s, then 0.04 s between attempts
    assert receipts[2].at - receipts[0].at >= 0.05
    keys = {r.headers["idempotency-key"] for r in receiver.requests}
    assert len(keys) == 1 and len(receiver.requests) == 3
    first = receiver.requests[0]
    assert first.headers["authorization"] == "Bearer t0k"
    assert first.body["change"] == "raised" and first.body["at"] == "2026-01-01T00:00:00Z"
    assert first.body["alert"]["id"] == change.alert.id
    assert first.body["alert"]["details"] == {"zone_name": "石湖"}


async def test_webhook_gives_up_after_max_attempts_on_a_dead_receiver() -> None:
    store = MemoryAlertStore()
    change = await stored_change(store)
    config = spec(f"http://127.0.0.1:{free_port()}/hook", max_attempts=3)
    outbox = Outbox(open_channel(config), config, store.record_delivery)
    outbox.offer(change)
    await run_until(outbox, lambda: outbox.counts["failed"] == 1)
    receipts = await store.deliveries(change.alert.id)
    assert [r.ok for r in receipts] == [False] * 3
    assert all("ConnectError" in (r.error or "") for r in receipts)


async def test_webhook_does_not_retry_a_rejected_payload() -> None:
    store = MemoryAlertStore()
    change = await stored_change(store)
    async with serve([422, 200]) as receiver:
        config = spec(receiver.url)
        outbox = Outbox(open_channel(config), config, store.record_delivery)
        outbox.offer(change)
        await run_until(outbox, lambda: outbox.counts["failed"] == 1)
    assert len(receiver.requests) == 1
    assert [r.status_code for r in await store.deliveries(change.alert.id)] == [422]


async def test_full_queue_drops_oldest_and_offer_never_waits() -> None:
    store = MemoryAlertStore()
    changes = [raised(make_alert(mmsi=412000000 + i)) for i in range(6)]
    for change in changes:
        await store.apply(change)
    hold = asyncio.Event()
    async with serve([200], hold=hold) as receiver:
        config = spec(receiver.url, queue_size=2, timeout=10.0)
        outbox = Outbox(open_channel(config), config, store.record_delivery)
        stop = asyncio.Event()
        task = asyncio.create_task(outbox.run(stop))
        outbox.offer(changes[0])
        while not receiver.requests:  # the first is in flight, held by the receiver
            await asyncio.sleep(0.01)
        started = time.monotonic()
        for change in changes[1:]:
            outbox.offer(change)
        assert time.monotonic() - started < 0.05
        assert len(outbox) == 2 and outbox.counts["dropped"] == 3
        hold.set()
        while outbox.counts["delivered"] < 3:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 5)
    sent = [r.body["alert"]["mmsi"] for r in receiver.requests]  # type: ignore[index]
    assert sent == [412000000, 412000004, 412000005]


async def test_log_channel_writes_the_alert(caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryAlertStore()
    change = await stored_change(store)
    config = spec("log://warning", name="ops-log")
    outbox = Outbox(open_channel(config), config, store.record_delivery)
    outbox.offer(change)
    with caplog.at_level(logging.INFO, logger="seagrid.alerts.delivery"):
        await run_until(outbox, lambda: outbox.counts["delivered"] == 1)
    [record] = [r for r in caplog.records if r.name == "seagrid.alerts.delivery"]
    assert record.levelno == logging.WARNING and change.alert.id in record.getMessage()
    assert [r.ok for r in await store.deliveries(change.alert.id)] == [True]


def test_channel_filters() -> None:
    alert = make_alert(office="shishi", severity="warning")
    change = raised(alert)
    assert spec("log://").wants(change, "qz-centre")
    assert not spec("log://").wants(replace(change, change=Change.UPDATED.value), "qz-centre")
    assert not spec("log://", offices=("jinjiang",)).wants(change, "qz-centre")
    assert not spec("log://", min_severity="critical").wants(change, "qz-centre")
    assert not spec("log://", rules=("speeding",)).wants(change, "qz-centre")
    centre_only = spec("log://", offices=("qz-centre",))
    assert not centre_only.wants(change, "qz-centre")
    escalated = AlertChange(Change.ESCALATED.value, replace(alert, escalated_to=("centre",)), T0)
    assert centre_only.wants(escalated, "qz-centre")


def test_parse_channels_reads_every_key() -> None:
    [log_spec, hook] = parse_channels(
        {
            "channels": [
                {"name": "ops-log", "url": "log://"},
                {
                    "name": "duty-phone",
                    "url": "https://sms.example/hook",
                    "changes": ["raised", "escalated", "cleared"],
                    "offices": ["shishi"],
                    "min_severity": "warning",
                    "max_attempts": 8,
                    "backoff_initial": 2,
                    "headers": {"Authorization": "Bearer x"},
                },
            ]
        }
    )
    assert log_spec.changes == ("raised", "escalated") and log_spec.max_attempts == 5
    assert hook.changes == ("raised", "escalated", "cleared") and hook.max_attempts == 8
    assert hook.backoff_initial == 2.0 and hook.headers == {"Authorization": "Bearer x"}
    assert parse_channels({}) == []


def test_parse_channels_lists_every_problem() -> None:
    with pytest.raises(ChannelConfigError) as caught:
        parse_channels(
            {
                "channels": [
                    {"name": "a", "url": "log://"},
                    {"name": "a", "url": "log://"},
                    {"url": "log://"},
                    {"name": "b", "url": "ftp://x"},
                    {"name": "c", "url": "log://", "changes": ["raised", "exploded"]},
                    {"name": "d", "url": "log://", "max_attempts": 0},
                    {"name": "e", "url": "log://", "min_severity": "loud"},
                ]
            }
        )
    text = "\n".join(caught.value.problems)
    for expected in (
        "channels a: duplicate name",
        "channels #3: needs a non-empty name and url",
        "channels b: unknown URL scheme",
        "channels c: unknown changes ['exploded']",
        "channels d: max_attempts must be a number >= 1",
        "channels e: min_severity",
    ):
        assert expected in text
    with pytest.raises(ChannelConfigError, match="unknown log level"):
        open_channel(spec("log://shouting"))


async def test_webhook_signs_each_request_with_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEAGRID_TEST_HOOK_KEY", "provincial-shared-key")
    change = raised(make_alert())
    async with serve([200]) as receiver:
        config = spec(receiver.url, secret_env="SEAGRID_TEST_HOOK_KEY")
        outbox = Outbox(open_channel(config), config, MemoryAlertStore().record_delivery)
        outbox.offer(change)
        await run_until(outbox, lambda: outbox.counts["delivered"] == 1)
    request = receiver.requests[0]
    stamp = request.headers["x-seagrid-timestamp"]
    assert abs(int(stamp) - time.time()) < 60
    body = orjson.dumps(request.body)  # what was sent: orjson round-trips byte for byte
    expected = hmac.new(b"provincial-shared-key", stamp.encode() + b"." + body, hashlib.sha256)
    assert request.headers["x-seagrid-signature"] == f"sha256={expected.hexdigest()}"
    wrong = hmac.new(b"another-key", stamp.encode() + b"." + body, hashlib.sha256)
    assert request.headers["x-seagrid-signature"] != f"sha256={wrong.hexdigest()}"


def test_a_signing_key_must_be_set_and_named_properly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEAGRID_TEST_MISSING_KEY", raising=False)
    with pytest.raises(ChannelConfigError, match="SEAGRID_TEST_MISSING_KEY is not set"):
        open_channel(spec("http://127.0.0.1:9/", secret_env="SEAGRID_TEST_MISSING_KEY"))
    bad = {"channels": [{"name": "p", "url": "https://x.invalid/", "secret_env": 3}]}
    with pytest.raises(ChannelConfigError, match="secret_env must be"):
        parse_channels(bad)
