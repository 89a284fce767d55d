"""Contrast of text against its background meets WCAG AA (4.5:1, 3:1 for large text) in every
view and both languages, checked by axe-core (from npm, injected from frontend/node_modules:
no network) in the real pages of `seagrid serve --demo`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import REPO, Screen

pytestmark = pytest.mark.browser
AXE = REPO / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def contrast_violations(screen: Screen) -> list[dict[str, Any]]:
    if not AXE.is_file():
        pytest.skip("frontend/node_modules/axe-core is missing: run scripts/setup (npm ci)")
    screen.page.add_script_tag(path=str(AXE))
    result = screen.js(
        """async () => {
          const r = await axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}});
          return r.violations.flatMap(v => v.nodes.map(n => ({html: n.html.slice(0, 120),
            summary: n.failureSummary})));
        }"""
    )
    return list(result)


def _open_view(screen: Screen, user: str, lang: str) -> None:
    screen.login(user)
    screen.wait_vessels(30_000)
    screen.page.select_option("select.lang", lang)
    screen.page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
    if user != "patrol":
        screen.page.locator(".alert-item").first.wait_for(timeout=60_000)
    screen.page.wait_for_timeout(1000)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("user", ["operator", "shishi", "patrol"])
def test_text_contrast_meets_wcag_aa(screen: Screen, user: str, lang: str) -> None:
    _open_view(screen, user, lang)
    if user == "operator":  # a warning badge, an ended and an escalated alert on screen too
        screen.js(
            """() => window.seagrid.panel.push({id: 'c-1', rule: 'speeding', mmsi: 412555001,
              other_mmsi: null, zone: null, cell: null, office: 'shishi', severity: 'warning',
              status: 'open', raised_at: new Date().toISOString(), cleared_at: new Date().toISOString(),
              lat: 24.8, lon: 118.8, details: {speed_kn: 15, limit_kn: 10}, escalated_to: ['centre']}, {})"""
        )
    assert contrast_violations(screen) == []
