"""The information centre in a real browser: adding a watchlist entry, drawing a waterworks
area on the map, the modes badge in the top bar."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Screen, api_get

pytestmark = pytest.mark.browser
MMSI = 412998877


def open_panel(screen: Screen, tab: str) -> None:
    screen.login("operator")
    screen.wait_vessels(timeout_ms=30_000)
    screen.page.click("button.info-open")
    screen.page.click(f".info-panel button.tab[data-tab={tab}]")


def test_add_a_watchlist_entry(screen: Screen) -> None:
    open_panel(screen, "watchlist")
    form = screen.page.locator("form.watchlist-form")
    form.locator("input[name=mmsi]").fill(str(MMSI))
    form.locator("select[name=category]").select_option("suspended")
    form.locator("input[name=reason]").fill("停航整改期间禁止离港")
    form.locator("button[type=submit]").click()
    row = screen.page.locator(f".watchlist-table tr[data-mmsi='{MMSI}']")
    row.wait_for()
    assert "禁止航行" in row.inner_text() and "跟踪中" in row.inner_text()
    entries = {e["mmsi"]: e for e in api_get(screen.base, "operator", "watchlist")}
    assert entries[MMSI]["category"] == "suspended" and entries[MMSI]["added_by"] == "operator"
    assert screen.page.locator(".topbar .modes-badge").inner_text() == "常态监管"


def test_draw_a_waterworks_area(screen: Screen) -> None:
    open_panel(screen, "waterworks")
    form = screen.page.locator("form.waterworks-form")
    form.locator("input[name=name]").fill("石湖港区航道疏浚工程")
    form.locator("input[name=operator]").fill("福建某疏浚工程有限公司")
    form.locator("input[name=permit]").fill("闽泉海事施[2026]031号")
    form.locator("input[name=active_from]").fill("2026-01-01T08:00")
    form.locator("input[name=active_to]").fill("2036-01-01T18:00")
    form.locator("button.draw").click()
    box = screen.page.locator(".map").bounding_box()
    assert box is not None
    # below the information-centre panel, which covers the top of the map
    x, y = box["x"] + 150, box["y"] + box["height"] - 300
    for dx, dy in ((0, 0), (120, 0), (120, 90), (0, 90)):
        screen.page.mouse.click(x + dx, y + dy)
    assert "4" in form.locator(".area-state").inner_text()
    screen.page.mouse.click(x, y)  # back on the first corner closes it
    assert form.locator(".area-state").get_attribute("data-state") == "drawn"
    screen.shot("-drawn")
    form.locator("button[type=submit]").click()
    screen.page.locator(".waterworks-table tr[data-state=active]").first.wait_for()
    sites = [
        s for s in api_get(screen.base, "operator", "waterworks") if s["permit"].endswith("031号")
    ]
    assert len(sites) == 1 and sites[0]["state"] == "active"
    ring = sites[0]["area"]["coordinates"][0]
    assert sites[0]["area"]["type"] == "Polygon" and len(ring) == 5 and ring[0] == ring[-1]
    zones = api_get(screen.base, "operator", "zones")
    assert sites[0]["id"] in {f["properties"]["id"] for f in zones["features"]}
    on_map = screen.js(
        "window.seagrid.mapView.map.querySourceFeatures('info-waterworks').map(f => f.properties.id)"
    )
    assert sites[0]["id"] in on_map
