"""The Reports page and the density layer in a real browser against `seagrid serve` on a
PostgreSQL database holding the replayed demo recording."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import REPO, SCREENSHOTS, Screen, _free_port, _wait_healthy
from tests.conftest import PG_ADMIN_URL

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.timeout(400)]

PASSWORD = "report-pass"


@pytest.fixture(scope="module")
def db_server() -> Iterator[str]:
    """`seagrid serve` (not demo) on a filled database, with users `op` and `shishi`."""
    name = f"seagrid_browser_reports_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [sys.executable, "-m", "tests.stats.fill", PG_ADMIN_URL, name],
        cwd=REPO,
        check=True,
        timeout=300,
    )
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = dict(
        os.environ,
        SEAGRID_DATABASE_URL=url,
        SEAGRID_SECRET_KEY="b" * 64,
        SEAGRID_DATABASE__RETENTION_DAYS="0",
    )
    seagrid = [sys.executable, "-m", "services.cli.main"]
    for user, extra in (
        ("op", ["--role", "operator"]),
        ("shishi", ["--role", "office", "--office", "shishi"]),
    ):
        subprocess.run(
            [*seagrid, "user", "add", user, *extra],
            input=PASSWORD,
            text=True,
            env=env,
            check=True,
            cwd=REPO,
            timeout=60,
        )
    port = _free_port()
    process = subprocess.Popen(
        [*seagrid, "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        subprocess.run(
            ["psql", PG_ADMIN_URL, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
            check=False,
            timeout=60,
        )


@pytest.fixture
def page(browser: Any, db_server: str, request: pytest.FixtureRequest) -> Iterator[Screen]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", bypass_csp=True
    )
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # a report takes seconds of CPU to draw
    screen = Screen(tab, db_server, request.node.name)
    try:
        yield screen
    finally:
        context.close()
    assert not screen.errors, screen.errors


def _report_frame(screen: Screen) -> Any:
    screen.page.wait_for_function(
        "document.querySelector('iframe.report-frame')?.contentDocument?.querySelector('h1')"
    )
    return screen.page.frame(name="report")


def test_centre_reports_page_previews_the_jurisdiction(page: Screen) -> None:
    page.login("op", PASSWORD)
    page.page.wait_for_selector("a.reports-open")
    page.page.click("a.reports-open")
    page.page.fill("input[name=end]", "2026-03-02")
    page.page.click("form.report-form button[type=submit]")
    page.page.wait_for_function(
        "document.querySelector('iframe.report-frame')?.contentDocument?.querySelector('#period')?.textContent.includes('2026-03-02')"
    )
    frame = _report_frame(page)
    assert "通航安全形势分析报告" in frame.inner_text("h1")
    assert frame.locator("#traffic-totals").count() == 1
    assert frame.locator("#alert-offices tr").count() > 2  # several offices: the whole jurisdiction
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOTS / "safety-report-centre.png"))
    # English, one office
    page.page.select_option("select[name=office]", "jinjiang")
    page.page.select_option("select[name=report-lang]", "en")
    page.page.click("form.report-form button[type=submit]")
    page.page.wait_for_function(
        "document.querySelector('iframe.report-frame')?.contentDocument?.querySelector('h1')?.textContent.includes('Navigation-safety')"
    )
    with page.page.expect_download() as download:
        page.page.click("button[name=pdf]")
    assert download.value.suggested_filename == "seagrid-jinjiang-week-2026-03-02-en.pdf"


def test_office_user_reports_only_its_office_and_sees_the_density_layer(page: Screen) -> None:
    page.login("shishi", PASSWORD)
    page.page.wait_for_selector(".density-toggle input")
    page.page.wait_for_function("window.seagrid?.mapView?.map?.loaded()")
    # the layer shows the last days by default; the recording is older, so ask for its days
    page.js("window.seagrid.density.days = 300")
    page.page.check(".density-toggle input")
    page.page.wait_for_function(
        "Number(document.querySelector('.density-toggle').dataset.points) > 0"
    )
    visible = page.js("window.seagrid.mapView.map.getLayoutProperty('density-heat', 'visibility')")
    assert visible == "visible"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOTS / "density-layer-office.png"))
    page.page.goto(f"{page.base}/#/reports")
    office = page.page.locator("select[name=office]")
    assert office.is_disabled() and office.input_value() == "shishi"
    page.page.fill("input[name=end]", "2026-03-02")
    page.page.click("form.report-form button[type=submit]")
    page.page.wait_for_function(
        "document.querySelector('iframe.report-frame')?.contentDocument?.querySelector('#period')?.textContent.includes('2026-03-02')"
    )
    frame = _report_frame(page)
    assert "石狮海事处" in frame.inner_text(".sub")
    page.page.screenshot(path=str(SCREENSHOTS / "safety-report-office.png"))
