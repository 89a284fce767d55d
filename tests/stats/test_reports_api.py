"""GET /api/reports and GET /api/stats/density: who may fetch what, formats, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.core.config import load_config
from services.demo import CONFIG_DIR
from tests.stats.conftest import RECORDING_DAY
from tests.web.conftest import Env, start_env

pytestmark = pytest.mark.postgres

CONFIG = load_config(CONFIG_DIR)
SLOW = 120.0  # rendering takes seconds of CPU, more on a loaded machine
WEEK = {"period": "week", "end": RECORDING_DAY}


@pytest.fixture
async def api(filled_url: str) -> AsyncIterator[Env]:
    pool = await asyncpg.create_pool(filled_url, min_size=1, max_size=4)
    try:
        async for env in start_env(CONFIG, database=pool):
            env.http.timeout = httpx.Timeout(SLOW)
            yield env
    finally:
        await pool.close()


async def test_office_users_get_only_their_own_office(api: Env) -> None:
    other = await api.http.get(
        "/api/reports", params={**WEEK, "office": "jinjiang"}, headers=api.auth("shishi")
    )
    assert other.status_code == 403
    whole = await api.http.get("/api/reports", params=WEEK, headers=api.auth("crew"))
    assert whole.status_code == 200  # a patrol crew's default is its own office...
    assert "石狮海事处 · 周报" in whole.text and 'data-office="jinjiang"' not in whole.text
    own = await api.http.get(
        "/api/reports",
        params={**WEEK, "office": "shishi", "lang": "en"},
        headers=api.auth("shishi"),
    )
    assert own.status_code == 200 and own.headers["content-type"].startswith("text/html")
    assert "Navigation-safety situation report" in own.text


async def test_centre_users_get_the_jurisdiction_or_any_office_as_pdf(api: Env) -> None:
    whole = await api.http.get("/api/reports", params=WEEK, headers=api.auth("op"))
    assert whole.status_code == 200 and "全辖区 · 周报" in whole.text
    assert 'data-office="jinjiang"' in whole.text
    pdf = await api.http.get(
        "/api/reports",
        params={**WEEK, "office": "jinjiang", "format": "pdf"},
        headers=api.auth("sup"),
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "seagrid-report-jinjiang-week-2026-03-02-zh-CN.pdf" in pdf.headers["content-disposition"]


async def test_bad_requests(api: Env) -> None:
    op = api.auth("op")
    assert (await api.http.get("/api/reports", params=WEEK)).status_code == 401
    for params, status in (
        ({**WEEK, "office": "nowhere"}, 404),
        ({"period": "year", "end": RECORDING_DAY}, 422),
        ({"period": "week", "end": "2026-02-30"}, 422),
        ({**WEEK, "lang": "fr"}, 422),
        ({**WEEK, "format": "docx"}, 422),
        ({"period": "week"}, 422),
    ):
        reply = await api.http.get("/api/reports", params=params, headers=op)
        assert reply.status_code == status, (params, reply.text)


async def test_density_layer_is_limited_to_an_office_s_waters(api: Env) -> None:
    days = {"since": "2026-03-01", "until": "2026-03-03"}
    centre = await api.http.get("/api/stats/density", params=days, headers=api.auth("op"))
    office = await api.http.get("/api/stats/density", params=days, headers=api.auth("shishi"))
    assert centre.status_code == office.status_code == 200
    whole, own = centre.json(), office.json()
    total = sum(f["properties"]["n"] for f in whole["features"])
    stored = await api.runtime.database.fetchval(
        "SELECT count(*) FROM positions WHERE cell IS NOT NULL"
    )
    assert total == stored  # every report inside the jurisdiction, in one square each
    assert 0 < len(own["features"]) < len(whole["features"])
    empty = await api.http.get(
        "/api/stats/density",
        params={"since": "2025-01-01", "until": "2025-01-08"},
        headers=api.auth("op"),
    )
    assert empty.json()["features"] == []
    bad = await api.http.get(
        "/api/stats/density",
        params={"since": "2026-03-03", "until": "2026-03-01"},
        headers=api.auth("op"),
    )
    assert bad.status_code == 422
    assert (await api.http.get("/api/stats/density", params=days)).status_code == 401


async def test_without_a_database_reports_are_unavailable() -> None:
    async for env in start_env(CONFIG):
        reply = await env.http.get("/api/reports", params=WEEK, headers=env.auth("op"))
        assert reply.status_code == 503 and "PostgreSQL" in reply.text
