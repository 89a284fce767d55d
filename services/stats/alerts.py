"""Alert figures of an area over a period, computed from the alert tables when asked.

Alerts are thousands a month, not millions: a query over `alerts` (indexed by office and
raise time) and their first responses in `alert_changes` takes milliseconds, and medians and
90th percentiles cannot be kept incrementally anyway without keeping every value.

Definitions (docs/reports.md): an alert belongs to the period it was raised in. Time to
acknowledge: from raise to a person's first change that took it out of `open` (acknowledge, a
field report, resolve or false alarm; a `predicted_entry` the pipeline closed itself was
acknowledged by nobody and counts as not acknowledged), which the store records on the alert itself
(`acknowledged_at`, `acknowledged_by`; migration 0023 filled it in for older alerts). Time to resolve: from raise to the change that closed it
(resolved or false alarm). False-alarm share of a rule: false alarms among its alerts that
an operator closed (resolved or false alarm): the figure a rule's thresholds are tuned by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.stats.incremental import REPORT_TZ
from services.stats.traffic import Area, _row

_WHERE = "a.raised_at >= $1 AND a.raised_at < $2 AND ($3::text IS NULL OR a.office = $3)"
_DAILY = f"""
SELECT (a.raised_at AT TIME ZONE '{REPORT_TZ}')::date AS day, a.rule, a.cell, a.office,
       count(*) AS alerts
FROM alerts a WHERE {_WHERE} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""
_TIMES = f"""
WITH a AS (SELECT a.id, a.rule, a.status, a.raised_at, a.acknowledged_at
           FROM alerts a WHERE {_WHERE}),
t AS (
    SELECT a.rule, a.status,
           extract(epoch FROM a.acknowledged_at - a.raised_at) AS ack_s,
           extract(epoch FROM (SELECT min(c.at) FROM alert_changes c
                               WHERE c.alert_id = a.id
                                 AND c.status IN ('resolved', 'false_alarm')) - a.raised_at)
               AS resolve_s
    FROM a
)
SELECT rule, count(*) AS alerts,
       count(*) FILTER (WHERE status = 'false_alarm') AS false_alarms,
       count(*) FILTER (WHERE status IN ('resolved', 'false_alarm')) AS closed,
       count(ack_s) AS acknowledged,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ack_s) AS ack_median_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ack_s) AS ack_p90_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve_s) AS resolve_median_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY resolve_s) AS resolve_p90_s
FROM t GROUP BY ROLLUP (rule) ORDER BY rule NULLS LAST"""
_SERIOUS = f"""
SELECT a.id, a.rule, a.mmsi, a.office, a.cell, a.severity, a.status, a.raised_at, a.lat, a.lon,
       v.shipname
FROM alerts a LEFT JOIN vessels v ON v.mmsi = a.mmsi
WHERE {_WHERE} AND (a.severity = 'critical' OR a.rule = 'distress')
ORDER BY a.raised_at, a.id LIMIT $4"""


@dataclass(slots=True)
class AlertFigures:
    total: int = 0
    daily: list[dict[str, Any]] = field(default_factory=list)  # day, rule, cell, office, alerts
    rules: list[dict[str, Any]] = field(default_factory=list)  # per rule: counts and times
    overall: dict[str, Any] = field(default_factory=dict)  # the same over every rule
    serious: list[dict[str, Any]] = field(default_factory=list)

    def by(self, key: str) -> dict[str, int]:
        """Alerts per `key` (rule, office, cell or day) from the daily rows."""
        out: dict[str, int] = {}
        for row in self.daily:
            name = str(row[key])
            out[name] = out.get(name, 0) + row["alerts"]
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


async def alert_figures(pool: asyncpg.Pool, area: Area, serious_limit: int = 100) -> AlertFigures:
    args = (*area.bounds(), area.office)
    async with pool.acquire() as conn:
        daily = [_row(r) for r in await conn.fetch(_DAILY, *args)]
        times = [_with_share(_row(r)) for r in await conn.fetch(_TIMES, *args)]
        serious = [_row(r) for r in await conn.fetch(_SERIOUS, *args, serious_limit)]
    overall = next((t for t in times if t["rule"] is None), {})
    rules = [t for t in times if t["rule"] is not None]
    return AlertFigures(sum(r["alerts"] for r in daily), daily, rules, overall, serious)


def _with_share(row: dict[str, Any]) -> dict[str, Any]:
    row["false_alarm_share"] = row["false_alarms"] / row["closed"] if row["closed"] else None
    return row
