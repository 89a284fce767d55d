"""Field reports from the patrol tablet, the case history in the alert panel, and the office
view limited to its waters, in a real browser against `seagrid serve --demo`."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.core.settings import DEMO_CONFIG_DIR
from tests.browser.conftest import Screen, api_get, serve_demo, token

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo with its first patrol boat (the `patrol` user's) crewed for Shishi, whose
    waters raise alerts within the recording's first minute; the bundled crew's Quangang
    sees none for minutes, and a tablet test needs tasks."""
    config = tmp_path_factory.mktemp("config")
    shutil.copytree(DEMO_CONFIG_DIR, config, dirs_exist_ok=True)
    with serve_demo("--config", str(crew_for(config / "seagrid.toml", "shishi"))) as base:
        yield base


def crew_for(toml: Path, office: str) -> Path:
    """Rewrite the first [[patrol_vessels]] entry's office in a copied configuration."""
    text = toml.read_text(encoding="utf-8")
    start = text.index("[[patrol_vessels]]")
    rest = re.sub(r'(?m)^office = "[^"]+"', f'office = "{office}"', text[start:], count=1)
    toml.write_text(text[:start] + rest, encoding="utf-8")
    return toml.parent


def _post(base: str, user: str, path: str, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token(base, user)}"}
    response = httpx.post(f"{base}/api/{path}", json=body, headers=headers, timeout=10)
    response.raise_for_status()
    return response.json()


def _open_alert_of(base: str, office: str, timeout: float = 60) -> dict[str, Any]:
    """An open or acknowledged alert of `office` (the demo raises them as it replays)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = api_get(base, "operator", "alerts", office=office, status="open,acknowledged")
        # a prediction closes itself when the vessel turns away: not a case to work on
        lasting = [a for a in page["items"] if a["rule"] != "predicted_entry"]
        if lasting:
            return dict(lasting[0])
        time.sleep(1)
    pytest.fail(f"no open alert of {office} within {timeout} s")


def _reports(base: str, alert_id: str) -> list[dict[str, Any]]:
    history = api_get(base, "operator", f"alerts/{alert_id}/history")
    return [h for h in history if h["change"] == "reported"]


@pytest.mark.parametrize("screen", [{"width": 1280, "height": 800}], indirect=True)
def test_tablet_report_reaches_the_case_history_once_even_if_resent(screen: Screen) -> None:
    screen.login("patrol")
    screen.wait_vessels()
    page = screen.page
    assert screen.js("window.seagrid.mapView.vessels.home") is None  # the tablet fades nothing
    alert = _open_alert_of(screen.base, _office_of_patrol(screen))
    task = page.locator(f".task[data-id='{alert['id']}']")
    task.wait_for(timeout=30_000)
    page.context.set_offline(True)  # written offline, kept in the outbox
    task.locator("button[data-report=on_scene]").click()
    assert page.evaluate("window.seagrid.queue.pending().length") == 1
    entry = page.evaluate("window.seagrid.queue.pending()[0]")
    task.locator(".queued").wait_for()
    screen.shot("-offline")
    page.context.set_offline(False)
    page.wait_for_function("window.seagrid.queue.pending().length === 0", timeout=30_000)
    reports = _reports(screen.base, alert["id"])
    assert [(r["actor"], r["note"], r["report_id"]) for r in reports] == [
        ("patrol", "到达现场", entry["id"])
    ]
    # the answer was lost, say: the outbox sends the same entry again
    again = page.evaluate("(e) => window.seagrid.queue.send(e)", entry)
    assert again["duplicate"] is True and again["changes"] == []
    assert len(_reports(screen.base, alert["id"])) == 1


def _office_of_patrol(screen: Screen) -> str:
    user = screen.js("(() => { const s = sessionStorage.getItem('seagrid.token');"
                     " return JSON.parse(atob(s.split('.')[0].replace(/-/g,'+').replace(/_/g,'/'))); })()")  # fmt: skip
    return str(user["office"])


@pytest.mark.parametrize("screen", [{"width": 1280, "height": 800}], indirect=True)
def test_tablet_result_closes_the_case_and_the_task_goes(screen: Screen) -> None:
    screen.login("patrol")
    screen.wait_vessels()
    page = screen.page
    alert = _open_alert_of(screen.base, _office_of_patrol(screen))
    task = page.locator(f".task[data-id='{alert['id']}']")
    task.wait_for(timeout=30_000)
    # one read of the whole card: the task list is rebuilt as the own boat moves
    heights = page.evaluate(
        "(id) => [...document.querySelector(`.task[data-id='${id}']`)"
        ".querySelectorAll('button.big')].map(b => b.getBoundingClientRect().height)",
        alert["id"],
    )
    assert len(heights) >= 6 and min(heights) >= 48  # touch targets on a moving boat
    screen.shot("-task")
    task.locator("button[data-report=violation]").click()
    page.locator("dialog.confirm button[data-role=confirm]").click()  # a result asks first
    task.wait_for(state="detached", timeout=15_000)  # resolved: no longer a task
    stored = api_get(screen.base, "operator", f"alerts/{alert['id']}")
    assert stored["status"] == "resolved"
    history = api_get(screen.base, "operator", f"alerts/{alert['id']}/history")
    assert [(h["change"], h["actor"], h["note"]) for h in history[-2:]] == [
        ("reported", "patrol", "核查：已查处"),
        ("resolved", "patrol", None),
    ]


def _an_office_with_an_open_alert(base: str, timeout: float = 60) -> dict[str, Any]:
    """An open or acknowledged lasting alert of any office: earlier tests in the session
    resolve some, and which office has one left depends on where the demo loop is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = api_get(base, "operator", "alerts", status="open,acknowledged")
        for alert in page["items"]:
            if alert["rule"] != "predicted_entry" and alert["office"] in OFFICE_USERS:
                return dict(alert)
        time.sleep(1)
    pytest.fail(f"no open alert of an office within {timeout} s")


