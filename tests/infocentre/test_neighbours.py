"""Neighbours: a signed handover notice to a real local HTTP receiver (and to seagrid's own
inbound endpoint, over real HTTP), inbound notices with good and bad signatures."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import shapely

from services.alerts.model import Alert, AlertChange, alert_change_to_json
from services.cases.memory_store import MemoryCaseStore
from services.cases.model import Case
from services.core import topics
from services.core.bus_memory import MemoryBus
from services.core.codec import encode
from services.core.config import SeagridConfig
from services.core.types import CellPosition
from services.neighbours.config import NeighbourConfigError, parse_neighbours
from services.neighbours.handover import HandoverStage
from services.neighbours.notice import sign, verify
from tests.alerts.http_receiver import serve
from tests.infocentre.conftest import Clock, start_info_env, wait_alert
from tests.web.conftest import Env, demo_config, make_alert

__all__ = ["demo_config"]

KEY = "putian-shared-key-0123456789"
PUTIAN_AREA = [[118.8, 25.13], [119.4, 25.13], [119.4, 25.6], [118.8, 25.6], [118.8, 25.13]]
MMSI = 412990005


def with_neighbour(config: SeagridConfig, url: str, key: str = KEY) -> SeagridConfig:
    table = {"id": "putian", "name": "莆田海事局", "url": url, "key": key, "area": PUTIAN_AREA}
    return dataclasses.replace(config, sections={**config.sections, "neighbours": [table]})


def northern_exit(config: SeagridConfig) -> tuple[float, float]:
    """A point just inside the jurisdiction's northern edge, below the neighbour."""
    union = shapely.union_all([c.geometry for c in config.cells])
    lat, lon = 25.10, 118.95
    assert union.contains(shapely.Point(lon, lat))
    return lat, lon


@pytest.fixture
async def nenv(demo_config: SeagridConfig, clock: Clock) -> AsyncIterator[Env]:
    config = with_neighbour(demo_config, "log://info")
    async for env in start_info_env(config, clock):
        yield env


def good_notice(now: float, **vessel: Any) -> dict[str, Any]:
    notice = {
        "id": f"n-{now}",
        "from": "putian",
        "to": "qz-centre",
        "sent_at": now,
        "vessel": {
            "mmsi": MMSI,
            "lat": 25.2,
            "lon": 118.95,
            "speed": 10.0,
            "course": 180.0,
            **vessel,
        },  # fmt: skip
        "reason": "涉嫌非法采砂船舶驶向贵局辖区",
        "case_summary": {"alerts": [{"rule": "loitering"}]},
    }
    return notice


async def test_handover_notice_to_a_real_http_receiver(demo_config: SeagridConfig) -> None:
    lat, lon = northern_exit(demo_config)
    async with serve([503, 200]) as receiver:
        config = with_neighbour(demo_config, receiver.url)
        stage = HandoverStage(config, parse_neighbours(config.sections), backoff=0.01)
        bus, stop = MemoryBus(), asyncio.Event()
        await bus.ensure_group(topics.ALERTS, "handover")
        await bus.ensure_group(topics.CELL_POSITIONS, "handover")
        alert = make_alert(rule="loitering", mmsi=MMSI, office="quangang", zone="ban-1")
        change = AlertChange("raised", alert, alert.raised_at)
        await bus.publish(topics.ALERTS, [orjson.dumps(alert_change_to_json(change))])
        heading_out = [
            CellPosition(
                MMSI, time.time() + i, lat, lon, "QG-01", "quangang", speed=12.0, course=0.0
            )  # fmt: skip
            for i in range(3)
        ]
        staying = CellPosition(412990006, time.time(), lat, lon, "QG-01", "quangang",
                               speed=12.0, course=0.0)  # fmt: skip
        await bus.publish(topics.CELL_POSITIONS, [encode(p) for p in [*heading_out, staying]])
        task = asyncio.create_task(stage.run(bus, stop))
        deadline = time.monotonic() + 5
        while stage.counters["notices_sent"] < 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        stop.set()
        await task
    assert stage.counters["notices_sent"] == 1
    assert len(receiver.requests) == 2  # one 503, then the same notice again
    first, second = (r.body for r in receiver.requests)
    assert first == second
    assert receiver.requests[0].headers["idempotency-key"] == first["notice"]["id"]
    notice = verify(first, {"qz-centre": KEY.encode()}, time.time())
    assert notice["vessel"]["mmsi"] == MMSI and notice["to"] == "putian"
    assert notice["case_summary"]["alerts"][0]["rule"] == "loitering"
    tampered = {**first, "notice": {**first["notice"], "to": "xiamen"}}
    with pytest.raises(ValueError, match="signature"):
        verify(tampered, {"qz-centre": KEY.encode()}, time.time())


