"""The report's stylesheet, inlined in its HTML, and the CSP hash that lets it apply.

A report is self-contained (it is saved, mailed and previewed in the map page from a blob:
URL, which inherits the page's Content-Security-Policy), so its CSS sits in a `<style>`
element. Rather than allowing every inline style on the map's pages, the policy names this
one stylesheet by its SHA-256 (services/web/headers.py): nothing else inline applies.
"""

from __future__ import annotations

import base64
import hashlib
from importlib.resources import files

REPORT_CSS = files("services.reports").joinpath("templates/report.css").read_text("utf-8")
STYLE_HASH = "'sha256-{}'".format(
    base64.b64encode(hashlib.sha256(REPORT_CSS.encode("utf-8")).digest()).decode("ascii")
)
