"""Case figures of an area over a period, where cases are kept in PostgreSQL (`cases`).

Cases arrived later than traffic and alerts, and a database may predate them: when the
table (or a column these figures use) does not exist, `case_figures` returns None and the
report says that case figures are not available, rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.stats.traffic import Area, _row

_WHERE = "($3::text IS NULL OR c.office = $3)"
_COUNTS = f"""
SELECT count(*) FILTER (WHERE c.created_at >= $1 AND c.created_at < $2) AS opened,
       count(*) FILTER (WHERE c.closed_at >= $1 AND c.closed_at < $2
                        AND c.status = 'closed') AS closed,
       count(*) FILTER (WHERE c.status NOT IN ('closed', 'cancelled') AND c.created_at < $2
                        AND c.deadline < least($2, now())) AS overdue,
       count(*) FILTER (WHERE c.status NOT IN ('closed', 'cancelled') AND c.created_at < $2)
           AS open_at_end,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.closed_at - c.created_at))
           FILTER (WHERE c.closed_at >= $1 AND c.closed_at < $2 AND c.status = 'closed')
           AS close_median_s
FROM cases c WHERE {_WHERE}"""
_OUTCOMES = f"""
SELECT coalesce(c.outcome, 'none') AS outcome, count(*) AS cases
FROM cases c WHERE {_WHERE} AND c.closed_at >= $1 AND c.closed_at < $2 AND c.status = 'closed'
GROUP BY 1 ORDER BY 2 DESC, 1"""
_MEASURES = f"""
SELECT m AS measure, count(*) AS cases
FROM cases c, unnest(c.measures) AS m
WHERE {_WHERE} AND c.closed_at >= $1 AND c.closed_at < $2 AND c.status = 'closed'
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20"""
_BY_OFFICE = f"""
SELECT c.office, count(*) FILTER (WHERE c.created_at >= $1 AND c.created_at < $2) AS opened,
       count(*) FILTER (WHERE c.closed_at >= $1 AND c.closed_at < $2
                        AND c.status = 'closed') AS closed
FROM cases c WHERE {_WHERE} GROUP BY 1 ORDER BY 1"""


@dataclass(slots=True)
class CaseFigures:
    opened: int = 0
    closed: int = 0
    overdue: int = 0
    open_at_end: int = 0
    close_median_s: float | None = None
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    offices: list[dict[str, Any]] = field(default_factory=list)


async def case_figures(pool: asyncpg.Pool, area: Area) -> CaseFigures | None:
    """The figures, or None when this database keeps no cases (see the module docstring)."""
    args = (*area.bounds(), area.office)
    async with pool.acquire() as conn:
        if await conn.fetchval("SELECT to_regclass('cases')") is None:
            return None
        try:
            counts = _row(await conn.fetchrow(_COUNTS, *args))
            figures = CaseFigures(**counts)
            figures.outcomes = [_row(r) for r in await conn.fetch(_OUTCOMES, *args)]
            figures.measures = [_row(r) for r in await conn.fetch(_MEASURES, *args)]
            figures.offices = [_row(r) for r in await conn.fetch(_BY_OFFICE, *args)]
        except asyncpg.exceptions.SyntaxOrAccessError:
            return None  # a cases table of another shape than this version knows
    return figures
