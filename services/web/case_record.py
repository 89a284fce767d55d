"""A vessel's record (repeat offender view): its alerts, cases, outcomes and measures of
the last 12 months, for `GET /api/vessels/{mmsi}` and the case panel.

Alerts follow the usual rule (an office user sees its office's); the cases' outcomes and
measures are shown to every user, whichever office handled them: a vessel fined by one
office last month is exactly what the next office boarding it must know.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.alerts.model import iso_utc
from services.alerts.store_api import AlertQuery
from services.cases.model import Outcome
from services.cases.store_api import CaseQuery
from services.web.auth import User
from services.web.runtime import WebRuntime

YEAR = 365 * 24 * 3600.0


async def vessel_record(runtime: WebRuntime, user: User, mmsi: int) -> dict[str, Any]:
    since = runtime.case_clock() - YEAR
    page = await runtime.alerts.list(AlertQuery(mmsi=mmsi, since=since, limit=200))
    alerts = [a for a in page.items if user.may_see_office(a.office)]
    cases = await runtime.case_store.list(CaseQuery(mmsi=mmsi, since=since, limit=200))
    cases.sort(key=lambda c: c.created_at, reverse=True)
    outcomes = Counter(c.outcome for c in cases if c.outcome)
    return {
        "since": iso_utc(since),
        "alerts": [
            {
                "id": a.id,
                "rule": a.rule,
                "office": a.office,
                "status": a.status,
                "raised_at": iso_utc(a.raised_at),
            }
            for a in alerts
        ],
        "alert_count": len(alerts),
        "cases": [
            {
                "id": c.id,
                "type": c.type,
                "title": c.title,
                "office": c.office,
                "status": c.status,
                "created_at": iso_utc(c.created_at),
                "closed_at": iso_utc(c.closed_at),
                "outcome": c.outcome,
                "measures": list(c.measures),
            }
            for c in cases
        ],
        "case_count": len(cases),
        "violations": outcomes.get(Outcome.VIOLATION.value, 0),
        "outcomes": dict(outcomes),
    }
