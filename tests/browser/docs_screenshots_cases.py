"""The case screenshots of docs/ui.md: `.venv/bin/python -m tests.browser.docs_screenshots_cases`.

Starts `seagrid serve --demo`, waits for the demo's emergency case (the AIS-SART distress
alert arrives about two minutes in), and writes `case-panel.png` (the console with the
emergency case open) and `tablet-tasks.png` (the patrol crew's tasks) to docs/screenshots/.
"""

from __future__ import annotations

import subprocess
import sys

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, REPO, _free_port, _wait_healthy
from tests.browser.docs_screenshots import OUT, login, save


def shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", bypass_csp=True
        )
        page.set_default_timeout(60_000)
        login(page, base, "operator")
        emergency = ".case-item[data-type=search_rescue]"
        page.wait_for_selector(emergency, timeout=240_000)
        page.locator(emergency).first.click()
        page.wait_for_selector(".case-panel .emergency table.assist tr[data-mmsi]")
        page.wait_for_timeout(4000)
        save(page, "case-panel")
        page.click(".topbar .logout")
        login(page, base, "patrol")
        page.wait_for_selector(".case-tasks li.task")
        page.wait_for_timeout(2000)
        save(page, "tablet-tasks")
        browser.close()


def main() -> int:
    port = _free_port()
    command = [sys.executable, "-m", "services.cli.main", "serve", "--demo", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, server)
        shoot(base)
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
