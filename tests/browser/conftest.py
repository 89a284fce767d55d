"""A real `seagrid serve --demo` and Debian's headless Chromium for the map's browser tests.

The browser is /usr/bin/chromium driven by Playwright (never a downloaded browser build:
the machines are offline). Without it the tests skip with the reason; scripts/setup installs
it on Debian when run as root. Each test saves a screenshot under build/screenshots/ (or
$SEAGRID_SCREENSHOTS) for a person to look at.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SCREENSHOTS = Path(os.environ.get("SEAGRID_SCREENSHOTS", REPO / "build" / "screenshots"))
PASSWORD = "demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"seagrid serve --demo exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail("seagrid serve --demo did not become healthy in time")


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Base URL of a `seagrid serve --demo` subprocess on a free port."""
    with serve_demo() as base:
        yield base


@contextlib.contextmanager
def serve_demo(*extra: str) -> Iterator[str]:
    """`seagrid serve --demo` with `extra` arguments (e.g. --config DIR) until the block ends."""
    if not (REPO / "frontend" / "vendor" / "maplibre-gl.js").is_file():
        pytest.skip("frontend/vendor is missing: run scripts/setup (npm ci in frontend/)")
    port = _free_port()
    command = [sys.executable, "-m", "services.cli.main", "serve", "--demo", "--port", str(port)]
    log = (REPO / "build").resolve()
    log.mkdir(exist_ok=True)
    with open(log / "browser-serve.log", "ab") as out:
        process = subprocess.Popen(
            [*command, *extra], cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, process)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing (Debian package chromium; scripts/setup installs it as root)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Screen:
    """One browser tab on the server, with the errors the page raised."""

    def __init__(self, page: Any, base: str, name: str) -> None:
        self.page, self.base, self.name = page, base, name
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self, user: str, password: str = PASSWORD) -> None:
        self.page.goto(f"{self.base}/")
        self.page.wait_for_selector("form.login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", password)
        self.page.click("form.login button[type=submit]")

    def wait_vessels(self, timeout_ms: float = 5000) -> int:
        handle = self.page.wait_for_function(
            "window.seagrid?.mapView?.vessels?.size || null", timeout=timeout_ms
        )
        return int(handle.json_value())

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def shot(self, suffix: str = "") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}{suffix}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def screen(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Screen]:
    """A fresh browser context (own storage) per test at a desktop size, zh-CN default."""
    size = getattr(request, "param", {"width": 1440, "height": 900})
    # Playwright's wait_for_function evaluates strings in the page, which the server's
    # Content-Security-Policy (script-src 'self') forbids: tests see the page without it,
    # and test_csp.py checks the page under it.
    context = browser.new_context(viewport=size, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    s = Screen(page, server, request.node.name.replace("[", "-").rstrip("]"))
    try:
        yield s
        s.shot()
    finally:
        context.close()
    assert not s.errors, f"errors in the page: {s.errors}"


def token(base: str, user: str, password: str = PASSWORD) -> str:
    response = httpx.post(f"{base}/api/auth/token", data={"username": user, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


def api_get(base: str, user: str, path: str, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token(base, user)}"}
    response = httpx.get(f"{base}/api/{path}", params=params, headers=headers, timeout=10)
    response.raise_for_status()
    return response.json()
