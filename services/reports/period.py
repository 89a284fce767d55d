"""Report periods: a week, month or quarter of local days ending on a given day.

`--end 2026-01-31 --period month` is 2026-01-01 to 2026-01-31 inclusive; a month or quarter
ending mid-month runs from the same day of the earlier month (`--end 2026-03-15` month:
2026-02-16 to 2026-03-15), so any day can end a report. The previous period, which the
summary compares against, is the one of the same kind ending the day before this one starts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

KINDS = ("week", "month", "quarter")
_MONTHS = {"month": 1, "quarter": 3}


class PeriodError(ValueError):
    """A period kind or end date that makes no report."""


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    start: dt.date  # first day
    end: dt.date  # the day after the last: [start, end)

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        return period_for(self.kind, self.start - dt.timedelta(days=1))


def period_for(kind: str, last: dt.date) -> Period:
    """The period of `kind` whose last day is `last`; raises PeriodError for another kind."""
    end = last + dt.timedelta(days=1)
    if kind == "week":
        return Period(kind, end - dt.timedelta(days=7), end)
    if kind not in _MONTHS:
        raise PeriodError(f"period must be one of {', '.join(KINDS)}, not {kind!r}")
    return Period(kind, add_months(end, -_MONTHS[kind]), end)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_end(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"end must be a date YYYY-MM-DD, not {text!r}") from None
