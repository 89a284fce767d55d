"""The written summary: totals first, then the largest changes, in plain sentences."""

from __future__ import annotations

import datetime as dt

import numpy as np

from services.core.config import load_config
from services.demo import CONFIG_DIR
from services.reports.data import ReportData
from services.reports.i18n import Words
from services.reports.period import add_months, period_for
from services.reports.summary import summarise
from services.stats.alerts import AlertFigures
from services.stats.traffic import Density, TrafficFigures


def data(
    now: TrafficFigures, before: TrafficFigures, alerts: AlertFigures, previous_alerts: AlertFigures
) -> ReportData:
    return ReportData(
        config=load_config(CONFIG_DIR), period=period_for("week", dt.date(2026, 3, 8)),
        office=None, traffic=now, previous_traffic=before, alerts=alerts,
        previous_alerts=previous_alerts, cases=None, density=Density(np.zeros((1, 1)), 0, 0),
        generated_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC),
    )  # fmt: skip


def daily(**per_rule: int) -> AlertFigures:
    rows = [
        {"day": "d", "rule": r, "cell": "c", "office": "o", "alerts": n}
        for r, n in per_rule.items()
    ]
    return AlertFigures(total=sum(per_rule.values()), daily=rows)


def test_largest_changes_come_first_in_both_languages() -> None:
    now = TrafficFigures(vessels=120, vessel_hours=1000, positions=5, entries=40,
                         groups=[{"ship_group": "fishing", "vessels": 60, "vessel_hours": 1}])  # fmt: skip
    before = TrafficFigures(vessels=100, vessel_hours=990, positions=5, entries=30,
                            groups=[{"ship_group": "fishing", "vessels": 20, "vessel_hours": 1}])  # fmt: skip
    report = data(now, before, daily(speeding=30, ais_gap=10), daily(speeding=10, ais_gap=10))
    zh = summarise(report, Words("zh-CN"))
    assert zh[0].startswith("本期共有120艘船舶") and "上期为100艘" in zh[0]
    assert zh[1].startswith("本期共发生预警40起（上期20起）")
    # fishing vessels +200 % and speeding +200 % first, then all alerts +100 %, vessels +20 %
    assert "渔船艘数较上期增加200%（20 → 60）。" in zh[2:4]
    assert "超速预警较上期增加200%（10 → 30）。" in zh[2:4]
    assert zh[4] == "预警总数较上期增加100%（20 → 40）。"
    assert zh[5] == "船舶艘数较上期增加20%（100 → 120）。"
    assert len(zh) == 6  # at most four changes; vessel-hours +1 % is not among them
    en = summarise(report, Words("en"))
    assert "Alerts rose by 100% (20 → 40)." in en
    assert not any("AIS gap" in s for s in en)  # unchanged figures say nothing


def test_empty_and_first_periods() -> None:
    nothing = data(TrafficFigures(), TrafficFigures(), AlertFigures(), AlertFigures())
    assert summarise(nothing, Words("en")) == [
        "No data: no positions, alerts or cases were recorded in this period."
    ]
    first = data(
        TrafficFigures(vessels=3, positions=9), TrafficFigures(), daily(distress=1), AlertFigures()
    )
    assert summarise(first, Words("zh-CN"))[-1] == "上期无数据，不作环比。"


def test_periods() -> None:
    assert period_for("month", dt.date(2026, 1, 31)).start == dt.date(2026, 1, 1)
    march = period_for("month", dt.date(2026, 3, 15))
    assert (march.start, march.last) == (dt.date(2026, 2, 16), dt.date(2026, 3, 15))
    assert march.previous().last == dt.date(2026, 2, 15)
    quarter = period_for("quarter", dt.date(2026, 3, 31))
    assert (quarter.start, quarter.days) == (dt.date(2026, 1, 1), 90)
    assert period_for("week", dt.date(2026, 3, 8)).start == dt.date(2026, 3, 2)
    assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
