"""The map under the Content-Security-Policy the server sends: MapLibre's blob: workers, the
offline basemap, the live WebSocket and the console all work, and nothing is refused.

This test's browser context keeps the policy (the other tests bypass it, see conftest), so
it waits by polling `page.evaluate` (run by the DevTools protocol, outside the policy)
rather than with `wait_for_function` (which evaluates a string in the page).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:  # noqa: ARG001 (the server must run)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def _poll(page: Any, expression: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"never true: {expression}")


def test_console_works_under_the_csp_with_no_violation(page: Any, server: str) -> None:
    messages: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "(window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber + ' ' + e.sample));"
    )
    response = page.goto(f"{server}/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "worker-src 'self' blob:" in csp and "frame-ancestors 'none'" in csp
    page.wait_for_selector("form.login")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    assert _poll(page, "window.seagrid?.mapView?.vessels?.size || 0") > 5  # live WebSocket
    # Rendered features need MapLibre's workers (blob: URLs) to have parsed the sources.
    _poll(
        page,
        "window.seagrid.mapView.map.queryRenderedFeatures({layers: ['vessel-icons']}).length",
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-under-csp.png"))
    violations = [m for m in messages if "Content Security Policy" in m]
    assert page.evaluate("window.__csp || []") == [] and violations == [] and errors == []


def test_login_back_off_is_explained_in_the_users_language(page: Any, server: str) -> None:
    """After repeated wrong passwords the server answers 429: the form says to wait, in
    zh-CN, rather than "cannot reach the server". (An account of its own: the back-off is
    per account, and the other browser tests log in as the demo users.)"""
    page.goto(f"{server}/")
    page.wait_for_selector("form.login")
    error = page.locator("form.login .error")
    for _ in range(7):
        page.fill("input[name=username]", "nobody-here")
        page.fill("input[name=password]", "wrong")
        page.click("form.login button[type=submit]")
        error.wait_for(state="visible")
        if "秒后再试" in error.inner_text():
            break
        page.wait_for_timeout(200)
    assert error.inner_text().startswith("登录失败次数过多，请 ")
