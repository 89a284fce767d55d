"""Reports on the replayed demo recording: figures equal direct computations from the raw
rows, both languages, an office and the jurisdiction, PDF pages rendered to images, an
empty period, and the command's errors."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import numpy as np
import pytest

from services.core.config import load_config
from services.demo import CONFIG_DIR
from services.reports.period import period_for
from services.reports.render import build_report
from services.stats.alerts import alert_figures
from services.stats.traffic import Area
from services.web.headers import map_policy
from tests.stats.conftest import RECORDING_DAY

pytestmark = pytest.mark.postgres

CONFIG = load_config(CONFIG_DIR)
WEEK = period_for("week", dt.date.fromisoformat(RECORDING_DAY))
TITLES = {"zh-CN": "通航安全形势分析报告", "en": "Navigation-safety situation report"}


@pytest.fixture
async def filled(filled_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(filled_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


async def test_alert_figures_equal_a_direct_computation(filled: asyncpg.Pool) -> None:
    alerts = await filled.fetch("SELECT id, rule, cell, office, status, raised_at FROM alerts")
    changes = await filled.fetch("SELECT alert_id, at, status, actor FROM alert_changes")
    # a person's changes: a predicted entry the pipeline closed itself was acknowledged by nobody
    by_people = [c for c in changes if c["actor"] is not None]
    figures = await alert_figures(filled, Area(WEEK.start, WEEK.end))
    daily = Counter(
        (a["raised_at"].astimezone(dt.timezone(dt.timedelta(hours=8))).date(), a["rule"],
         a["cell"], a["office"])
        for a in alerts
    )  # fmt: skip
    assert {(r["day"], r["rule"], r["cell"], r["office"]): r["alerts"] for r in figures.daily} == (
        daily
    )
    assert figures.total == len(alerts) > 20
    for rule in {a["rule"] for a in alerts}:
        mine = [a for a in alerts if a["rule"] == rule]
        ack = _delays(mine, by_people, {"acknowledged", "resolved", "false_alarm"})
        done = _delays(mine, changes, {"resolved", "false_alarm"})
        row = next(r for r in figures.rules if r["rule"] == rule)
        assert row["alerts"] == len(mine)
        # PostgreSQL's percentile_cont and numpy may differ in the last bit of a float
        assert _same(row["ack_median_s"], _percentile(ack, 50))
        assert _same(row["ack_p90_s"], _percentile(ack, 90))
        assert _same(row["resolve_median_s"], _percentile(done, 50))
        closed = [a for a in mine if a["status"] in ("resolved", "false_alarm")]
        false = [a for a in closed if a["status"] == "false_alarm"]
        assert row["false_alarm_share"] == (len(false) / len(closed) if closed else None)
    assert figures.overall["alerts"] == len(alerts)
    assert any(r["false_alarm_share"] for r in figures.rules)  # the responses made some


def _same(a: float | None, b: float | None) -> bool:
    return a == b or (a is not None and b is not None and abs(a - b) < 1e-6)


def _delays(
    alerts: list[asyncpg.Record], changes: list[asyncpg.Record], states: set[str]
) -> list[float]:
    out = []
    for a in alerts:
        times = [c["at"] for c in changes if c["alert_id"] == a["id"] and c["status"] in states]
        if times:
            out.append((min(times) - a["raised_at"]).total_seconds())
    return out


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


@pytest.mark.parametrize("office", [None, "shishi"])
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_html_report_shows_the_figures(
    filled: asyncpg.Pool, office: str | None, lang: str
) -> None:
    html = (await build_report(filled, CONFIG, WEEK, office, lang, "html")).decode()
    assert TITLES[lang] in html
    assert f"{WEEK.start.isoformat()} – {RECORDING_DAY}" in html
    where = "office IS NOT NULL" if office is None else "office = $1"
    args = [] if office is None else [office]
    vessels = await filled.fetchval(
        f"SELECT count(DISTINCT mmsi) FROM positions WHERE {where}", *args
    )
    hours = await filled.fetchval(
        f"SELECT count(DISTINCT (date_trunc('hour', ts, 'UTC'), mmsi)) FROM positions WHERE {where}",
        *args,
    )
    assert _cell(html, 'data-key="vessels"') == vessels > 10
    assert _cell(html, 'data-key="vessel_hours"') == hours
    alerts = Counter(
        r["rule"] for r in await filled.fetch(f"SELECT rule FROM alerts WHERE {where}", *args)
    )
    for rule, n in alerts.items():
        assert _cell(html, f'data-rule="{rule}"') == n
    serious = await filled.fetchval(
        f"SELECT count(*) FROM alerts WHERE {where} AND (severity = 'critical' OR rule = 'distress')",
        *args,
    )
    assert html.count("data-alert=") == serious > 0
    assert html.count("data:image/png;base64,") >= 4  # trend, types, alerts, times, density
    keeps_cases = await filled.fetchval("SELECT to_regclass('cases')") is not None
    assert ('id="no-cases"' in html) != keeps_cases  # the section says so when there are none
    if office is not None:
        assert 'data-office="jinjiang"' not in html


def _cell(html: str, marker: str) -> int:
    """The first number after `marker` (a row's first numeric cell)."""
    match = re.search(
        re.escape(marker) + r'[^>]*>(?:<td>[^<]*</td>)?(?:<td class="n">)?(\d+)<', html
    )
    assert match, marker
    return int(match.group(1))


@pytest.mark.parametrize(("office", "lang"), [("shishi", "zh-CN"), (None, "en")])
async def test_pdf_report_renders_pages(
    filled: asyncpg.Pool, tmp_path: Path, office: str | None, lang: str
) -> None:
    pdf = await build_report(filled, CONFIG, WEEK, office, lang, "pdf")
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True, timeout=60
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, timeout=60
    ).stdout
    assert TITLES[lang] in text.decode()  # the font is embedded with its characters mapped
    fonts = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, timeout=60
    ).stdout
    assert b"Noto-Sans-CJK-SC" in fonts and b"Serif" not in fonts  # the CSS font, no fallback


