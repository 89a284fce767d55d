"""Faults of one record: counted by reason, logged once per reason and then rarely.

A stage handles millions of lines and records; one of them that makes the code raise (a bug
met by an odd input, a value out of range) must cost that record only, never the stage:
"a crashed stage takes the process down" is for faults of the stage itself (a lost bus),
not for a poisoned record that would crash it again after every restart.

`Faults.record(reason, exc)` counts the fault and logs it with its traceback the first time a
reason is seen, then at most once per `interval` seconds per reason with how many were not
logged since, so a hostile feed cannot flood the log. The counts go to the stage's status
and from there to `/metrics`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable


class Faults:
    """Counts and rate-limited logs of per-record faults of one stage (or one loop)."""

    def __init__(
        self,
        where: str,
        logger: logging.Logger,
        *,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.where = where
        self.counts: Counter[str] = Counter()
        self._log = logger
        self._interval = interval
        self._clock = clock
        self._logged_at: dict[str, float] = {}
        self._unlogged: Counter[str] = Counter()

    def record(self, reason: str, exc: BaseException, subject: object = None) -> None:
        """Count one fault of `reason`; log it unless this reason was logged recently."""
        self.counts[reason] += 1
        now = self._clock()
        last = self._logged_at.get(reason)
        if last is not None and now - last < self._interval:
            self._unlogged[reason] += 1
            return
        self._logged_at[reason] = now
        skipped = self._unlogged.pop(reason, 0)
        more = f" ({skipped} more since the last report)" if skipped else ""
        about = f" on {subject!r:.200}" if subject is not None else ""
        self._log.warning(
            "%s: %s%s skipped: %s: %s%s",
            self.where,
            reason,
            about,
            type(exc).__name__,
            exc,
            more,
            exc_info=exc if last is None else None,  # one traceback per reason is enough
        )

    def total(self) -> int:
        return sum(self.counts.values())


def reason_of(stage_part: str, exc: BaseException) -> str:
    """A counter reason: where it happened and the exception's class (`tick.KeyError`)."""
    return f"{stage_part}.{type(exc).__name__}"
