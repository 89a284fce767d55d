"""A report as HTML (self-contained: charts are data URIs) or PDF (WeasyPrint, same HTML).

`build_report` is what the command and the endpoint call: gather the figures, write the
summary, draw the charts, render. Drawing takes most of a second of CPU, so the web calls
it in a worker thread (`render_html` and `render_pdf` are synchronous and share nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
from jinja2 import Environment, PackageLoader, select_autoescape

from services.core.config import SeagridConfig
from services.reports import charts
from services.reports.data import ReportData, gather
from services.reports.i18n import Words
from services.reports.period import Period
from services.reports.style import REPORT_CSS
from services.reports.summary import summarise
from services.stats.incremental import REPORT_TZ

FORMATS = ("html", "pdf")
_ENV = Environment(
    loader=PackageLoader("services.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


async def build_report(
    pool: asyncpg.Pool,
    config: SeagridConfig,
    period: Period,
    office: str | None,
    lang: str,
    fmt: str,
) -> bytes:
    """The report as bytes in `fmt`; raises ValueError for a bad lang or format and
    data.UnknownOffice for an office not configured."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be html or pdf, not {fmt!r}")
    words = Words(lang)
    data = await gather(pool, config, period, office)
    html = render_html(data, words)
    return render_pdf(html) if fmt == "pdf" else html.encode("utf-8")


def render_html(data: ReportData, w: Words) -> str:
    return _ENV.get_template("report.html").render(_context(data, w))


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: it loads pango, which HTML reports never need

    pdf = HTML(string=html).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)


def _context(data: ReportData, w: Words) -> dict[str, Any]:
    office_name = _office_name(data.config, data.office, w)
    ctx: dict[str, Any] = {
        "w": w,
        "d": data,
        "lang": w.lang,
        "css": REPORT_CSS,  # exactly, so that its CSP hash matches (services/reports/style.py)
        "title": w.t("title"),
        "subtitle": f"{office_name} · {w.t('period.' + data.period.kind)}",
        "period_text": f"{data.period.start.isoformat()} – {data.period.last.isoformat()}",
        "previous_text": f"{data.period.previous().start.isoformat()} – {data.period.previous().last.isoformat()}",
        "generated": data.generated_at.astimezone(_tz()).strftime("%Y-%m-%d %H:%M"),
        "summary": summarise(data, w),
        "office_label": lambda o: _office_name(data.config, o, w),
        "minutes": _minutes,
        "pct": _pct,
        "num": _num,
        "local_time": lambda t: t.astimezone(_tz()).strftime("%m-%d %H:%M"),
    }
    if not data.empty:
        ctx["charts"] = _charts(data, w)
    return ctx


def _charts(data: ReportData, w: Words) -> dict[str, str]:
    t, a = data.traffic, data.alerts
    out: dict[str, str] = {}
    if t.days:
        out["trend"] = charts.trend(
            [d["day"].isoformat() for d in t.days],
            [d["vessels"] for d in t.days],
            [d["vessel_hours"] for d in t.days],
            (w.t("vessels"), w.t("vessel_hours")),
        )
    if t.groups:
        out["groups"] = charts.bars(
            [w.group(g["ship_group"]) for g in t.groups],
            [g["vessels"] for g in t.groups],
            w.t("vessels"),
        )
    if a.daily:
        rules = list(a.by("rule"))
        offices = list(a.by("office"))
        series = {
            _office_name(data.config, o, w): [
                sum(r["alerts"] for r in a.daily if r["rule"] == rule and r["office"] == o)
                for rule in rules
            ]
            for o in offices
        }
        out["alerts"] = charts.stacked([w.rule(r) for r in rules], series, w.t("count"))
    timed = [r for r in a.rules if r["ack_median_s"] is not None]
    if timed:
        out["times"] = charts.paired(
            [w.rule(r["rule"]) for r in timed],
            [r["ack_median_s"] / 60 for r in timed],
            [r["ack_p90_s"] / 60 for r in timed],
            (w.t("ack_median"), w.t("ack_p90")),
            w.t("minutes"),
        )
    if data.cases is not None and data.cases.outcomes:
        out["cases"] = charts.bars(
            [w.word(o["outcome"]) for o in data.cases.outcomes],
            [o["cases"] for o in data.cases.outcomes],
            w.t("count"),
        )
    out["density"] = charts.density_map(data.density, data.config, data.office, w.t("positions"))
    return out


def _office_name(config: SeagridConfig, office: str | None, w: Words) -> str:
    if office is None:
        return w.t("area.all")
    if office == config.centre.id:
        return config.centre.name if w.lang == "zh-CN" else office
    for o in config.offices:
        if o.id == office:
            return o.name if w.lang == "zh-CN" else o.id
    return office


def _tz() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(REPORT_TZ)


def _minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f}"


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