def _run(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SEAGRID_DATABASE_URL=url)
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "report", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_an_empty_period_gives_a_report_saying_so(filled_url: str, tmp_path: Path) -> None:
    out = tmp_path / "empty.html"
    done = _run(
        "--period",
        "month",
        "--end",
        "2025-01-31",
        "--format",
        "html",
        "--out",
        str(out),
        url=filled_url,
    )
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert 'id="empty"' in html and "本期无数据" in html
    # the map page's CSP allows exactly this inline stylesheet (the report preview is a blob:)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None and "style=" not in html
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in map_policy(None)
    pdf = tmp_path / "empty.pdf"
    done = _run(
        "--period", "quarter", "--end", "2025-01-31", "--lang", "en", "--format", "pdf",
        "--out", str(pdf), url=filled_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True).stdout
    assert b"No data" in text


def test_command_writes_a_report_and_refuses_bad_input(filled_url: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    ok = _run("--period", "week", "--end", RECORDING_DAY, "--office", "jinjiang", "--lang", "en",
              "--format", "html", "--out", str(out), url=filled_url)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "jinjiang" in out.read_text()
    bad = _run("--period", "week", "--end", RECORDING_DAY, "--office", "nowhere", "--format", "html",
               "--out", str(out), url=filled_url)  # fmt: skip
    assert bad.returncode == 1 and "no office 'nowhere'" in bad.stderr
    bad = _run(
        "--period",
        "week",
        "--end",
        "2026-13-01",
        "--format",
        "html",
        "--out",
        str(out),
        url=filled_url,
    )
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    bad = _run(
        "--period",
        "year",
        "--end",
        RECORDING_DAY,
        "--format",
        "html",
        "--out",
        str(out),
        url=filled_url,
    )
    assert bad.returncode == 2
