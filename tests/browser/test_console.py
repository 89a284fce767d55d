"""The operator console in a real browser against `seagrid serve --demo`."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import Screen, api_get

pytestmark = pytest.mark.browser


def test_login_shows_vessels_on_the_map_within_5_s(screen: Screen) -> None:
    screen.login("operator")
    started = time.monotonic()
    count = screen.wait_vessels(timeout_ms=5000)
    assert time.monotonic() - started < 5
    assert count > 20
    screen.page.wait_for_function(
        "window.seagrid.mapView.map.queryRenderedFeatures({layers: ['vessel-icons']}).length > 0"
    )
    assert screen.page.url.endswith("#/console")
    assert screen.page.locator(".counts-table tbody tr").count() == 6


def test_wrong_password_stays_on_login_with_a_message(screen: Screen) -> None:
    screen.login("operator", "not-the-password")
    error = screen.page.locator("form.login .error")
    error.wait_for(state="visible")
    assert error.inner_text() == "用户名或密码错误"
    assert screen.page.locator(".topbar").count() == 0


def _vessel_with_track(base: str, timeout: float = 40) -> dict:
    """A live vessel whose track has points already, named if the demo has named one yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        vessels = api_get(base, "operator", "vessels")["vessels"]
        vessels.sort(key=lambda v: (not v.get("name"), -(v.get("speed") or 0)))
        for v in vessels[:5]:
            if len(api_get(base, "operator", f"vessels/{v['mmsi']}/track")["points"]) > 1:
                return v
        time.sleep(1)
    pytest.fail("no vessel with a track in the demo picture")


def test_search_finds_a_vessel_opens_its_panel_and_draws_its_track(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels()
    target = _vessel_with_track(screen.base)
    query = target["name"] or str(target["mmsi"])
    screen.page.fill("input.search", query)
    hit = screen.page.locator(f".search-results li[data-mmsi='{target['mmsi']}']")
    hit.first.click()
    panel = screen.page.locator(".vessel-panel")
    panel.wait_for(state="visible")
    assert panel.locator("dd[data-field=mmsi]").inner_text() == str(target["mmsi"])
    if target["name"]:
        assert panel.locator(".vessel-name").inner_text() == target["name"]
    # parts of the panel a vessel lacks (radar, case extras) leave no "null" behind
    assert "null" not in panel.locator(".body").inner_text()
    screen.page.wait_for_function(
        "Number(document.querySelector('.vessel-panel').dataset.trackPoints) > 1"
    )
    screen.page.wait_for_function(
        "window.seagrid.mapView.map.queryRenderedFeatures({layers: ['track-line']}).length > 0"
    )


def test_search_without_match_says_so(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels()
    screen.page.fill("input.search", "NO SUCH VESSEL XYZ")
    screen.page.locator(".search-results li.empty").wait_for()
    assert screen.page.locator(".search-results li[data-mmsi]").count() == 0


def test_acknowledging_an_alert_updates_the_list_and_the_server(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels()
    item = screen.page.locator(".alert-item[data-status=open]").first
    item.wait_for(timeout=30_000)
    alert_id = item.get_attribute("data-id")
    item.locator("button[data-action=ack]").click()
    acked = screen.page.locator(f".alert-item[data-id='{alert_id}']")
    screen.page.wait_for_function(
        "id => document.querySelector(`.alert-item[data-id='${id}']`)?.dataset.status === 'acknowledged'",
        arg=alert_id,
    )
    assert acked.locator("button[data-action=ack]").count() == 0
    assert api_get(screen.base, "operator", f"alerts/{alert_id}")["status"] == "acknowledged"
    acked.locator(".rule").click()  # clicking the alert flies to its vessel and opens its panel
    mmsi = api_get(screen.base, "operator", f"alerts/{alert_id}")["mmsi"]
    screen.page.locator(".vessel-panel dd[data-field=mmsi]").wait_for()
    assert screen.page.locator(".vessel-panel dd[data-field=mmsi]").inner_text() == str(mmsi)


def test_a_new_critical_alert_flashes_and_a_warning_does_not(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels()
    alert = {
        "id": "test-flash", "rule": "distress", "mmsi": 970123456, "other_mmsi": None,
        "zone": None, "cell": None, "office": "shishi", "status": "open",
        "raised_at": "2026-03-02T00:00:00Z", "cleared_at": None, "lat": 24.8, "lon": 118.7,
    }  # fmt: skip
    flashing = "document.getElementById('app').classList.contains('flash')"
    screen.js("a => window.seagrid.panel.push(a)", {**alert, "severity": "warning"})
    assert screen.js(flashing) is False
    screen.js(
        "a => window.seagrid.panel.push(a)", {**alert, "id": "test-flash-2", "severity": "critical"}
    )
    assert screen.js(flashing) is True
    assert screen.page.locator(".alert-item[data-id=test-flash-2]").count() == 1


def test_layers_can_be_toggled(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels()
    page = screen.page
    visibility = "id => window.seagrid.mapView.map.getLayoutProperty(id, 'visibility') ?? 'visible'"
    page.click(".layers summary")
    page.uncheck("input[name=layer-cells]")
    assert screen.js(visibility, "cells-fill") == "none"
    assert screen.js(visibility, "zones-fill") == "visible"
    page.uncheck("input[name=layer-vessels]")
    assert screen.js(visibility, "vessel-icons") == "none"
    page.check("input[name=layer-cells]")
    assert screen.js(visibility, "cells-fill") == "visible"
    assert page.locator(".legend-row").count() == 10


def test_language_switch_changes_visible_strings_and_is_remembered(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels()
    page = screen.page
    assert page.locator(".alert-panel h2").inner_text() == "告警"
    page.select_option("select.lang", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator(".alert-panel h2").inner_text() == "Alerts"
    assert page.locator(".topbar .logout").inner_text() == "Sign out"
    assert page.get_attribute("input.search", "placeholder").startswith("Search")
    page.reload()
    screen.wait_vessels()
    assert page.locator(".topbar .logout").inner_text() == "Sign out"
    page.select_option("select.lang", "zh-CN")
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")
    assert page.locator(".topbar .logout").inner_text() == "退出"


def test_history_replay_plays_recorded_tracks_and_returns_to_live(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels()
    _vessel_with_track(screen.base)  # some history exists to play back
    page = screen.page
    page.click("button.replay-open")
    # 10x: the range starts at the first recorded minute, a few minutes on a fresh demo, which
    # 300x would play through in a second
    page.select_option("select[name=replay-speed]", "10")
    page.click(".replay-bar button[data-action=play]")
    page.wait_for_function("Number(document.querySelector('.replay-bar .clock')?.dataset.time) > 0")
    first = float(page.get_attribute(".replay-bar .clock", "data-time"))
    page.wait_for_function(
        "t => Number(document.querySelector('.replay-bar .clock').dataset.time) > t + 5000",
        arg=first,
    )
    assert screen.js("window.seagrid.mapView.live.paused") is True
    page.wait_for_function("window.seagrid.mapView.vessels.size > 0")
    screen.shot("-playing")
    page.click(".replay-bar button[data-action=live]")
    assert screen.js("window.seagrid.mapView.live.paused") is False
    screen.wait_vessels()
    assert page.locator(".replay-bar").is_hidden()
