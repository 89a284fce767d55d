"""The information centre in a real browser: adding a watchlist entry (with its office),
drawing a waterworks area on the map, publishing and withdrawing a notice, switching a
seasonal mode on and off with confirmation, the modes badge in the top bar."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, Screen, api_get

pytestmark = pytest.mark.browser
MMSI = 412998877


def open_panel(screen: Screen, tab: str, user: str = "operator") -> None:
    screen.login(user)
    screen.wait_vessels(timeout_ms=30_000)
    screen.page.click("button.info-open")
    screen.page.click(f".info-panel button.tab[data-tab={tab}]")


def test_add_a_watchlist_entry(screen: Screen) -> None:
    open_panel(screen, "watchlist")
    form = screen.page.locator("form.watchlist-form")
    form.locator("input[name=mmsi]").fill(str(MMSI))
    form.locator("select[name=category]").select_option("suspended")
    form.locator("input[name=reason]").fill("停航整改期间禁止离港")
    office = form.locator("select[name=office]")
    offices = office.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert offices[0] == "" and len(offices) > 2  # the centre, then every office
    office.select_option("shishi")
    form.locator("button[type=submit]").click()
    row = screen.page.locator(f".watchlist-table tr[data-mmsi='{MMSI}']")
    row.wait_for()
    assert "禁止航行" in row.inner_text() and "跟踪中" in row.inner_text()
    entries = {e["mmsi"]: e for e in api_get(screen.base, "operator", "watchlist")}
    assert entries[MMSI]["category"] == "suspended" and entries[MMSI]["added_by"] == "operator"
    assert entries[MMSI]["office"] == "shishi"
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


def test_an_office_user_adds_watchlist_entries_for_its_own_office_only(screen: Screen) -> None:
    open_panel(screen, "watchlist", user="shishi")
    form = screen.page.locator("form.watchlist-form")
    office = form.locator("select[name=office]")
    assert office.locator("option").evaluate_all("o => o.map(x => x.value)") == ["shishi"]
    assert office.is_disabled()
    form.locator("input[name=mmsi]").fill("412998866")
    form.locator("input[name=reason]").fill("砂船夜间作业")
    form.locator("button[type=submit]").click()
    screen.page.locator(".watchlist-table tr[data-mmsi='412998866']").wait_for()
    entries = {e["mmsi"]: e for e in api_get(screen.base, "shishi", "watchlist")}
    assert entries[412998866]["office"] == "shishi"


def test_publish_and_withdraw_a_notice(screen: Screen) -> None:
    open_panel(screen, "notices")
    form = screen.page.locator("form.notice-form")
    form.locator("select[name=kind]").select_option("restricted_area")
    form.locator("input[name=title]").fill("泉州湾临时禁航区")
    form.locator("input[name=title_en]").fill("Quanzhou Bay temporary restricted area")
    form.locator("textarea[name=text]").fill("因水下爆破作业，禁止一切船舶驶入。")
    form.locator("input[name=active_from]").fill("2026-01-01T08:00")
    form.locator("input[name=active_to]").fill("2036-01-01T18:00")
    form.locator("button[type=submit]").click()
    assert "范围" in screen.page.locator(".info-tab[data-tab=notices] .info-message").inner_text()
    form.locator("button.draw").click()
    box = screen.page.locator(".map").bounding_box()
    assert box is not None
    x, y = box["x"] + 150, box["y"] + box["height"] - 200
    for dx, dy in ((0, 0), (100, 0), (100, 80), (0, 80), (0, 0)):
        screen.page.mouse.click(x + dx, y + dy)
    assert form.locator(".area-state").get_attribute("data-state") == "drawn"
    form.locator("button[type=submit]").click()
    row = screen.page.locator(".notice-table tr[data-kind=restricted_area]").first
    row.wait_for()
    assert "泉州湾临时禁航区" in row.inner_text() and "生效中" in row.inner_text()
    screen.shot("-published")
    notices = [
        n for n in api_get(screen.base, "operator", "notices") if n["title"] == "泉州湾临时禁航区"
    ]
    assert len(notices) == 1 and notices[0]["area"]["type"] == "Polygon"
    zones = {f["properties"]["id"] for f in api_get(screen.base, "operator", "zones")["features"]}
    assert notices[0]["id"] in zones  # a restricted zone for the rules now
    # withdrawing asks first; cancelling changes nothing
    row.locator("button.remove").click()
    screen.page.locator("dialog.info-confirm button[data-role=cancel]").click()
    assert [n["id"] for n in api_get(screen.base, "operator", "notices")].count(
        notices[0]["id"]
    ) == 1
    row.locator("button.remove").click()
    screen.page.locator("dialog.info-confirm button[data-role=confirm]").click()
    screen.page.locator(f".notice-table tr[data-id='{notices[0]['id']}']").wait_for(
        state="detached"
    )
    assert notices[0]["id"] not in {n["id"] for n in api_get(screen.base, "operator", "notices")}


def test_supervisor_switches_a_mode_with_confirmation(screen: Screen) -> None:
    open_panel(screen, "modes", user="supervisor")
    tab = screen.page.locator(".info-tab[data-tab=modes]")
    tab.locator(".mode-current .mode-normal").wait_for()
    assert "常态监管" in tab.locator(".mode-current").inner_text()
    form = tab.locator("form.mode-form")
    form.locator("select[name=mode]").select_option("fog")
    form.locator("input[name=reason]").fill("气象台发布大雾橙色预警，能见度不足500米")
    form.locator("button[type=submit]").click()
    dialog = screen.page.locator("dialog.info-confirm")
    assert "雾防" in dialog.inner_text() and "全部辖区水域" in dialog.inner_text()
    screen.shot("-confirm")
    dialog.locator("button[data-role=confirm]").click()
    row = tab.locator(".mode-table tr[data-mode=fog]")
    row.wait_for()
    assert "supervisor" in row.inner_text()
    badge = screen.page.locator(".topbar .modes-badge")
    screen.page.wait_for_function(
        "document.querySelector('.topbar .modes-badge').textContent.includes('雾防')"
    )
    assert badge.get_attribute("data-count") == "1"
    row.locator("button.history").click()
    tab.locator(".mode-history li[data-change=switched_on]").wait_for()
    screen.shot("-on")
    active = api_get(screen.base, "operator", "modes")["active"]
    assert [(a["mode"], a["created_by"], a["area"]) for a in active] == [
        ("fog", "supervisor", None)
    ]
    # English
    screen.js("import('./src/i18n.js').then(m => m.setLanguage('en'))")
    screen.page.wait_for_function(
        "document.querySelector('.topbar .modes-badge').textContent.includes('Fog')"
    )
    # switching off asks too, and is recorded
    row.locator("button.remove").click()
    screen.page.locator("dialog.info-confirm button[data-role=confirm]").click()
    tab.locator(".mode-table tr[data-mode=fog]").wait_for(state="detached")
    assert api_get(screen.base, "operator", "modes")["active"] == []
    history = api_get(screen.base, "operator", f"modes/activations/{active[0]['id']}/history")
    assert [(h["change"], h["actor"]) for h in history] == [
        ("switched_on", "supervisor"),
        ("switched_off", "supervisor"),
    ]


def test_operators_see_modes_but_do_not_switch_them(screen: Screen) -> None:
    open_panel(screen, "modes")
    tab = screen.page.locator(".info-tab[data-tab=modes]")
    tab.locator(".mode-current h3").wait_for()
    assert tab.locator("form.mode-form").is_hidden()
    assert tab.locator(".mode-readonly").is_visible()
    # the top bar's badge opens the same tab
    screen.page.click(".info-panel button.close")
    screen.page.click(".topbar .modes-badge")
    assert screen.page.locator(".info-panel").get_attribute("data-tab") == "modes"


def test_an_alert_card_says_which_mode_raised_it(screen: Screen) -> None:
    """details.modes (the modes in force where and when it was raised) as a badge on the card,
    in both languages; an alert of normal supervision has none."""
    screen.login("operator")
    screen.wait_vessels(timeout_ms=30_000)
    base = {"rule": "close_quarters", "mmsi": 412000001, "other_mmsi": 412000002, "zone": None,
            "cell": None, "office": "qz-centre", "severity": "warning", "status": "open",
            "raised_at": "2026-12-07T10:00:00Z", "cleared_at": None, "lat": 24.8, "lon": 118.7}  # fmt: skip
    screen.js(
        "base => { const p = window.seagrid.panel;"
        " p.push({...base, id: 'fog-1', details: {cpa_nm: 0.8, modes: ['fog', 'winter']}});"
        " p.push({...base, id: 'plain-1', mmsi: 412000003, details: {cpa_nm: 0.4}}); }",
        base,
    )
    card = screen.page.locator(".alert-item[data-id='fog-1'] .badge.mode")
    assert card.inner_text() == "雾防 · 冬防模式下触发"
    assert card.get_attribute("data-modes") == "fog winter"
    assert screen.page.locator(".alert-item[data-id='plain-1'] .badge.mode").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screen.page.locator(".alert-item[data-id='fog-1']").screenshot(
        path=str(SCREENSHOTS / f"{screen.name}-card.png")
    )
    screen.js("import('./src/i18n.js').then(m => m.setLanguage('en'))")
    screen.page.wait_for_function(
        "document.querySelector(\".alert-item[data-id='fog-1'] .badge.mode\")"
        "?.textContent === 'Raised in Fog · Winter mode'"
    )


def test_a_neighbours_handover_card_shows_the_vessels_cases(screen: Screen) -> None:
    screen.login("operator")
    screen.wait_vessels(timeout_ms=30_000)
    alert = {"id": "nb-1", "rule": "neighbour_notice", "mmsi": 412990005, "other_mmsi": None,
             "zone": None, "cell": None, "office": "qz-centre", "severity": "warning",
             "status": "open", "raised_at": "2026-12-07T10:00:00Z", "cleared_at": None,
             "lat": 25.2, "lon": 118.95,
             "details": {"neighbour": "putian", "neighbour_name": "莆田海事局",
                         "case_summary": {"counts": {"open": 2, "overdue": 1, "closed": 1}}}}  # fmt: skip
    screen.js("a => window.seagrid.panel.push(a)", alert)
    figures = screen.page.locator(".alert-item[data-id='nb-1'] .figures").inner_text()
    assert figures == "莆田海事局通报，该船案件：办理中 2（超时 1），已办结 1"
