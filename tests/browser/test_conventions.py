"""Conventions of the trade in the UI: positions in degrees and decimal minutes, ISO-like
24-hour dates in both languages, search by partial (Chinese) names, the range and bearing
tool with CPA/TCPA, the replay banner, and a map that never shows the basemap's edge."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Screen
from tests.browser.test_modules import run

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_positions_in_degrees_and_decimal_minutes_and_iso_like_dates(
    screen: Screen, lang: str
) -> None:
    result = run(
        screen,
        f"""
      const i18n = await import('./src/i18n.js');
      await i18n.setLanguage('{lang}', null, false);
      const local = new Date(2026, 11, 3, 14, 56, 7);  // 3 December 2026 14:56:07, local time
      return [
        i18n.formatLatLon(25.03233, 119.07983), i18n.formatLatLon(-0.5, -0.99999),
        i18n.formatLatLonDecimal(25.03233, 119.07983),
        i18n.formatDateTime(local.toISOString()), i18n.formatDateTime(local.getTime() / 1000, {{seconds: true}}),
        i18n.formatTime(local.toISOString()),
      ];""",
    )
    assert result == [
        "25°01.94′N 119°04.79′E", "00°30.00′S 001°00.00′W", "25.0323°N 119.0798°E",
        "2026-12-03 14:56", "2026-12-03 14:56:07", "14:56:07",
    ]  # fmt: skip


def test_search_matches_partial_chinese_names_and_ignores_spaces(screen: Screen) -> None:
    result = run(
        screen,
        """
      const v = {mmsi: 413990601, name: 'HAIXUN 08608'};
      const aliases = ['海巡08608', 'HAIXUN 08608'];
      return ['海巡', '巡086', '海巡 08608', 'haixun08608', '渔', '08608'].map(q => search.matchesQuery(v, q, aliases));""",
    )
    assert result == [True, True, True, True, False, True]


def test_closest_approach_of_two_vessels(screen: Screen) -> None:
    result = run(
        screen,
        """
      const rb = await import('./src/range_bearing.js');
      // head-on on one meridian, 2 nm apart, 10 kn each: meet in 6 min, CPA 0
      const a = {lat: 25.0, lon: 119.0, speed: 10, course: 0};
      const b = {lat: 25.0 + 2 / 60, lon: 119.0, speed: 10, course: 180};
      // parallel, same speed: the CPA is now, the distance between them
      const c = {lat: 25.0, lon: 119.0 + 1 / 60 / Math.cos(25 * Math.PI / 180), speed: 10, course: 0};
      const past = {lat: 25.0 - 2 / 60, lon: 119.0, speed: 10, course: 180};
      return [rb.closestApproach(a, b), rb.closestApproach(a, c), rb.closestApproach(a, past),
              rb.closestApproach(a, {lat: 25, lon: 119.1, speed: null, course: 0})];""",
    )
    head_on, parallel, past, unknown = result
    assert head_on["cpa_nm"] == pytest.approx(0, abs=1e-6)
    assert head_on["tcpa_min"] == pytest.approx(6.0, abs=1e-6)
    assert parallel["cpa_nm"] == pytest.approx(1.0, abs=1e-3) and parallel["tcpa_min"] == 0
    assert past["tcpa_min"] < 0  # they have passed each other
    assert unknown is None


@pytest.mark.parametrize(("lang", "words"), [("zh-CN", ["距离", "真方位", "海里"]), ("en", ["Range", "true bearing", "nm"])])  # fmt: skip
def test_range_and_bearing_between_two_points(screen: Screen, lang: str, words: list[str]) -> None:
    screen.login("operator")
    screen.wait_vessels(30_000)
    page = screen.page
    page.select_option("select.lang", lang)
    page.evaluate("window.seagrid.mapView.map.jumpTo({center: [118.75, 24.75], zoom: 11})")
    page.wait_for_timeout(500)
    page.click("button.range-tool")
    assert page.get_attribute("button.range-tool", "aria-pressed") == "true"
    # two points a minute of latitude apart (1 nm), the second due north of the first
    ends = screen.js(
        """() => { const m = window.seagrid.mapView.map;
          return [m.project([118.70, 24.70]), m.project([118.70, 24.70 + 1 / 60])].map(p => [p.x, p.y]); }"""
    )
    box = page.locator(".map").bounding_box()
    assert box is not None
    for x, y in ends:
        page.mouse.click(box["x"] + x, box["y"] + y)
    readout = page.locator(".range-readout .range-figures")
    readout.wait_for()
    text = readout.inner_text()
    assert all(w in text for w in words)
    measured = screen.js("window.seagrid.range.measure()")
    assert measured["distance_nm"] == pytest.approx(1.0, abs=0.02)
    assert measured["bearing_deg"] == pytest.approx(0.0, abs=1.0)
    page.keyboard.press("Escape")
    assert page.locator(".range-readout").is_hidden()


@pytest.mark.parametrize(("lang", "banner", "play"), [("zh-CN", "历史回放模式", "播放"), ("en", "History replay (not live)", "Play")])  # fmt: skip
def test_replay_says_it_is_not_live_and_lists_its_own_alerts(
    screen: Screen, lang: str, banner: str, play: str
) -> None:
    screen.login("operator")
    screen.wait_vessels(30_000)
    page = screen.page
    page.click("button.replay-open")
    page.select_option("select.lang", lang)
    page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
    assert page.locator(".replay-bar button[data-action=play]").inner_text() == play
    # the demo's history is shorter than the default half hour: it starts at the first minute
    page.wait_for_function(
        "document.querySelector('input[name=replay-from]').value !== ''"
        " && Date.now() - new Date(document.querySelector('input[name=replay-from]').value) < 29 * 60000",
        timeout=10_000,
    )
    page.click(".replay-bar button[data-action=play]")
    page.locator(".replay-banner").wait_for(timeout=90_000)  # tracks load vessel by vessel
    assert banner in page.locator(".replay-banner").inner_text()
    assert page.locator(".replay-alerts li").count() >= 1
    page.click(".replay-bar button[data-action=live]")
    assert page.locator(".replay-banner").is_hidden()


def test_the_map_stays_inside_the_basemap_at_every_zoom(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels(30_000)
    page = screen.page
    page.evaluate("window.seagrid.mapView.map.setZoom(3)")
    page.wait_for_timeout(500)
    found = screen.js(
        """async () => { const m = window.seagrid.mapView.map;
          const land = await (await import('./src/api.js')).api('basemap');
          const ext = (await import('./src/basemap.js')).boundsOf(land);
          const b = m.getBounds();
          return {zoom: m.getZoom(), min: m.getMinZoom(), view: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], ext}; }"""
    )
    west, south, east, north = found["view"]
    (ew, es), (ee, en) = found["ext"]
    assert found["zoom"] >= found["min"] >= 7
    assert west >= ew - 1e-6 and east <= ee + 1e-6 and south >= es - 1e-6 and north <= en + 1e-6


@pytest.mark.parametrize(
    ("lang", "query", "label"),
    [("zh-CN", "小坠", "小坠岛周边禁航区"), ("en", "xiaozhui", "Xiaozhui island restricted area")],
)
def test_the_search_box_finds_configured_places_and_boats_on_the_server(
    screen: Screen, lang: str, query: str, label: str
) -> None:
    """Zone names exist only in the configuration: the server's search finds them in part,
    in the UI's language, and picking one takes the map there; a patrol boat's Chinese name
    finds it whether the map holds it or not."""
    screen.login("operator")
    screen.wait_vessels(30_000)
    page = screen.page
    page.select_option("select.lang", lang)
    page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
    page.fill("input.search", query)
    place = page.locator(".search-results li.place[data-place='rs-xiaozhui']")
    place.wait_for(timeout=10_000)
    assert label in place.inner_text()
    place.click()
    page.wait_for_timeout(800)
    centre = screen.js("() => window.seagrid.mapView.map.getBounds().contains([118.770, 24.829])")
    zoom = screen.js("() => window.seagrid.mapView.map.getZoom()")
    assert centre and zoom >= 11, zoom
    page.fill("input.search", "巡086")
    boat = page.locator(".search-results li[data-mmsi='413990601']")
    boat.wait_for(timeout=10_000)
    assert ("海巡08608" if lang == "zh-CN" else "HAIXUN 08608") in boat.inner_text()
    page.screenshot(path=f"/tmp/iss10b-search-{lang}.png")


def test_top_bar_buttons_follow_the_language_switch(screen: Screen) -> None:
    """Every label of the console's top bar is in the language chosen, switched live (the
    information centre's button stayed 信息中心 in English)."""
    screen.login("operator")
    screen.wait_vessels(30_000)
    page = screen.page
    assert page.locator("button.info-open").inner_text() == "信息中心"
    page.select_option("select.lang", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    bar = page.locator(".topbar").inner_text()
    assert page.locator("button.info-open").inner_text() == "Information centre"
    cjk = [ch for ch in bar if "\u4e00" <= ch <= "\u9fff"]
    assert cjk == list("中文"), bar  # only the language menu's own name for Chinese
    page.locator("button.info-open").click()
    assert "Watchlist" in page.locator(".info-panel nav").inner_text()


@pytest.mark.parametrize("screen", [{"width": 1280, "height": 800}], indirect=True)
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_console_fits_a_1280_screen(screen: Screen, lang: str) -> None:
    """The top bar wraps rather than widening the page: the alert column stays on screen."""
    screen.login("operator")
    screen.wait_vessels(30_000)
    page = screen.page
    page.select_option("select.lang", lang)
    page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
    assert screen.js("() => document.documentElement.scrollWidth") <= 1280
    for selector in (".side", ".topbar .logout", "select.lang"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280 + 0.5, selector
    page.screenshot(path=f"/tmp/iss10b-console-1280-{lang}.png")
