"""Notices to mariners and partners: the public page, the GeoJSON feed and the Atom feed.

What is published: waterworks sites and notices (navigation warnings, temporary restricted
areas) that are active now or start later; nothing ended, nothing else. Pure functions from
`PublicItem`s to bytes, so the web only adds caching headers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import orjson
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from services.alerts.model import iso_utc
from services.infocentre.model import Notice, Waterworks

ATOM = "http://www.w3.org/2005/Atom"

TEXT = {
    "zh-CN": {
        "title": "通航环境信息通告",
        "subtitle": "水上水下施工作业、航行警告与临时禁航区(现行及即将生效)",
        "waterworks": "水上水下施工作业",
        "navigation_warning": "航行警告",
        "restricted_area": "临时禁航区",
        "active": "生效中",
        "upcoming": "即将生效",
        "period": "时间",
        "operator": "施工单位",
        "permit": "许可证号",
        "contact": "联系方式",
        "safety_measures": "安全措施",
        "none": "目前没有现行或即将生效的通告。",
        "feeds": "订阅",
        "other": "English",
        "area": "范围",
    },
    "en": {
        "title": "Navigation-environment notices",
        "subtitle": "Waterworks, navigation warnings and temporary restricted areas "
        "(in force and upcoming)",
        "waterworks": "Waterworks",
        "navigation_warning": "Navigation warning",
        "restricted_area": "Temporary restricted area",
        "active": "In force",
        "upcoming": "Upcoming",
        "period": "Period",
        "operator": "Operator",
        "permit": "Permit",
        "contact": "Contact",
        "safety_measures": "Safety measures",
        "none": "No notices are in force or upcoming.",
        "feeds": "Feeds",
        "other": "中文",
        "area": "Area",
    },
}


# Served as /public/notices.css rather than inline: the site's Content-Security-Policy allows
# styles from its own origin only.
STYLE = """body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0 auto;max-width:60rem;
padding:1rem;color:#1d2733;background:#f5f7fa}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
article{background:#fff;border-left:4px solid #2a6fdb;margin:.75rem 0;padding:.5rem 1rem}
article.restricted_area{border-color:#c62828} article.waterworks{border-color:#ef8f00}
.state{font-size:.85em;padding:0 .4em;border-radius:3px;background:#e3ecfa}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
dt{color:#5a6878} dd{margin:0}
"""


@dataclass(frozen=True)
class PublicItem:
    id: str
    kind: str  # waterworks, navigation_warning, restricted_area
    title: str
    title_en: str
    text: str
    text_en: str
    area: BaseGeometry | None
    active_from: float
    active_to: float
    updated: float
    state: str
    extra: dict[str, str]


def public_items(sites: list[Waterworks], notices: list[Notice], now: float) -> list[PublicItem]:
    """Active and upcoming items, soonest start first."""
    items = [
        PublicItem(
            s.id,
            "waterworks",
            s.name,
            "",
            "",
            "",
            s.area,
            s.active_from,
            s.active_to,
            s.created_at,
            s.state(now),
            {
                "operator": s.operator,
                "permit": s.permit,
                "contact": s.contact,
                "safety_measures": s.safety_measures,
            },
        )  # fmt: skip
        for s in sites
    ] + [
        PublicItem(
            n.id,
            n.kind,
            n.title,
            n.title_en,
            n.text,
            n.text_en,
            n.area,
            n.active_from,
            n.active_to,
            n.created_at,
            n.state(now),
            {},
        )  # fmt: skip
        for n in notices
    ]
    live = [i for i in items if i.state != "ended"]
    return sorted(live, key=lambda i: (i.active_from, i.id))


def geojson(items: list[PublicItem]) -> bytes:
    features = [
        {
            "type": "Feature",
            "id": i.id,
            "geometry": mapping(i.area) if i.area is not None else None,
            "properties": {
                "id": i.id,
                "kind": i.kind,
                "title": i.title,
                "title_en": i.title_en or None,
                "text": i.text or None,
                "text_en": i.text_en or None,
                "state": i.state,
                "active_from": iso_utc(i.active_from),
                "active_to": iso_utc(i.active_to),
                **{k: v for k, v in i.extra.items() if v},
            },
        }
        for i in items
    ]
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def atom(items: list[PublicItem], base_url: str, centre: str, lang: str) -> bytes:
    """An Atom 1.0 feed (RFC 4287): id, title, updated on the feed and every entry."""
    t = TEXT[lang]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _sub(feed, "id", f"{base_url}/public/notices")
    _sub(feed, "title", f"{centre} {t['title']}")
    _sub(feed, "subtitle", t["subtitle"])
    _sub(feed, "updated", iso_utc(max((i.updated for i in items), default=0.0)) or "")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base_url}/public/notices.atom")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=f"{base_url}/public/notices")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _sub(author, "name", centre)
    for i in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _sub(entry, "id", f"{base_url}/public/notices#{i.id}")
        _sub(entry, "title", f"[{t[i.kind]}] {_title(i, lang)}")
        _sub(entry, "updated", iso_utc(i.updated) or "")
        _sub(entry, "published", iso_utc(i.updated) or "")
        ET.SubElement(entry, f"{{{ATOM}}}link", href=f"{base_url}/public/notices#{i.id}")
        ET.SubElement(entry, f"{{{ATOM}}}category", term=i.kind, label=t[i.kind])
        _sub(entry, "summary", _summary(i, lang))
    body: bytes = ET.tostring(feed, encoding="unicode").encode()
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def page(items: list[PublicItem], centre: str, lang: str) -> str:
    t = TEXT[lang]
    other = "en" if lang == "zh-CN" else "zh-CN"
    cards = "".join(_card(i, lang) for i in items) or f"<p>{t['none']}</p>"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(centre)} · {t["title"]}</title>
<link rel="alternate" type="application/atom+xml" href="/public/notices.atom?lang={lang}">
<link rel="stylesheet" href="/public/notices.css"></head><body>
<header><h1>{html.escape(centre)} {t["title"]}</h1>
<a href="/public/notices?lang={other}" hreflang="{other}">{t["other"]}</a></header>
<p>{t["subtitle"]}</p>
{cards}
<footer><p>{t["feeds"]}: <a href="/public/notices.atom?lang={lang}">Atom</a> ·
<a href="/public/notices.geojson">GeoJSON</a></p></footer>
</body></html>
"""


def _card(item: PublicItem, lang: str) -> str:
    t = TEXT[lang]
    period = f"{iso_utc(item.active_from)} — {iso_utc(item.active_to)}"
    rows = [(t["period"], period)]
    rows += [(t[k], v) for k, v in item.extra.items() if v]
    if item.area is not None:
        minx, miny, maxx, maxy = item.area.bounds
        rows.append((t["area"], f"{miny:.4f}°N–{maxy:.4f}°N, {minx:.4f}°E–{maxx:.4f}°E"))
    details = "".join(f"<dt>{k}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    text = _text(item, lang)
    body = f"<p>{html.escape(text)}</p>" if text else ""
    return (
        f'<article id="{html.escape(item.id)}" class="{item.kind}">'
        f"<h2>{t[item.kind]}: {html.escape(_title(item, lang))} "
        f'<span class="state">{t[item.state]}</span></h2>{body}<dl>{details}</dl></article>'
    )


def _title(item: PublicItem, lang: str) -> str:
    return item.title_en if lang == "en" and item.title_en else item.title


def _text(item: PublicItem, lang: str) -> str:
    return item.text_en if lang == "en" and item.text_en else item.text


def _summary(item: PublicItem, lang: str) -> str:
    t = TEXT[lang]
    parts = [_text(item, lang), f"{t['period']}: {iso_utc(item.active_from)} — "
             f"{iso_utc(item.active_to)}"]  # fmt: skip
    parts += [f"{t[k]}: {v}" for k, v in item.extra.items() if v]
    return "\n".join(p for p in parts if p)


def _sub(parent: ET.Element, tag: str, text: str) -> Any:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element
