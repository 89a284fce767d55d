"""The case UI's pure modules (board order, overdue, awaiting acknowledgement, boat ranking)
run in the browser as the app loads them."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Screen

pytestmark = pytest.mark.browser


def run(screen: Screen, body: str) -> object:
    screen.page.goto(f"{screen.base}/")
    screen.page.wait_for_selector("form.login")
    script = f"""async () => {{
      const cases = await import('./src/cases/case_model.js');
      const patrols = await import('./src/cases/patrol_model.js');
      {body}
    }}"""
    return screen.page.evaluate(script)


def test_board_order_overdue_and_awaiting(screen: Screen) -> None:
    result = run(
        screen,
        """
      const now = Date.parse('2026-03-02T10:00:00Z');
      const list = [
        {id: 'low-late', priority: 'low', status: 'assigned', deadline: '2026-03-02T09:00:00Z', office: 'a'},
        {id: 'crit', priority: 'critical', status: 'new', deadline: '2026-03-02T11:00:00Z', office: 'a', instructions: [{id: 'i', acknowledged_at: null}]},
        {id: 'high-soon', priority: 'high', status: 'in_progress', deadline: '2026-03-02T10:30:00Z', office: 'b'},
        {id: 'high-later', priority: 'high', status: 'acknowledged', deadline: '2026-03-02T12:00:00Z', office: 'b', pending_instructions: 0},
        {id: 'closed-late', priority: 'critical', status: 'closed', deadline: '2026-03-02T08:00:00Z', office: 'a'},
        {id: 'flagged', priority: 'normal', status: 'reported', deadline: '2026-03-02T11:00:00Z', overdue: true, office: 'b'},
      ];
      const order = [...list].sort(cases.byUrgency(now)).map(c => c.id);
      const counts = cases.boardCounts([{id: 'a'}, {id: 'b'}], list, now).map(r => [r.office.id, r.open, r.overdue, r.awaiting]);
      return {
        order, counts,
        overdue: list.filter(c => cases.isOverdue(c, now)).map(c => c.id),
        awaiting: list.filter(c => cases.awaitingAck(c)).map(c => c.id),
        seed: cases.caseFromAlert({id: 'al', rule: 'distress', severity: 'critical', office: 'shishi', mmsi: 970012345, lat: 24.7, lon: 118.8}, 't'),
        target: [cases.instructionTarget('patrol:413990601'), cases.instructionTarget('shishi')],
      };""",
    )
    assert isinstance(result, dict)
    assert result["order"] == [
        "flagged",
        "low-late",
        "crit",
        "high-soon",
        "high-later",
        "closed-late",
    ]  # fmt: skip  (overdue first, by priority; then open by priority and deadline; closed last)
    assert result["overdue"] == ["low-late", "flagged"]  # closed-late is closed: not overdue
    assert result["awaiting"] == ["low-late", "crit"]  # assigned, or an unacknowledged instruction
    assert result["counts"] == [["a", 2, 1, 2], ["b", 3, 1, 0]]
    seed = result["seed"]
    assert (seed["type"], seed["priority"], seed["office"], seed["alert_ids"]) == (
        "search_rescue", "critical", "shishi", ["al"],
    )  # fmt: skip
    assert (seed["lat"], seed["lon"], seed["mmsi"]) == (24.7, 118.8, 970012345)
    assert result["target"] == [
        {"kind": "patrol", "id": 413990601},
        {"kind": "office", "id": "shishi"},
    ]


def test_nearest_free_boat_of_the_office_is_suggested(screen: Screen) -> None:
    result = run(
        screen,
        """
      const now = Date.parse('2026-03-02T10:00:00Z');
      const fresh = '2026-03-02T09:59:30Z';
      const configured = [
        {mmsi: 1, office: 'a', service_speed_kn: 20}, {mmsi: 2, office: 'a'},
        {mmsi: 3, office: 'b'}, {mmsi: 4, office: 'a'}, {mmsi: 5, office: 'a'},
      ];
      const live = {
        1: {lat: 25.0, lon: 119.0, ts: fresh},           // 6 nm north of the target, free
        2: {lat: 24.95, lon: 119.0, ts: fresh},          // 3 nm, but on a task
        3: {lat: 24.91, lon: 119.0, ts: fresh},          // 0.6 nm, free, another office
        4: {lat: 24.9, lon: 119.01, ts: '2026-03-02T09:00:00Z'},  // nearest, silent for an hour
        5: {lat: 24.78, lon: 119.0, ts: fresh},          // 7.2 nm south, free
      };
      const open = [{id: 'c', status: 'assigned', patrol_mmsi: 2}];
      const rows = patrols.patrolRows({configured, live: (m) => live[m], cases: open, now});
      const ranked = patrols.rankBoats(rows, [119.0, 24.9], {office: 'a'});
      return {
        states: Object.fromEntries(rows.map(r => [r.mmsi, r.state])),
        ranked: ranked.map(r => r.mmsi),
        eta1: ranked.find(r => r.mmsi === 1).eta_min,
        suggested: patrols.suggestBoat(rows, [119.0, 24.9], {office: 'a'}).mmsi,
        ring: patrols.circlePolygon([119.0, 24.9], 1).coordinates[0].length,
      };""",
    )
    assert isinstance(result, dict)
    assert result["states"] == {
        "1": "free", "2": "on_task", "3": "free", "4": "out_of_contact", "5": "free",
    }  # fmt: skip
    # free first, the case's office first, then nearest; busy, then silent boats last
    assert result["ranked"] == [1, 5, 3, 2, 4]
    assert result["eta1"] == pytest.approx(6.0 / 20 * 60, rel=0.01)  # at its service speed
    assert result["suggested"] == 1
    assert result["ring"] == 73
