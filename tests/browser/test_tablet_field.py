"""The patrol tablet on a moving boat, in a real browser against `seagrid serve --demo` (the
crew's boat crewed for Shishi, whose waters raise alerts at once): its own boat is never
lost, the badge tells the truth offline, it works upright, a result is confirmed and a double
tap stores one report, the reports sent show on the task, and a pair task names both."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Screen, api_get
from tests.browser.test_reports import _office_of_patrol, _open_alert_of, _reports, server

pytestmark = pytest.mark.browser
__all__ = ["server"]  # the module-scoped demo of test_reports.py, crewed for Shishi
OWN = 413990601
TABLET = {"width": 1280, "height": 800}
UPRIGHT = {"width": 800, "height": 1280}


def _tablet(screen: Screen) -> None:
    screen.login("patrol")
    screen.wait_vessels(30_000)
    screen.page.wait_for_function(
        f"window.seagrid.mapView.vessels.get({OWN}) || null", timeout=30_000
    )


@pytest.mark.parametrize("screen", [TABLET], indirect=True)
def test_own_boat_stays_after_looking_far_away_and_recentres(screen: Screen) -> None:
    _tablet(screen)
    page = screen.page
    # tapping a task far from the boat: the map (and its subscription) goes elsewhere
    page.evaluate("window.seagrid.mapView.map.jumpTo({center: [118.55, 24.55], zoom: 13})")
    page.wait_for_timeout(4000)  # moveend, re-subscribe, snapshot, a few ticks
    assert page.evaluate(f"window.seagrid.mapView.vessels.get({OWN}) != null")
    assert "无本艇位置" not in page.locator(".own").inner_text()
    page.locator("button[data-i18n='tablet.centre']").click()
    page.wait_for_function(
        f"""() => {{ const c = window.seagrid.mapView.map.getCenter();
        const v = window.seagrid.mapView.vessels.get({OWN});
        return v && Math.abs(c.lng - v.lon) < 0.02 && Math.abs(c.lat - v.lat) < 0.02; }}""",
        timeout=10_000,
    )


@pytest.mark.parametrize("screen", [TABLET], indirect=True)
@pytest.mark.parametrize(("lang", "offline"), [("zh-CN", "离线"), ("en", "Offline")])
def test_the_badge_says_offline_when_the_tablet_is(screen: Screen, lang: str, offline: str) -> None:
    _tablet(screen)
    page = screen.page
    page.select_option("select.lang", lang)
    page.wait_for_selector(".conn[data-state=online]")
    page.context.set_offline(True)
    page.wait_for_function(
        "document.querySelector('.conn').dataset.state === 'offline'", polling=200, timeout=5000
    )
    assert page.locator(".conn").inner_text() == offline
    page.wait_for_timeout(2000)  # retries do not pretend to be connecting while offline
    assert page.locator(".conn").get_attribute("data-state") == "offline"
    page.context.set_offline(False)
    page.wait_for_selector(".conn[data-state=online]", timeout=15_000)


@pytest.mark.parametrize("screen", [UPRIGHT], indirect=True)
def test_upright_the_map_takes_the_width_and_the_tasks_go_below(screen: Screen) -> None:
    _tablet(screen)
    page = screen.page
    screen.shot("-portrait")
    map_box = page.locator(".map-wrap").bounding_box()
    side_box = page.locator(".tablet .side").bounding_box()
    assert map_box is not None and side_box is not None
    assert map_box["width"] >= 790 and side_box["width"] >= 790
    assert side_box["y"] >= map_box["y"] + map_box["height"] - 1
    assert map_box["height"] >= 450
    assert page.evaluate("document.documentElement.scrollWidth <= 800")


@pytest.mark.parametrize("screen", [TABLET], indirect=True)
def test_result_is_confirmed_a_double_tap_stores_one_and_the_card_shows_it(screen: Screen) -> None:
    _tablet(screen)
    page = screen.page
    alert = _open_alert_of(screen.base, _office_of_patrol(screen))
    task = page.locator(f".task[data-id='{alert['id']}']")
    task.wait_for(timeout=30_000)
    button = "button[data-report=boarded]"
    page.evaluate(  # two taps 100 ms apart, as a gloved finger on a rocking boat does
        """(id) => { const b = () => document.querySelector(`.task[data-id='${id}'] button[data-report=boarded]`);
          b().click(); setTimeout(() => b()?.click(), 100); }""",
        alert["id"],
    )
    page.wait_for_function("window.seagrid.queue.pending().length === 0", timeout=15_000)
    page.wait_for_timeout(500)
    assert [r["note"] for r in _reports(screen.base, alert["id"])].count("登临检查") == 1
    task.locator(".sent").wait_for()
    assert "登临检查" in task.locator(".sent").inner_text()  # the crew sees what it sent
    task.locator("button[data-report=no_violation]").click()
    dialog = page.locator("dialog.confirm")
    dialog.wait_for()
    dialog.locator("button[data-role=cancel]").click()  # not sent
    page.wait_for_timeout(500)
    assert api_get(screen.base, "operator", f"alerts/{alert['id']}")["status"] in (
        "open",
        "acknowledged",
    )
    assert task.locator(button).count() == 1


@pytest.mark.parametrize("screen", [TABLET], indirect=True)
@pytest.mark.parametrize(("lang", "rule"), [("zh-CN", "紧迫局面"), ("en", "Close quarters")])
def test_a_close_quarters_task_names_both_vessels(screen: Screen, lang: str, rule: str) -> None:
    _tablet(screen)
    page = screen.page
    page.select_option("select.lang", lang)
    alert = {
        "id": "t-cq", "rule": "close_quarters", "mmsi": 412555001, "other_mmsi": 412555002,
        "name": "MIN SHI YU 06107", "other_name": "AN JI 142", "zone": None, "cell": "SS-12",
        "office": _office_of_patrol(screen), "severity": "warning", "status": "open",
        "raised_at": "2026-12-03T06:56:00Z", "cleared_at": None, "lat": 24.77, "lon": 118.93,
        "details": {"cpa_nm": 0.12, "tcpa_s": 200}, "escalated_to": [],
    }  # fmt: skip
    page.evaluate("(a) => window.seagrid.mapView.live.onAlert(a, {change: 'raised'})", alert)
    task = page.locator(".task[data-id='t-cq']")
    task.wait_for()
    text = task.inner_text()
    assert (
        rule in text and "MIN SHI YU 06107 (412555001)" in text and "AN JI 142 (412555002)" in text
    )


@pytest.mark.parametrize("screen", [TABLET], indirect=True)
@pytest.mark.parametrize(("lang", "ended"), [("zh-CN", "情况解除"), ("en", "Situation ended")])
def test_a_task_whose_situation_ended_is_marked_ended_without_a_ring(
    screen: Screen, lang: str, ended: str
) -> None:
    """The crew's card says what the operator's says: the pipeline saw the situation end
    (cleared) while the task still waits for their report; the map draws no ring there."""
    _tablet(screen)
    page = screen.page
    page.select_option("select.lang", lang)
    alert = {
        "id": "t-end", "rule": "speeding", "mmsi": 412555001, "other_mmsi": None,
        "zone": "rs-xiaozhui", "cell": "SS-02", "office": _office_of_patrol(screen),
        "severity": "warning", "status": "open", "raised_at": "2026-12-03T06:56:00Z",
        "cleared_at": None, "lat": 24.85, "lon": 118.78,
        "details": {"speed_kn": 16.5, "limit_kn": 12.0}, "escalated_to": [],
    }  # fmt: skip
    rings = """() => window.seagrid.mapView.map.getSource('alerts').serialize().data.features
                 .map(f => f.properties.id)"""
    page.evaluate("(a) => window.seagrid.mapView.live.onAlert(a, {change: 'raised'})", alert)
    task = page.locator(".task[data-id='t-end']")
    task.wait_for()
    assert ended not in task.inner_text() and task.get_attribute("data-ended") == ""
    assert "t-end" in page.evaluate(rings)
    alert |= {"cleared_at": "2026-12-03T07:01:00Z", "escalated_to": ["centre"]}
    page.evaluate("(a) => window.seagrid.mapView.live.onAlert(a, {change: 'cleared'})", alert)
    page.wait_for_function(
        "() => document.querySelector(\".task[data-id='t-end']\")?.dataset.ended === '1'"
    )
    text = page.locator(".task[data-id='t-end']").inner_text()
    assert ended in text
    assert "t-end" not in page.evaluate(rings)  # no ring where the ships no longer are
    page.locator(".task[data-id='t-end']").screenshot(path=f"/tmp/iss10b-task-ended-{lang}.png")
