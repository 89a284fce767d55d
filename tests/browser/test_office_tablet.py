"""The office view and the patrol tablet in a real browser against `seagrid serve --demo`."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import Screen, api_get

pytestmark = pytest.mark.browser


def _other_offices_have_alerts(base: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        everyone = api_get(base, "operator", "alerts", limit=1000)["items"]
        if {a["office"] for a in everyone} - {"shishi"}:
            return True
        time.sleep(1)
    return False


def test_office_view_shows_only_that_offices_alerts_oldest_open_first(screen: Screen) -> None:
    screen.login("shishi")
    screen.wait_vessels()
    assert screen.page.url.endswith("#/office")
    screen.page.wait_for_function("window.seagrid.panel.list.all().length > 0", timeout=30_000)
    shown = screen.js("window.seagrid.panel.list.all().map(a => a.office)")
    assert set(shown) == {"shishi"}
    assert _other_offices_have_alerts(screen.base), "the filter is seen to exclude something"
    # critical alerts come first until resolved; the others by how long they have waited
    items = screen.page.locator(".alert-item[data-status=open]:not([data-severity=critical]) time")
    times = [items.nth(i).get_attribute("datetime") for i in range(items.count())]
    assert times == sorted(
        times, key=float if times and times[0].replace(".", "").isdigit() else str
    )
    # no office filter to change (the information centre's forms have their own office field)
    assert screen.page.locator("select.filter[name=office]").count() == 0


def test_office_view_cells_are_only_the_offices(screen: Screen) -> None:
    screen.login("nanan")
    screen.wait_vessels()
    screen.page.wait_for_function(
        "window.seagrid.mapView.map.querySourceFeatures('cells').length > 0"
    )
    offices = screen.js(
        "[...new Set(window.seagrid.mapView.map.querySourceFeatures('cells').map(f => f.properties.office))]"
    )
    assert offices == ["nanan"]


@pytest.mark.parametrize("screen", [{"width": 1280, "height": 800}], indirect=True)
def test_patrol_tablet_centres_own_vessel_with_large_targets(screen: Screen) -> None:
    screen.login("patrol")
    screen.wait_vessels()
    page = screen.page
    assert page.url.endswith("#/tablet")
    assert page.viewport_size == {"width": 1280, "height": 800}
    page.wait_for_function("window.seagrid.mapView.vessels.get(413990601) || null")
    centred = """() => {
      const c = window.seagrid.mapView.map.getCenter();
      const v = window.seagrid.mapView.vessels.get(413990601);
      return Math.abs(c.lng - v.lon) < 0.02 && Math.abs(c.lat - v.lat) < 0.02;
    }"""
    page.wait_for_function(centred, timeout=10_000)  # eased there, and kept there
    page.wait_for_timeout(1500)
    assert page.evaluate(centred)
    assert page.locator(".own h2").inner_text() in ("海巡08608", "HAIXUN 08608")
    for button in page.locator("button.big").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 48
    assert page.evaluate("document.documentElement.scrollWidth <= 1280")


@pytest.mark.parametrize("screen", [{"width": 1280, "height": 800}], indirect=True)
def test_patrol_reports_wait_offline_and_are_sent_on_reconnect(screen: Screen) -> None:
    screen.login("patrol")
    screen.wait_vessels()
    page = screen.page
    page.context.set_offline(True)
    page.evaluate(
        "window.seagrid.queue.add({alert: 'no-such-alert', kind: 'not_found', note: 'x'})"
    )
    assert page.evaluate("window.seagrid.queue.flush()") == 0
    assert page.evaluate("JSON.parse(localStorage.getItem('seagrid.outbox')).length") == 1
    page.context.set_offline(False)  # the page notices (online event, WebSocket) and sends
    page.wait_for_function(
        "JSON.parse(localStorage.getItem('seagrid.outbox') || '[]').length === 0"
    )
    refused = page.evaluate("window.seagrid.queue.refused.map(r => r.report.alert)")
    assert refused == ["no-such-alert"]  # the server answered 404: dropped with its reason
