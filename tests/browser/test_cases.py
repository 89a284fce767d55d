"""The command loop in a real browser against `seagrid serve --demo`, in zh-CN and English:
a case opened from an alert in the console, a patrol boat instructed, the crew acknowledging
and reporting from the tablet while offline (sent once when back online), the office closing
it with a reason; an incident entered on the map; overdue cases standing out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Screen, api_get, token

pytestmark = pytest.mark.browser

BOAT = 413990601  # the demo's `patrol` user crews this boat (quangang)
CENTRE = "qz-centre"
TEXT = {
    "zh-CN": {"close": "结案", "instruct": "下达指令", "board": "案件", "ack": "确认指令"},
    "en": {"close": "Close", "instruct": "Instruct", "board": "Cases", "ack": "Acknowledge"},
}


def api_post(base: str, user: str, path: str, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token(base, user)}"}
    response = httpx.post(f"{base}/api/{path}", json=body, headers=headers, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def tab(browser: Any, server: str) -> Iterator[Any]:
    """Open more tabs, each its own browser context (own storage), in a chosen language."""
    opened: list[tuple[Any, Screen]] = []

    def open_tab(name: str, lang: str, size: dict[str, int] | None = None) -> Screen:
        # 1280x800: each live map renders in software WebGL; smaller is kinder to a busy machine
        context = browser.new_context(
            viewport=size or {"width": 1280, "height": 800}, locale=lang, bypass_csp=True
        )
        context.add_init_script(f"localStorage.setItem('seagrid.lang', '{lang}')")
        page = context.new_page()
        page.set_default_timeout(45_000)
        screen = Screen(page, server, f"cases-{name}-{lang}")
        opened.append((context, screen))
        return screen

    yield open_tab
    for context, screen in opened:
        if not screen.page.is_closed():
            screen.shot()
        context.close()
    errors = [e for _, s in opened for e in s.errors]
    assert not errors, f"errors in the page: {errors}"


def _alert_without_case(screen: Screen, timeout_ms: float = 120_000) -> dict[str, Any]:
    """An open alert of an office (not the centre) that no open case links yet; not the
    distress alert, for which the demo opens an emergency case by itself."""
    found = """(centre) => {
      const desk = window.seagrid?.desk;
      if (!desk) return null;
      return window.seagrid.panel.visible().find(a => a.status === 'open' && a.office !== centre
        && a.rule !== 'distress'
        && document.querySelector(`.alert-item[data-id="${a.id}"] button[data-action=open-case]`)) || null;
    }"""
    handle = screen.page.wait_for_function(found, arg=CENTRE, timeout=timeout_ms)
    return dict(handle.json_value())


@pytest.mark.timeout(420)  # the demo raises its first alerts about a minute after start
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_case_from_alert_instructed_acknowledged_reported_offline_and_closed(
    tab: Any, server: str, lang: str
) -> None:
    words = TEXT[lang]
    # 1. the console: one click on an alert opens a case that inherits it
    console = tab("console", lang)
    console.login("operator")
    console.wait_vessels(timeout_ms=60_000)
    alert = _alert_without_case(console)
    item = console.page.locator(f".alert-item[data-id='{alert['id']}']")
    item.locator("button[data-action=open-case]").click()
    panel = console.page.locator(".case-panel")
    panel.wait_for(state="visible")
    console.page.wait_for_function("document.querySelector('.case-panel').dataset.id")
    case_id = panel.get_attribute("data-id")
    case = api_get(server, "operator", f"cases/{case_id}")
    assert case["alert_ids"] == [alert["id"]]
    assert (case["office"], case["mmsi"], case["status"]) == (alert["office"], alert["mmsi"], "new")
    assert case["lat"] == pytest.approx(alert["lat"]) and case["lon"] == pytest.approx(alert["lon"])
    item.locator(f".case-link[data-case='{case_id}']").wait_for()  # the alert shows its case
    assert console.page.locator(f".case-item[data-id='{case_id}']").count() == 1
    assert words["board"] in console.page.locator("#cases-title").inner_text()

    # 2. instruct the patrol boat (the centre may instruct any boat)
    panel.locator("button[data-action=instruct]").click()
    dialog = console.page.locator("dialog.case-dialog")
    assert words["instruct"] in dialog.locator("h2").inner_text()
    dialog.locator("select[name=to]").select_option(f"patrol:{BOAT}")
    dialog.locator("textarea[name=text]").fill(f"check the vessel ({lang})")
    dialog.locator("button[data-action=submit]").click()
    dialog.wait_for(state="detached")
    waiting = panel.locator(".instruction[data-acked='']")
    waiting.wait_for()
    assert waiting.locator(".waiting").count() == 1  # "not acknowledged for ..."
    console.page.locator(f".case-item[data-id='{case_id}'][data-awaiting='1']").wait_for()

    # 3. the tablet: the task is there; acknowledge and report while offline
    tablet = tab("tablet", lang, {"width": 1280, "height": 800})
    tablet.login("patrol")
    tablet.wait_vessels(timeout_ms=60_000)
    card = tablet.page.locator(f".case-tasks li.task[data-id='{case_id}']")
    card.wait_for()
    ack = card.locator("button[data-action=ack-instruction]")
    assert ack.inner_text() == words["ack"]
    for button in card.locator("button").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 48  # gloves
    tablet.page.context.set_offline(True)
    ack.click()
    tablet.page.locator(
        f".case-tasks li.task[data-id='{case_id}'] button[data-report=violation]"
    ).click()
    outbox = tablet.js("JSON.parse(localStorage.getItem('seagrid.outbox'))")
    assert [bool(e.get("instruction")) for e in outbox] == [True, False]
    assert tablet.js("window.seagrid.queue.flush()") == 0  # nothing can go out
    detail = api_get(server, "operator", f"cases/{case_id}")
    assert detail["reports"] == [] and detail["instructions"][0]["acknowledged_at"] is None
    tablet.page.context.set_offline(False)
    tablet.page.wait_for_function(
        "JSON.parse(localStorage.getItem('seagrid.outbox') || '[]').length === 0", timeout=30_000
    )
    detail = api_get(server, "operator", f"cases/{case_id}")
    assert detail["instructions"][0]["acknowledged_by"] == "patrol"
    assert [r["outcome"] for r in detail["reports"]] == ["violation"]
    assert detail["status"] == "reported"
    # the same outbox entry sent again (an answer lost on the way) is stored once
    tablet.js("(e) => localStorage.setItem('seagrid.outbox', JSON.stringify([e]))", outbox[1])
    tablet.js("window.seagrid.queue.flush()")
    tablet.page.wait_for_function("JSON.parse(localStorage.getItem('seagrid.outbox')).length === 0")
    assert tablet.js("window.seagrid.queue.refused.length") == 0  # accepted (as a duplicate)
    assert len(api_get(server, "operator", f"cases/{case_id}")["reports"]) == 1

    tablet.shot()
    tablet.page.close()  # three live maps in software WebGL would starve the next steps

    # the console follows by the pushes: acknowledged, report shown
    panel.locator(".instruction[data-acked='1']").wait_for()
    panel.locator(".report[data-outcome=violation]").wait_for()
    console.shot()
    console.page.close()

    # 4. the office closes it; a reason is required
    office = tab("office", lang)
    office.login(alert["office"])  # (an office's waters may hold few vessels: no wait for them)
    office.page.locator(f".case-item[data-id='{case_id}']").click(timeout=30_000)
    office_panel = office.page.locator(".case-panel")
    close = office_panel.locator("button[data-action=close]")
    close.wait_for()
    assert close.inner_text() == words["close"]
    close.click()
    form = office.page.locator("dialog.case-dialog")
    reason = form.locator("textarea[name=reason]")
    assert reason.evaluate("e => e.required && !e.form.checkValidity()")  # empty: refused
    reason.fill("   ")  # blank: refused with a message, nothing sent
    form.locator("button[data-action=submit]").click()
    form.locator("p.error").wait_for()
    assert form.locator("p.error").inner_text()
    assert api_get(server, "operator", f"cases/{case_id}")["status"] == "reported"
    form.locator("textarea[name=reason]").fill("dealt with on scene")
    form.locator("button[data-action=submit]").click()
    form.wait_for(state="detached")
    office.page.wait_for_selector(".case-panel[data-status=closed]")
    closed = api_get(server, "operator", f"cases/{case_id}")
    assert (closed["status"], closed["close_reason"]) == ("closed", "dealt with on scene")
    assert closed["outcome"] == "violation"  # kept from the report for the vessel's record
    office_panel.locator("button[data-action=reopen]").wait_for()


def test_incident_entered_on_the_map_opens_an_emergency_case(tab: Any, server: str) -> None:
    console = tab("incident", "zh-CN")
    console.login("operator")
    console.wait_vessels(timeout_ms=60_000)
    page = console.page
    page.click("button[data-action=case-incident]")
    dialog = page.locator("dialog.case-dialog")
    dialog.locator("select[name=kind]").select_option("fire")
    dialog.locator("button[data-action=pick-on-map]").click()
    hint = page.locator(".map-hint")
    hint.wait_for()
    box = page.locator(".map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.55)
    dialog.wait_for(state="visible")
    lat = float(dialog.locator("input[name=lat]").input_value())
    lon = float(dialog.locator("input[name=lon]").input_value())
    dialog.locator("input[name=radius_nm]").fill("4")
    dialog.locator("button[data-action=submit]").click()
    panel = page.locator(".case-panel .emergency")
    panel.wait_for()
    case_id = page.locator(".case-panel").get_attribute("data-id")
    case = api_get(server, "operator", f"cases/{case_id}")
    assert (case["type"], case["priority"]) == ("search_rescue", "critical")
    assert case["lat"] == pytest.approx(lat, abs=1e-4) and case["lon"] == pytest.approx(
        lon, abs=1e-4
    )
    assert case["incident"]["kind"] == "fire" and case["incident"]["radius_nm"] == 4
    rows = panel.locator("table.assist").first.locator("tr[data-mmsi]")
    rows.first.wait_for()
    assert rows.count() >= 1
    assert panel.locator("tr[data-patrol='1']").count() >= 1  # patrol boats at any distance
    ring = "window.seagrid.mapView.map.querySourceFeatures('case-ring').length > 0"
    page.wait_for_function(ring)
    page.wait_for_function(
        "([lon, lat]) => { const c = window.seagrid.mapView.map.getCenter();"
        " return Math.abs(c.lng - lon) < 0.01 && Math.abs(c.lat - lat) < 0.01; }",
        arg=[lon, lat],
    )  # the map centres on the incident
    # a patrol boat of the assistance list is instructed from the panel: tracked like any other
    panel.locator("tr[data-patrol='1'] button[data-action=instruct-assist]").first.click()
    page.locator("dialog.case-dialog button[data-action=submit]").click()
    page.locator(".case-panel .instruction[data-acked='']").wait_for()
    assert len(api_get(server, "operator", f"cases/{case_id}")["instructions"]) == 1


def test_overdue_cases_stand_out(tab: Any, server: str) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=4)).isoformat().replace("+00:00", "Z")
    case = api_post(
        server, "operator", "cases",
        {"type": "inspection", "title": "overdue check", "office": "shishi", "deadline": soon},
    )  # fmt: skip
    console = tab("overdue", "en")
    console.login("operator")
    console.wait_vessels(timeout_ms=60_000)
    item = console.page.locator(f".case-item[data-id='{case['id']}']")
    item.wait_for()
    console.page.wait_for_selector(
        f".case-item[data-id='{case['id']}'][data-overdue='1']", timeout=15_000
    )
    assert item.locator(".badge.overdue").inner_text() == "OVERDUE"
    background = item.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(255, 245, 245)"
    console.page.click("button.chip[data-view=overdue]")
    ids = console.js("[...document.querySelectorAll('.case-item')].map(e => e.dataset.id)")
    assert case["id"] in ids
    assert all(c["overdue"] for c in api_get(server, "operator", "cases", overdue="true")["items"])
    console.page.locator(f".case-item[data-id='{case['id']}']").click()
    console.page.wait_for_selector(".case-panel[data-overdue='1']")