async def test_inbound_notice_good_and_bad_signatures(nenv: Env, clock: Clock) -> None:
    url = "/api/neighbours/notices"
    good = sign(good_notice(clock.now), KEY.encode())
    reply = await nenv.http.post(url, json=good)
    assert reply.status_code == 202, reply.text
    alert = await wait_alert(nenv, rule="neighbour_notice", mmsi=MMSI)
    # entry point: the cell nearest to the vessel, north of the jurisdiction
    assert alert.office == "quangang" and alert.details["neighbour"] == "putian"
    assert (await nenv.http.post(url, json=good)).json()["status"] == "duplicate"
    forged = sign(good_notice(clock.now + 1), b"not-the-shared-key-at-all")
    assert (await nenv.http.post(url, json=forged)).status_code == 401
    edited = {**good, "notice": {**good["notice"], "id": "other", "reason": "changed"}}
    assert (await nenv.http.post(url, json=edited)).status_code == 401
    stranger = sign({**good_notice(clock.now), "from": "xiamen"}, KEY.encode())
    assert (await nenv.http.post(url, json=stranger)).status_code == 401
    stale = sign(good_notice(clock.now - 7200), KEY.encode())
    assert (await nenv.http.post(url, json=stale)).status_code == 401
    broken = sign(good_notice(clock.now + 2, mmsi="x"), KEY.encode())
    assert (await nenv.http.post(url, json=broken)).status_code == 422
    assert (await nenv.http.post(url, content=b"{not json")).status_code == 422
    listed = (await nenv.http.get("/api/neighbours", headers=nenv.auth("op"))).json()
    assert listed["counters"] == {
        "accepted": 1,
        "duplicates": 1,
        "rejected_bad_signature": 2,
        "rejected_unknown_sender": 1,
        "rejected_stale": 1,
        "rejected_malformed": 2,
    }
    assert (await nenv.http.get("/api/neighbours")).status_code == 401


async def test_handover_end_to_end_into_seagrids_inbound(
    nenv: Env, demo_config: SeagridConfig
) -> None:
    """Our handover stage sending to our own inbound endpoint over HTTP: the notice a
    neighbouring seagrid would receive, verified and raised there."""
    lat, lon = northern_exit(demo_config)
    inbound = nenv.runtime.info.inbound
    inbound.keys["qz-centre"] = KEY.encode()  # the neighbour knows us by our centre id
    inbound.neighbours["qz-centre"] = dataclasses.replace(
        inbound.neighbours["putian"], id="qz-centre", name="泉州"
    )
    config = with_neighbour(demo_config, f"{nenv.base}/api/neighbours/notices")
    stage = HandoverStage(config, parse_neighbours(config.sections), backoff=0.01)
    bus, stop = MemoryBus(), asyncio.Event()
    for topic in (topics.ALERTS, topics.CELL_POSITIONS):
        await bus.ensure_group(topic, "handover")
    alert = make_alert(rule="speeding", mmsi=MMSI, office="quangang", zone="sl-1")
    change = AlertChange("raised", alert, alert.raised_at)
    await bus.publish(topics.ALERTS, [orjson.dumps(alert_change_to_json(change))])
    await bus.publish(topics.CELL_POSITIONS, [encode(CellPosition(
        MMSI, time.time(), lat, lon, "QG-01", "quangang", speed=12.0, course=0.0))])  # fmt: skip
    task = asyncio.create_task(stage.run(bus, stop))
    received = await wait_alert(nenv, rule="neighbour_notice", mmsi=MMSI)
    stop.set()
    await task
    assert received.details["neighbour"] == "qz-centre"
    assert stage.counters["notices_sent"] == 1


def test_neighbour_config_errors() -> None:
    table = {"id": "p", "name": "P", "url": "log://info", "key": "short", "area": [[0, 0]]}
    with pytest.raises(NeighbourConfigError) as caught:
        parse_neighbours({"neighbours": [table, {"id": "q"}]})
    text = str(caught.value)
    assert "at least 16 bytes" in text and "area" in text and "needs name" in text
    env_table = {**table, "key": None, "key_env": "NOPE", "area": PUTIAN_AREA}
    del env_table["key"]
    with pytest.raises(NeighbourConfigError, match="NOPE is not set"):
        parse_neighbours({"neighbours": [env_table]}, env={})
    found = parse_neighbours({"neighbours": [env_table]}, env={"NOPE": KEY})
    assert found[0].key == KEY.encode()


