"""The UI's pure modules (no DOM state) run in the browser as the app loads them."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Screen

pytestmark = pytest.mark.browser


def run(screen: Screen, body: str) -> object:
    """Import the app's modules by URL inside the page and evaluate `body` with them."""
    screen.page.goto(f"{screen.base}/")
    screen.page.wait_for_selector("form.login")
    script = f"""async () => {{
      const geo = await import('./src/geo.js');
      const alerts = await import('./src/alert_list.js');
      const search = await import('./src/search.js');
      const layer = await import('./src/vessel_layer.js');
      const types = await import('./src/shiptypes.js');
      {body}
    }}"""
    return screen.page.evaluate(script)


def test_bearing_and_distance(screen: Screen) -> None:
    result = run(
        screen,
        """return {
      north: geo.distanceNm(24.0, 118.0, 25.0, 118.0),
      east: geo.bearingDeg(25.0, 118.0, 25.0, 118.5),
      south: geo.bearingDeg(25.0, 118.0, 24.5, 118.0),
      same: geo.distanceNm(25.0, 118.5, 25.0, 118.5),
      point: geo.compassPoint(44), wrap: geo.compassPoint(359),
      ahead: geo.deadReckon(25.0, 118.0, 12, 0, 30),
    };""",
    )
    assert result["north"] == pytest.approx(60.04, abs=0.05)  # one degree of latitude
    assert result["east"] == pytest.approx(89.9, abs=0.2)
    assert result["south"] == pytest.approx(180.0, abs=0.01)
    assert result["same"] == 0
    assert (result["point"], result["wrap"]) == ("NE", "N")
    assert result["ahead"] == pytest.approx([118.0, 25.1], abs=1e-9)  # 6 nm north in 30 min


def test_alert_order_centre_by_severity_office_by_oldest_open(screen: Screen) -> None:
    result = run(
        screen,
        """
      const a = [
        {id: 'old-info', severity: 'info', status: 'open', raised_at: '2026-03-02T00:00:00Z'},
        {id: 'new-crit', severity: 'critical', status: 'open', raised_at: '2026-03-02T00:10:00Z'},
        {id: 'acked', severity: 'critical', status: 'acknowledged', raised_at: '2026-03-01T23:00:00Z'},
        {id: 'closed', severity: 'critical', status: 'resolved', raised_at: '2026-03-02T00:20:00Z'},
        {id: 'new-warn', severity: 'warning', status: 'open', raised_at: 1772409900},  // Unix seconds: 00:05Z
      ];
      return {
        centre: [...a].sort(alerts.bySeverity).map(x => x.id),
        office: [...a].sort(alerts.byOldestOpen).map(x => x.id),
        active: a.filter(x => alerts.matches(x, {status: 'active'})).length,
        rule: alerts.matches({rule: 'speeding'}, {rule: 'zone_entry'}),
      };""",
    )
    assert result["centre"] == ["new-crit", "acked", "new-warn", "old-info", "closed"]
    # critical first until resolved, acknowledged or not; then the longest waiting
    assert result["office"] == ["new-crit", "acked", "old-info", "new-warn", "closed"]
    assert result["active"] == 4
    assert result["rule"] is False


def test_search_matches_name_mmsi_call_sign_imo_and_nothing_else(screen: Screen) -> None:
    result = run(
        screen,
        """
      const v = {mmsi: 413990601, name: '海巡08608', callsign: 'BQRS', imo: 9123456};
      return ['海巡', '41399', 'bqrs', '9123', 'HAIXUN', '99060', ''].map(q => search.matchesQuery(v, q));""",
    )
    assert result == [True, True, True, True, False, False, False]


def test_rotation_heading_else_course_else_circle(screen: Screen) -> None:
    result = run(
        screen,
        """return [
      layer.rotationOf({heading: 10, course: 200}), layer.rotationOf({heading: null, course: 200}),
      layer.rotationOf({heading: null, course: null}), layer.rotationOf({heading: 0, course: 90}),
      types.categoryOf(70), types.categoryOf(84), types.categoryOf(30), types.categoryOf(null), types.categoryOf(99),
    ];""",
    )
    assert result == [10, 200, None, 0, "cargo", "tanker", "fishing", "unknown", "other"]
