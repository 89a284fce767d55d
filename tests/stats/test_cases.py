"""Case figures where a `cases` table exists (its shape as CONTRACTS §8 and the cases
migrations define it), and the report's case section."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.core.config import load_config
from services.core.db import open_database
from services.demo import CONFIG_DIR
from services.reports.period import period_for
from services.reports.render import build_report
from services.stats.cases import case_figures
from services.stats.traffic import Area
from tests.stats.conftest import _admin

pytestmark = pytest.mark.postgres

# The columns these figures read, as the cases migration creates them; IF NOT EXISTS: where
# that migration is present, its table is used as it is.
_CASES = """
CREATE TABLE IF NOT EXISTS cases (
    id text PRIMARY KEY, type text NOT NULL, title text NOT NULL, office text NOT NULL,
    status text NOT NULL, priority text NOT NULL, deadline timestamptz NOT NULL,
    created_at timestamptz NOT NULL, created_by text NOT NULL, updated_at timestamptz NOT NULL,
    outcome text, measures text[] NOT NULL DEFAULT '{}', closed_at timestamptz
)"""
_INSERT = """
INSERT INTO cases (id, type, title, office, status, priority, deadline, created_at, created_by,
                   updated_at, outcome, measures, closed_at)
VALUES ($1, 'inspection', 'check', $2, $3, 'normal', $4, $5, 'op', $5, $6, $7, $8)"""
T = dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)  # 10:00 in Quanzhou
H = dt.timedelta(hours=1)


@pytest.fixture
async def pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    name = f"seagrid_cases_{uuid.uuid4().hex[:8]}"
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    await _admin(admin, f'CREATE DATABASE "{name}"')
    pool = await open_database(pg_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        await pool.execute(_CASES)
        rows = [
            ("c1", "shishi", "closed", T + 2 * H, T, "violation", ["warning", "fine"], T + H),
            ("c2", "shishi", "closed", T + 2 * H, T, "no_violation", [], T + 3 * H),
            ("c3", "shishi", "in_progress", T - 20 * H, T - 240 * H, None, [], None),  # overdue
            ("c4", "jinjiang", "cancelled", T, T, None, [], None),
            ("c5", "jinjiang", "assigned", T + 9999 * H, T, None, [], None),
            ("c6", "shishi", "closed", T - 50 * 24 * H, T - 60 * 24 * H, "violation", ["fine"], T - 50 * 24 * H),
        ]  # fmt: skip
        await pool.executemany(_INSERT, rows)
        yield pool
    finally:
        await pool.close()
        await _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


WEEK = period_for("week", dt.date(2026, 3, 2))


async def test_case_figures_of_an_office_and_the_jurisdiction(pool: asyncpg.Pool) -> None:
    shishi = await case_figures(pool, Area(WEEK.start, WEEK.end, "shishi"))
    assert shishi is not None
    assert (shishi.opened, shishi.closed, shishi.overdue, shishi.open_at_end) == (2, 2, 1, 1)
    assert shishi.close_median_s == 2 * 3600  # closed after 1 h and 3 h
    assert {o["outcome"]: o["cases"] for o in shishi.outcomes} == {
        "violation": 1,
        "no_violation": 1,
    }
    assert shishi.measures == [{"measure": "fine", "cases": 1}, {"measure": "warning", "cases": 1}]
    everyone = await case_figures(pool, Area(WEEK.start, WEEK.end))
    assert everyone is not None
    assert (everyone.opened, everyone.closed, everyone.open_at_end) == (4, 2, 2)
    assert {o["office"]: o["opened"] for o in everyone.offices} == {"jinjiang": 2, "shishi": 2}


async def test_report_case_section(pool: asyncpg.Pool) -> None:
    html = (
        await build_report(pool, load_config(CONFIG_DIR), WEEK, "shishi", "zh-CN", "html")
    ).decode()
    assert 'id="case-totals"' in html and 'id="no-cases"' not in html
    assert 'data-key="opened">2<' in html and 'data-key="overdue">1<' in html
    assert "有违法行为" in html or "data:image/png" in html
    assert "本期新立案件2件，办结2件，超期未办结1件。" in html


async def test_a_cases_table_of_another_shape_is_no_case_figures(pool: asyncpg.Pool) -> None:
    await pool.execute("ALTER TABLE cases RENAME COLUMN closed_at TO finished_at")
    assert await case_figures(pool, Area(WEEK.start, WEEK.end)) is None