def test_config_check_reports_modes_and_neighbours(demo_config: SeagridConfig) -> None:
    from services.cli.config import infocentre_issues

    assert infocentre_issues(demo_config) == []
    broken = dataclasses.replace(
        demo_config,
        sections={
            **demo_config.sections,
            "modes": [{"name": "fog", "thresholds": {"speeding_tolerance": 1}}],
            "neighbours": [{"id": "p", "name": "P", "url": "log://info", "key_env": "UNSET_X"}],
        },
    )
    found = [str(i) for i in infocentre_issues(broken)]
    assert any("modes" in f and "unknown threshold 'speeding_tolerance'" in f for f in found)
    assert any("neighbours" in f and "UNSET_X is not set" in f for f in found)


def case(case_id: str, created: float, status: str = "in_progress", **kw: Any) -> Case:
    fields: dict[str, Any] = {
        "id": case_id, "type": "verification", "title": "涉嫌非法采砂核查", "office": "quangang",
        "status": status, "priority": "high", "deadline": created + 3600, "created_at": created,
        "created_by": "operator", "updated_at": created, "mmsi": MMSI,
    }  # fmt: skip
    fields.update(kw)
    return Case(**fields)


def loitering() -> Alert:
    return make_alert(rule="loitering", mmsi=MMSI, office="quangang", zone="ban-1")


async def handover_once(config: SeagridConfig, cases: Any, alert: Alert) -> HandoverStage:
    """One vessel with an open alert heading north out of the jurisdiction."""
    lat, lon = northern_exit(config)
    stage = HandoverStage(config, parse_neighbours(config.sections), backoff=0.01, cases=cases)
    bus, stop = MemoryBus(), asyncio.Event()
    for topic in (topics.ALERTS, topics.CELL_POSITIONS):
        await bus.ensure_group(topic, "handover")
    change = AlertChange("raised", alert, alert.raised_at)
    await bus.publish(topics.ALERTS, [orjson.dumps(alert_change_to_json(change))])
    await bus.publish(topics.CELL_POSITIONS, [encode(CellPosition(
        MMSI, time.time(), lat, lon, "QG-01", "quangang", speed=12.0, course=0.0))])  # fmt: skip
    task = asyncio.create_task(stage.run(bus, stop))
    deadline = time.monotonic() + 5
    while not (stage.counters["notices_sent"] or stage.counters["notices_failed"]):
        assert time.monotonic() < deadline, "no notice sent"
        await asyncio.sleep(0.02)
    stop.set()
    await task
    return stage


async def test_handover_notice_carries_the_vessels_cases(demo_config: SeagridConfig) -> None:
    """The case summary: the vessel's cases of the last 30 days (open, overdue, closed) and
    the case of its open alert, not other vessels' nor older ones."""
    now, alert = time.time(), loitering()
    store = MemoryCaseStore()
    await store.create(case("c-overdue", now - 7200))  # deadline passed an hour ago
    await store.create(case("c-closed", now - 5 * 86400, "closed", closed_at=now - 4 * 86400,
                            outcome="violation", office="shishi"))  # fmt: skip
    await store.create(case("c-old", now - 60 * 86400, "closed", closed_at=now - 59 * 86400))
    await store.create(case("c-other", now - 600, mmsi=412990099))
    # the case opened from the alert, with no MMSI of its own: found through the alert
    await store.create(case("c-alert", now - 300, "new", mmsi=None, alert_ids=(alert.id,)))
    async with serve([200]) as receiver:
        stage = await handover_once(with_neighbour(demo_config, receiver.url), store, alert)
    assert stage.counters["notices_sent"] == 1
    notice = verify(receiver.requests[0].body, {"qz-centre": KEY.encode()}, time.time())
    summary = notice["case_summary"]
    assert [c["id"] for c in summary["cases"]] == ["c-alert", "c-overdue", "c-closed"]
    assert summary["counts"] == {"open": 2, "overdue": 1, "closed": 1}
    assert summary["period_days"] == 30
    closed = summary["cases"][2]
    assert (closed["status"], closed["office"], closed["outcome"]) == (
        "closed",
        "shishi",
        "violation",
    )
    assert summary["cases"][1]["overdue"] is True and summary["office"] == "quangang"
    assert summary["alerts"][0]["rule"] == "loitering"
    assert "cases: 2 open, 1 overdue, 1 closed" in notice["reason"]


class _BrokenStore:
    async def list(self, query: Any) -> list[Case]:
        del query
        raise ConnectionError("database unreachable")


async def test_handover_notice_goes_without_cases_when_the_store_fails(
    demo_config: SeagridConfig,
) -> None:
    async with serve([200]) as receiver:
        config = with_neighbour(demo_config, receiver.url)
        stage = await handover_once(config, _BrokenStore(), loitering())
    assert stage.counters["notices_sent"] == 1 and stage.counters["case_lookup_failed"] == 1
    notice = verify(receiver.requests[0].body, {"qz-centre": KEY.encode()}, time.time())
    assert notice["case_summary"]["cases_unavailable"] is True
    assert notice["case_summary"]["alerts"][0]["rule"] == "loitering"