OFFICE_USERS = ("quangang", "huian", "fengze", "shishi", "jinjiang", "nanan")


def test_alert_panel_shows_the_case_history_with_field_reports_live(screen: Screen) -> None:
    alert = _an_office_with_an_open_alert(screen.base)
    _post(screen.base, "operator", f"alerts/{alert['id']}/report", {"note": "登临检查，证照齐全"})
    screen.login(alert["office"])
    page = screen.page
    item = page.locator(f".alert-item[data-id='{alert['id']}']")
    item.wait_for(timeout=30_000)
    item.locator("button[data-action=history]").click()
    reported = item.locator(".alert-history li[data-change=reported]")
    reported.first.wait_for()
    notes = reported.all_inner_texts()
    assert any("登临检查，证照齐全" in n and "operator" in n for n in notes), notes
    assert "null" not in item.inner_text() and "undefined" not in item.inner_text()
    assert item.locator(".alert-history li[data-change=raised]").count() >= 1
    # a crew's next report arrives while the history is open: it appears without a click
    _post(screen.base, "operator", f"alerts/{alert['id']}/report", {"note": "责令驶离"})
    page.wait_for_function(
        "([id, n]) => [...document.querySelectorAll(`.alert-item[data-id='${id}'] .alert-history "
        "li[data-change=reported]`)].length === n",
        arg=[alert["id"], len(notes) + 1],
    )
    assert "责令驶离" in reported.last.inner_text()
    item.scroll_into_view_if_needed()
    screen.shot("-history")
    item.locator("button[data-action=history]").click()
    assert item.locator(".alert-history").count() == 0


def test_office_view_subscribes_to_its_waters_and_fades_the_rest(screen: Screen) -> None:
    screen.login("shishi")
    screen.wait_vessels()
    page = screen.page
    limit = screen.js("window.seagrid.mapView.limit")
    cells = api_get(screen.base, "shishi", "cells")
    lons = [c[0] for f in cells["features"] if f["properties"]["office"] == "shishi"
            for ring in _rings(f["geometry"]) for c in ring]  # fmt: skip
    assert limit[0] < min(lons) and limit[2] > max(lons)
    assert limit[2] - limit[0] < max(lons) - min(lons) + 0.2  # its waters, not everything
    page.evaluate("window.seagrid.mapView.map.setZoom(6)")  # zoomed far out
    page.wait_for_function(
        "(l) => { const b = window.seagrid.mapView.live.bbox;"
        " return b[0] >= l[0] - 1e-3 && b[2] <= l[2] + 1e-3 && b[1] >= l[1] - 1e-3"
        " && b[3] <= l[3] + 1e-3; }",
        arg=limit,
    )
    page.wait_for_timeout(2500)  # the snapshot for the new box, and a tick or two
    vessels = screen.js(
        "[...window.seagrid.mapView.vessels.records.values()].map(r => ["
        "r.data.lon, r.data.lat, r.data.office ?? null, r.feature.properties.away,"
        " r.feature.properties.cat])"
    )
    assert vessels, "some vessels in the office's waters"
    for lon, lat, office, away, cat in vessels:
        assert (
            limit[0] - 0.01 <= lon <= limit[2] + 0.01 and limit[1] - 0.01 <= lat <= limit[3] + 0.01
        )
        assert away == (office != "shishi" and cat != "patrol")
    page.evaluate("window.seagrid.mapView.map.setZoom(11)")
    screen.shot("-faded")


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]
