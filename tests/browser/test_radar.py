"""Radar on the map in a real browser: the radar-only symbol with its track, its popup, and
the vessel panel's radar line, against `seagrid serve --demo --speed 10` (the demo's dark
dredger in Weitou Bay is confirmed within seconds at ten times real time)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.sim.scenarios import DREDGER
from tests.browser.conftest import Screen, serve_demo

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def fast_server() -> Iterator[str]:
    with serve_demo("--speed", "10") as base:
        yield base


@pytest.fixture
def radar_screen(
    browser: Any, fast_server: str, request: pytest.FixtureRequest
) -> Iterator[Screen]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    s = Screen(page, fast_server, request.node.name)
    try:
        yield s
    finally:
        context.close()
    assert not s.errors, f"errors in the page: {s.errors}"


def test_radar_only_target_has_its_symbol_track_and_popup(radar_screen: Screen) -> None:
    s = radar_screen
    s.login("operator")
    s.wait_vessels(timeout_ms=15_000)
    s.page.wait_for_function(
        "window.seagrid.radar.radarOnly().some(t => Math.abs(t.lon - 118.49) < 0.02"
        " && Math.abs(t.lat - 24.57) < 0.02 && t.track.length > 2)"
    )
    dark = s.js(
        "window.seagrid.radar.radarOnly().find(t => Math.abs(t.lon - 118.49) < 0.02"
        " && Math.abs(t.lat - 24.57) < 0.02)"
    )
    assert dark["mmsi"] is None and dark["radar"] == "vts-weitou" and dark["confirmed"]
    s.js("([lon, lat]) => window.seagrid.mapView.map.jumpTo({center: [lon, lat], zoom: 14})",
         [dark["lon"], dark["lat"]])  # fmt: skip
    s.page.wait_for_function(
        "window.seagrid.mapView.map.queryRenderedFeatures({layers: ['radar-only']}).length > 0"
        " && window.seagrid.mapView.map.queryRenderedFeatures({layers: ['radar-tracks']})"
        ".length > 0"
    )
    # the symbol is the radar's, not a vessel's: no AIS vessel icon sits on it
    s.shot("-map")
    # where the symbol is now (the target moves at ten times real time, the source is
    # re-set every 3 s and re-laid out by a worker): wait until the symbol is under it
    point = s.page.wait_for_function(
        "(target) => { const m = window.seagrid.mapView.map;"
        " const t = window.seagrid.radar.radarOnly().find(x => x.target === target);"
        " if (!t) return null; const p = m.project([t.lon, t.lat]);"
        " const hit = m.queryRenderedFeatures([p.x, p.y], {layers: ['radar-only']});"
        " const r = m.getCanvas().getBoundingClientRect();"
        " return hit.length ? {x: p.x + r.left, y: p.y + r.top} : null; }",
        arg=dark["target"],
    ).json_value()
    s.page.mouse.click(point["x"], point["y"])
    popup = s.page.locator(".radar-popup")
    popup.wait_for(state="visible")
    assert "仅雷达目标" in popup.inner_text() and "围头雷达站" in popup.inner_text()
    s.shot("-popup")


def test_vessel_panel_names_the_radar_and_the_distance(radar_screen: Screen) -> None:
    s = radar_screen
    s.login("operator")
    s.wait_vessels(timeout_ms=15_000)
    s.page.wait_for_function(f"window.seagrid.radar.forVessel({DREDGER}).length > 0")
    s.js(f"window.seagrid.vesselPanel.open({DREDGER})")
    section = s.page.locator(".vessel-panel .vessel-radar")
    section.wait_for(state="visible")
    s.page.wait_for_function(
        "Number(document.querySelector('.vessel-panel .vessel-radar').dataset.radars) > 0"
    )
    text = section.inner_text()
    assert "AIS + 雷达" in text and "围头雷达站" in text and "米" in text or " m" in text
    s.shot("-panel")
