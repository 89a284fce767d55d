"""Take the screenshots of docs/ui.md: `.venv/bin/python -m tests.browser.docs_screenshots`.

Starts `seagrid serve --demo`, waits a minute so the demo has traffic and alerts, signs in
as each kind of user, and writes small PNGs (downscaled by the browser itself, so no image
library is needed) to docs/screenshots/.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from typing import Any

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, REPO, _free_port, _wait_healthy

OUT = REPO / "docs" / "screenshots"
SHRINK = """async (png) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + png;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = Math.round(img.width * 0.625); c.height = Math.round(img.height * 0.625);
  const ctx = c.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(img, 0, 0, c.width, c.height);
  return c.toDataURL('image/png').split(',')[1];
}"""


def save(page: Any, name: str) -> None:
    png = base64.b64encode(page.screenshot()).decode()
    small = base64.b64decode(page.evaluate(SHRINK, png))
    (OUT / f"{name}.png").write_bytes(small)
    print(f"{name}.png {len(small) // 1024} KiB")  # noqa: T201 - a command-line tool


def login(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "demo")
    page.click("form.login button[type=submit]")
    page.wait_for_function("window.seagrid?.mapView?.vessels?.size || null", timeout=15_000)
    page.wait_for_timeout(2500)


def shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", bypass_csp=True
        )
        page.goto(f"{base}/")
        page.wait_for_selector("form.login")
        save(page, "login")
        login(page, base, "operator")
        save(page, "console-zh")
        first = page.locator(".alert-item").first
        if first.count():
            first.locator(".rule").click()
            page.wait_for_timeout(3000)
            save(page, "console-vessel-track")
        page.select_option("select.lang", "en")
        page.wait_for_timeout(1500)
        save(page, "console-en")
        page.select_option("select.lang", "zh-CN")
        page.click(".topbar .logout")
        login(page, base, "shishi")
        save(page, "office-shishi")
        page.click(".topbar .logout")
        login(page, base, "patrol")
        page.wait_for_timeout(1500)
        save(page, "tablet-1280x800")
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
        time.sleep(60)  # let the demo raise some alerts
        shoot(base)
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
