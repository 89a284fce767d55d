"""Alerts an operator can act on, in a real browser against `seagrid serve --demo`: the
figures behind each alert, ended situations, escalation, names, reasoned closing with undo,
buttons by role, and the views each role is kept to. Both languages."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import Screen, api_get

pytestmark = pytest.mark.browser

T = "2026-12-03T06:56:00Z"


def _alert(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "test-alert", "rule": "speeding", "mmsi": 412555001, "other_mmsi": None,
        "zone": "rs-xiaozhui", "cell": "SS-02", "office": "shishi", "severity": "warning",
        "status": "open", "raised_at": T, "cleared_at": None, "lat": 24.85, "lon": 118.78,
        "details": {"speed_kn": 16.5, "limit_kn": 12.0}, "escalated_to": [],
    }  # fmt: skip
    base.update(fields)
    return base


def _card(screen: Screen, alert: dict[str, Any]) -> Any:
    screen.js("a => window.seagrid.panel.push(a, {change: 'raised'})", alert)
    card = screen.page.locator(f".alert-item[data-id='{alert['id']}']")
    card.wait_for()
    return card


def _switch(screen: Screen, lang: str) -> None:
    screen.page.select_option("select.lang", lang)
    screen.page.wait_for_function("l => document.documentElement.lang === l", arg=lang)


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("zh-CN", ["航速 16.5 节，限速 12.0 节", "小坠岛周边禁航区", "CPA 0.12 海里", "预计 4 分钟 后进入", "已失联"]),
        ("en", ["SOG 16.5 kn, limit 12.0 kn", "Xiaozhui island restricted area", "CPA 0.12 nm", "ETA 4 min to", "dark for"]),
    ],
)  # fmt: skip
def test_cards_show_the_figures_and_names_behind_each_alert(
    screen: Screen, lang: str, texts: list[str]
) -> None:
    screen.login("operator")
    screen.wait_vessels(30_000)
    _switch(screen, lang)
    speeding = _card(screen, _alert(id="t-speed"))
    pair = _card(screen, _alert(
        id="t-cq", rule="close_quarters", zone=None, other_mmsi=412555002, severity="critical",
        name="MIN SHI YU 06107", other_name="AN JI 142",
        details={"cpa_nm": 0.12, "tcpa_s": 200, "cpa_limit_nm": 0.5, "tcpa_limit_s": 600},
    ))  # fmt: skip
    predicted = _card(
        screen, _alert(id="t-eta", rule="predicted_entry", severity="info", details={"eta_s": 240})
    )
    dark = _card(screen, _alert(
        id="t-gap", rule="ais_gap", zone=None, details={
            "last_report": time.time() - 754, "silent_s": 600, "last_speed": 8.5, "last_course": 47.0}
    ))  # fmt: skip
    speed_text = speeding.inner_text()
    assert texts[0] in speed_text and texts[1] in speed_text
    assert "rs-xiaozhui" not in speed_text  # the configured name, never the raw id
    pair_text = pair.inner_text()
    assert "MIN SHI YU 06107 (412555001)" in pair_text and "AN JI 142 (412555002)" in pair_text
    assert texts[2] in pair_text
    assert texts[3] in predicted.inner_text() and texts[1] in predicted.inner_text()
    dark_text = dark.inner_text()
    assert texts[4] in dark_text and "12" in dark_text  # dark for 12 min
    assert ("8.5" in dark_text) and ("47°" in dark_text)  # last known speed and course


@pytest.mark.parametrize(("lang", "ended", "escalated"), [("zh-CN", "情况解除", "已上报指挥中心"), ("en", "Situation ended", "Escalated to the centre")])  # fmt: skip
def test_an_ended_situation_shows_as_ended_without_a_ring_and_escalation_shows(
    screen: Screen, lang: str, ended: str, escalated: str
) -> None:
    screen.login("operator")
    screen.wait_vessels(30_000)
    _switch(screen, lang)
    live = _card(screen, _alert(id="t-live", mmsi=412555003))
    gone = _card(screen, _alert(id="t-gone", cleared_at=T, escalated_to=["centre"]))
    assert ended in gone.inner_text() and escalated in gone.inner_text()
    assert ended not in live.inner_text() and escalated not in live.inner_text()
    rings = screen.js(
        """async () => (await import('./src/overlays.js'))
          .alertFeatures(window.seagrid.panel.visible()).features.map(f => f.properties.id)"""
    )
    assert "t-live" in rings and "t-gone" not in rings  # no ring where the ships no longer are


def test_names_are_on_the_cards_right_after_login(screen: Screen) -> None:
    deadline = time.monotonic() + 120
    named: list[dict[str, Any]] = []
    while not named and time.monotonic() < deadline:  # the demo raises alerts on named ships
        items = api_get(screen.base, "operator", "alerts", status="open", limit=500)["items"]
        named = [a for a in items if a.get("name")]
        time.sleep(2)
    assert named, "the demo raised no alert on a vessel with a name"
    screen.login("operator")
    card = screen.page.locator(f".alert-item[data-id='{named[0]['id']}'] .vessel")
    card.wait_for(timeout=15_000)
    assert named[0]["name"] in card.inner_text()  # at once, not after the map heard of it


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_resolve_asks_a_reason_and_can_be_undone_then_is_recorded(
    screen: Screen, lang: str
) -> None:
    screen.login("operator")
    screen.wait_vessels(30_000)
    _switch(screen, lang)
    page = screen.page
    item = page.locator(".alert-item[data-status=open]").first
    item.wait_for(timeout=60_000)
    alert_id = item.get_attribute("data-id")
    card = page.locator(f".alert-item[data-id='{alert_id}']")
    screen.js("window.seagrid.panel.held.delay = 20_000")  # the minute, shortened for the test
    card.locator("button[data-action=resolve]").click()
    dialog = page.locator("dialog.close-dialog")
    dialog.wait_for()
    assert dialog.locator("input[name=reason]").count() >= 3
    dialog.locator("button[data-role=cancel]").click()  # cancelled: nothing held, nothing sent
    assert card.get_attribute("data-held") == ""
    card.locator("button[data-action=resolve]").click()
    dialog.locator("input[name=reason]").nth(1).check()
    dialog.locator("textarea[name=note]").fill("VHF 16")
    dialog.locator("button[data-role=confirm]").click()
    page.wait_for_function(
        "id => document.querySelector(`.alert-item[data-id='${id}']`).dataset.held === 'resolve'",
        arg=alert_id,
    )
    card.locator("button[data-action=undo]").click()
    assert card.get_attribute("data-held") == ""
    page.wait_for_timeout(1000)
    assert api_get(screen.base, "operator", f"alerts/{alert_id}")["status"] == "open"
    screen.js("window.seagrid.panel.held.delay = 2000")
    card.locator("button[data-action=resolve]").click()
    dialog.locator("input[name=reason]").nth(1).check()
    dialog.locator("textarea[name=note]").fill("VHF 16")
    dialog.locator("button[data-role=confirm]").click()
    deadline = time.monotonic() + 10
    while api_get(screen.base, "operator", f"alerts/{alert_id}")["status"] != "resolved":
        assert time.monotonic() < deadline, "the held close was not sent after its delay"
        time.sleep(0.3)
    history = api_get(screen.base, "operator", f"alerts/{alert_id}/history")
    [resolved] = [r for r in history if r["change"] == "resolved"]
    assert resolved["note"].endswith("VHF 16") and len(resolved["note"]) > len("VHF 16")
    assert [r for r in history if r["change"] == "updated"] == []  # no per-minute rows


def test_office_users_get_only_the_buttons_they_may_use_and_their_own_view(screen: Screen) -> None:
    screen.login("shishi")
    screen.wait_vessels(30_000)
    page = screen.page
    page.wait_for_function("window.seagrid.panel.list.all().length > 0", timeout=60_000)
    assert page.locator(".alert-item button[data-action=silence]").count() == 0
    assert page.locator(".alert-item button[data-action=resolve]").count() > 0
    page.evaluate("location.hash = '#/console'")  # kept to the office view
    page.wait_for_function("location.hash === '#/office'")
    page.wait_for_selector(".office-header h2")
    assert page.locator("section.counts").count() == 0
    assert page.locator(".office-header h2").inner_text() == "石狮海事处"
    _switch(screen, "en")
    assert page.locator(".office-header h2").inner_text() == "Shishi Maritime Office"


def test_a_refused_action_says_why(screen: Screen) -> None:
    screen.login("shishi")
    screen.wait_vessels(30_000)
    page = screen.page
    # silence is for the centre: the office's button is gone, a direct request is refused
    screen.js(
        "window.seagrid.panel.send({id: 'x', mmsi: 1, rule: 'speeding'}, {request: () => ['silences', {mmsi: 1, start: 0, end: 1}]})"
    )
    toast = page.locator(".toast")
    toast.wait_for()
    assert toast.inner_text().startswith("无权执行")


def test_operator_sees_silence_and_the_centre_console(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels(30_000)
    screen.page.locator(".alert-item[data-status=open]").first.wait_for(timeout=60_000)
    assert screen.page.locator(".alert-item button[data-action=silence]").count() > 0
    assert screen.page.url.endswith("#/console")


@pytest.mark.parametrize(("lang", "word"), [("zh-CN", "确认"), ("en", "acknowledged")])
def test_acknowledgement_is_recorded_by_the_server_and_shown_after_a_reload(
    screen: Screen, lang: str, word: str
) -> None:
    """Who acknowledged and when is the server's record: the card shows it, a reload (or
    another screen) shows the same, and the API carries it for the statistics."""
    screen.login("operator")
    screen.wait_vessels(30_000)
    _switch(screen, lang)
    page = screen.page
    item = page.locator(".alert-item[data-status=open]").first
    item.wait_for(timeout=60_000)
    alert_id = item.get_attribute("data-id")
    card = page.locator(f".alert-item[data-id='{alert_id}']")
    card.locator("button[data-action=ack]").click()
    deadline = time.monotonic() + 10
    record = api_get(screen.base, "operator", f"alerts/{alert_id}")
    while record["status"] != "acknowledged":
        assert time.monotonic() < deadline, "the acknowledgement was not stored"
        time.sleep(0.3)
        record = api_get(screen.base, "operator", f"alerts/{alert_id}")
    assert record["acknowledged_by"] == "operator" and record["acknowledged_at"].endswith("Z")
    acked = time.strftime("%H:%M", time.localtime(_unix(record["acknowledged_at"])))
    page.wait_for_function(
        "id => document.querySelector(`.alert-item[data-id='${id}']`)?.dataset.status === 'acknowledged'",
        arg=alert_id,
    )
    for attempt in range(2):  # as pushed, then as loaded after a reload
        age = page.locator(f".alert-item[data-id='{alert_id}'] .age")
        age.wait_for(timeout=15_000)
        text = age.inner_text()
        assert "operator" in text and word in text and acked in text, (attempt, text)
        if attempt == 0:
            page.reload()
            _switch(screen, lang)


def _unix(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
