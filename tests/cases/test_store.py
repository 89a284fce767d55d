"""Both case stores (PostgreSQL and memory) against the same expectations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.cases.config import CasePolicy
from services.cases.model import (
    Action,
    CaseInputError,
    CaseNotFound,
    Instruction,
    InvalidCaseTransition,
    Report,
)
from services.cases.store import PgCaseStore
from services.cases.store_api import CaseQuery, CaseStore
from tests.cases.fixtures import STORES, T0, make_case, open_store, pg_pool


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[CaseStore]:
    async with open_store(request.param, pg_url) as s:
        yield s


def instruction(case_id: str = "C-1", iid: str = "I-1", to: str = "patrol:413990604", **kw):
    values = {"deadline": T0 + 600, "created_at": T0 + 10, "by": "op"}
    values.update(kw)
    return Instruction(iid, case_id, to, "go and look", **values)  # type: ignore[arg-type]


def report(rid: str = "r1", case_id: str = "C-1", **kw) -> Report:
    values = {"actor": "crew", "at": T0 + 100, "received_at": T0 + 120, "outcome": "violation"}
    values.update(kw)
    return Report(rid, case_id, measures=("fine",), lat=24.7, lon=118.6, **values)  # type: ignore[arg-type]


async def test_create_get_detail_and_history(store: CaseStore) -> None:
    case = make_case(area={"type": "Point", "coordinates": [118.7, 24.7]}, alert_ids=("a1",))
    await store.create(case, "opened")
    assert await store.get("C-1") == case
    detail = await store.detail("C-1")
    assert detail is not None and detail.case == case
    assert [(h.change, h.actor, h.note) for h in detail.history] == [("created", "op", "opened")]
    assert await store.get("nope") is None and await store.detail("nope") is None
    with pytest.raises(CaseInputError):
        await store.create(case)


async def test_transitions_record_history_and_refuse_invalid(store: CaseStore) -> None:
    await store.create(make_case())
    await store.act("C-1", Action.ASSIGN, "shishi", T0 + 1, "boat", patrol_mmsi=413990604)
    await store.act("C-1", Action.START, "shishi", T0 + 2)
    await store.act("C-1", Action.CLOSE, "shishi", T0 + 3, "done", outcome="no_violation")
    with pytest.raises(InvalidCaseTransition, match="allowed now: reopen, report"):
        await store.act("C-1", Action.CLOSE, "shishi", T0 + 4, "again")
    with pytest.raises(CaseNotFound):
        await store.act("C-9", Action.START, "shishi", T0 + 4)
    case = await store.act("C-1", Action.REOPEN, "sup", T0 + 5, "new evidence")
    assert case.status == "assigned" and case.closed_at is None
    detail = await store.detail("C-1")
    assert detail is not None
    assert [h.change for h in detail.history] == [
        "created",
        "assigned",
        "started",
        "closed",
        "reopened",
    ]
    assert [h.status for h in detail.history] == [
        "new",
        "assigned",
        "in_progress",
        "closed",
        "assigned",
    ]


async def test_instruction_acknowledged_once_moves_the_case(store: CaseStore) -> None:
    await store.create(make_case(status="assigned", patrol_mmsi=413990604))
    case = await store.instruct(instruction())
    assert case.instructed == ("patrol:413990604",)
    first = await store.acknowledge("I-1", "crew", T0 + 60)
    assert first.changed and first.instruction.acknowledged_by == "crew"
    assert first.case.status == "acknowledged"
    again = await store.acknowledge("I-1", "crew2", T0 + 90)
    assert not again.changed and again.instruction.acknowledged_at == T0 + 60
    with pytest.raises(CaseNotFound):
        await store.acknowledge("I-9", "crew", T0)
    detail = await store.detail("C-1")
    assert detail is not None
    assert [h.change for h in detail.history].count("instruction_acknowledged") == 1
    assert await store.instructions(pending=True) == []
    assert [i.id for i in await store.instructions(receivers=["patrol:413990604"])] == ["I-1"]


async def test_instruction_on_a_closed_case_writes_nothing(store: CaseStore) -> None:
    await store.create(make_case(status="closed", closed_at=T0))
    with pytest.raises(InvalidCaseTransition):
        await store.instruct(instruction())
    assert await store.get_instruction("I-1") is None
    detail = await store.detail("C-1")
    assert detail is not None and len(detail.history) == 1


async def test_reports_are_idempotent_on_report_id(store: CaseStore) -> None:
    await store.create(make_case())
    await store.create(make_case(id="C-2"))
    first = await store.report(report(patrol_mmsi=413990604))
    assert not first.duplicate and first.case.status == "reported"
    assert first.case.outcome == "violation" and first.case.measures == ("fine",)
    again = await store.report(report(patrol_mmsi=413990604, received_at=T0 + 999))
    assert again.duplicate and again.report.received_at == T0 + 120
    with pytest.raises(CaseInputError, match="used for case C-1"):
        await store.report(report(case_id="C-2"))
    detail = await store.detail("C-1")
    assert detail is not None and len(detail.reports) == 1
    assert [h.change for h in detail.history] == ["created", "reported"]
    assert (await store.last_reports([413990604]))[413990604].report_id == "r1"


async def test_report_on_a_closed_case_is_kept(store: CaseStore) -> None:
    await store.create(make_case(status="closed", closed_at=T0))
    result = await store.report(report())
    assert not result.duplicate and result.case.status == "closed"


async def test_list_filters_and_order(store: CaseStore) -> None:
    await store.create(make_case(id="A", deadline=T0 + 50))
    await store.create(make_case(id="B", deadline=T0 + 10, office="huian"))
    await store.create(make_case(id="C", deadline=T0 + 5, status="closed", closed_at=T0))
    await store.create(
        make_case(id="D", deadline=T0 + 500, patrol_mmsi=413990604, status="assigned")
    )
    await store.create(make_case(id="E", deadline=T0 + 600, mmsi=999))
    await store.instruct(instruction("E", "I-E"))
    ids = lambda cases: [c.id for c in cases]  # noqa: E731
    assert ids(await store.list(CaseQuery())) == ["B", "A", "D", "E", "C"]
    assert ids(await store.list(CaseQuery(office="shishi", status=("new",)))) == ["A", "E"]
    assert ids(await store.list(CaseQuery(overdue_at=T0 + 60))) == ["B", "A"]
    assert ids(await store.list(CaseQuery(patrol_mmsi=413990604))) == ["D", "E"]
    assert ids(await store.list(CaseQuery(mmsi=999))) == ["E"]
    await store.act("A", Action.LINK, "op", T0, None, alert_ids=["x1", "x2"])
    await store.act("B", Action.LINK, "op", T0, None, alert_ids=["x2"])
    # x2 is in both: the newer case wins (same creation time: the greater id)
    assert await store.cases_of_alerts(["x1", "x2", "x3"]) == {"x1": "A", "x2": "B"}


async def test_sweep_escalates_each_level_once(store: CaseStore) -> None:
    policy = CasePolicy()  # critical: office at the deadline, centre +5 min, province +15
    await store.create(make_case(id="K", priority="critical", deadline=T0 + 600))
    await store.create(make_case(id="N", priority="normal", deadline=T0 + 600))
    await store.instruct(instruction("N", "I-N", deadline=T0 + 300))
    assert await store.sweep(T0 + 299, policy) == []
    done = await store.sweep(T0 + 300, policy)
    assert [(e.case.id, e.level, e.instruction.id if e.instruction else None) for e in done] == [
        ("N", "office", "I-N")
    ]
    done = await store.sweep(T0 + 600 + 5 * 60, policy)
    got = sorted((e.case.id, e.level, bool(e.instruction)) for e in done)
    assert got == [("K", "centre", False), ("K", "office", False), ("N", "office", False)]
    assert await store.sweep(T0 + 600 + 5 * 60, policy) == []
    done = await store.sweep(T0 + 600 + 15 * 60, policy)
    assert sorted((e.case.id, e.level) for e in done) == [("K", "provincial")]
    k = await store.get("K")
    assert k is not None and k.escalated_to == ("office", "centre", "provincial")
    detail = await store.detail("K")
    assert detail is not None
    notes = [h.note for h in detail.history if h.change == "escalated"]
    assert notes == [
        "to office: case 5 min past its deadline",
        "to centre: case 5 min past its deadline",
        "to provincial: case 15 min past its deadline",
    ]


@pytest.mark.postgres
async def test_history_and_reports_are_append_only(pg_url: str) -> None:
    async with pg_pool(pg_url) as pool:
        store = PgCaseStore(pool)
        await store.create(make_case())
        await store.report(report())
        for sql in (
            "UPDATE case_history SET note = 'rewritten'",
            "DELETE FROM case_history",
            "TRUNCATE case_history",
            "UPDATE case_reports SET note = 'rewritten'",
            "DELETE FROM case_reports",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await pool.execute(sql)
        detail = await store.detail("C-1")
        assert detail is not None and [h.change for h in detail.history] == ["created", "reported"]


@pytest.mark.postgres
async def test_sweep_state_survives_a_new_store(pg_url: str) -> None:
    """A restarted process (a new pool and store) does not escalate again."""
    policy = CasePolicy()
    async with pg_pool(pg_url) as pool:
        await PgCaseStore(pool).create(make_case(priority="high", deadline=T0))
        assert [e.level for e in await PgCaseStore(pool).sweep(T0 + 1, policy)] == ["office"]
    from services.core import db

    pool2 = await db.connect(pg_url)
    try:
        again = PgCaseStore(pool2)
        assert await again.sweep(T0 + 2, policy) == []
        assert [e.level for e in await again.sweep(T0 + 15 * 60, policy)] == ["centre"]
    finally:
        await pool2.close()
