"""`python -m services.core.probe [URL]`: a health check for containers without curl.

The image is python:3.11-slim, which has neither curl nor wget, and every seagrid process
answers HTTP probes (`/healthz` on `--metrics-port` for `seagrid run STAGE`, `/readyz` on
the web port). This asks one URL and exits 0 on a 2xx answer, 1 otherwise, printing why on
one line, as Docker's HEALTHCHECK and compose's `healthcheck.test` expect. The URL defaults
to `SEAGRID_HEALTH_URL`, so one HEALTHCHECK in the Dockerfile serves every service.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/readyz"


def probe(url: str, timeout: float = 3.0) -> str | None:
    """None when `url` answers 2xx in time, else the reason it is not healthy."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (own URL)
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, timed out, unresolvable, not a URL
        return f"{url}: {exc}"
    return None if 200 <= status < 300 else f"{url}: HTTP {status}"


def main(argv: list[str]) -> int:
    url = argv[0] if argv else os.environ.get("SEAGRID_HEALTH_URL", DEFAULT_URL)
    problem = probe(url)
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)  # noqa: T201 (a command's output)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
