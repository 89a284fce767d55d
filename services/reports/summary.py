"""The written summary: plain sentences from the figures, largest changes first.

Each candidate sentence compares one figure with the previous period and carries the size
of its change; the report prints the totals first, then the changes that moved most (by
relative change, ignoring figures too small for a percentage to mean anything).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.reports.data import ReportData
from services.reports.i18n import Words

MIN_BASE = 5  # below this, "+300 %" is noise: the sentence states counts only
MAX_CHANGES = 4


@dataclass(frozen=True, slots=True)
class Change:
    weight: float
    text: str


def summarise(data: ReportData, w: Words) -> list[str]:
    """The summary's sentences in `w`'s language."""
    if data.empty:
        return [w.t("empty")]
    zh = w.lang == "zh-CN"
    t, p = data.traffic, data.previous_traffic
    a, pa = data.alerts, data.previous_alerts
    opening = [
        (
            f"本期共有{t.vessels}艘船舶在{'辖区' if data.office is None else '本处水域'}内出现，"
            f"累计{t.vessel_hours}船舶小时，"
            f"进入网格{t.entries}次；上期为{p.vessels}艘、{p.vessel_hours}船舶小时。"
            if zh
            else f"{t.vessels} vessels were seen in the "
            f"{'jurisdiction' if data.office is None else 'office' + chr(39) + 's waters'} "
            f"({t.vessel_hours} vessel-hours, "
            f"{t.entries} cell entries), against {p.vessels} vessels and "
            f"{p.vessel_hours} vessel-hours in the previous period."
        ),
        (
            f"本期共发生预警{a.total}起（上期{pa.total}起），其中紧急预警和遇险事件{len(a.serious)}起。"
            if zh
            else f"{a.total} alerts were raised ({pa.total} in the previous period), "
            f"{len(a.serious)} of them critical or distress."
        ),
    ]
    if _nothing(data):
        return [*opening, w.t("no_previous"), *_cases(data, w)]
    changes = [
        _change(w, w.t("vessels"), t.vessels, p.vessels),
        _change(w, w.t("vessel_hours"), t.vessel_hours, p.vessel_hours),
        _change(w, w.t("alerts_total"), a.total, pa.total),
        *_group_changes(data, w),
        *_rule_changes(data, w),
        *_response_change(data, w),
    ]
    ranked = sorted((c for c in changes if c is not None), key=lambda c: -c.weight)
    return opening + [c.text for c in ranked[:MAX_CHANGES]] + _cases(data, w)


def _nothing(data: ReportData) -> bool:
    """The previous period holds nothing (before the system ran): changes would mislead."""
    return data.previous_traffic.positions == 0 and data.previous_alerts.total == 0


def _change(w: Words, what: str, now: float, before: float) -> Change | None:
    if now == before:
        return None
    zh = w.lang == "zh-CN"
    if before < MIN_BASE:
        if max(now, before) < MIN_BASE:
            return None
        text = (
            f"{what}由上期的{before:g}变为{now:g}。"
            if zh
            else f"{what}: {now:g}, from {before:g} in the previous period."
        )
        return Change(1.0, text)
    rel = (now - before) / before
    up = rel > 0
    pct = f"{abs(rel) * 100:.0f}%"
    if zh:
        text = f"{what}较上期{'增加' if up else '减少'}{pct}（{before:g} → {now:g}）。"
    else:
        text = f"{what} {'rose' if up else 'fell'} by {pct} ({before:g} → {now:g})."
    return Change(abs(rel), text)


def _group_changes(data: ReportData, w: Words) -> list[Change | None]:
    now = {g["ship_group"]: g["vessels"] for g in data.traffic.groups}
    before = {g["ship_group"]: g["vessels"] for g in data.previous_traffic.groups}
    return [
        _change(w, w.group(name) + ("艘数" if w.lang == "zh-CN" else " vessels"),
                now.get(name, 0), before.get(name, 0))
        for name in sorted(set(now) | set(before))
    ]  # fmt: skip


def _rule_changes(data: ReportData, w: Words) -> list[Change | None]:
    now, before = data.alerts.by("rule"), data.previous_alerts.by("rule")
    suffix = "预警" if w.lang == "zh-CN" else " alerts"
    return [
        _change(w, w.rule(name) + suffix, now.get(name, 0), before.get(name, 0))
        for name in sorted(set(now) | set(before))
    ]


def _response_change(data: ReportData, w: Words) -> list[Change | None]:
    now = data.alerts.overall.get("ack_median_s")
    before = data.previous_alerts.overall.get("ack_median_s")
    if now is None or before is None or before <= 0:
        return []
    change = _change(w, w.t("ack_median"), round(now / 60, 1), round(before / 60, 1))
    if change is None:
        return []
    unit = "（分钟）" if w.lang == "zh-CN" else " (minutes)"
    return [
        Change(
            change.weight, change.text.rstrip("。.") + unit + ("。" if w.lang == "zh-CN" else ".")
        )
    ]


def _cases(data: ReportData, w: Words) -> list[str]:
    c = data.cases
    if c is None or c.opened + c.closed + c.overdue == 0:
        return []
    if w.lang == "zh-CN":
        return [f"本期新立案件{c.opened}件，办结{c.closed}件，超期未办结{c.overdue}件。"]
    return [f"{c.opened} cases were opened and {c.closed} closed; {c.overdue} are overdue."]
