"""What happened to every input line, per feed and reason.

The books balance: once the decoder has finished (or for lines whose outcome is known),
every line read is counted exactly once, either as `accepted` or under one rejection
reason. Fragments of a multi-sentence message wait as `pending` until the message is
decoded (all its lines accepted), fails (all its lines rejected with that reason) or is
abandoned (`incomplete_group`). So at any time

    lines == accepted + sum(rejected) + pending

Lines that only carry the time of the next sentence (`$PGHP` wrappers, a tag block on a
line of its own) are used, hence accepted; `clock_lines` counts them separately.
Messages by type and duplicates are message counts, not line counts.

`bad_time`: the tag block, epoch prefix or `$PGHP` wrapper gives a time outside the sane
window (tagblock.EARLIEST..LATEST): the line is refused rather than stamped with the receive
time, because its source's clock cannot be trusted for the rest of it either.
`internal_error`: handling the line raised something unforeseen (a bug, never input alone);
the line is counted here and the feed goes on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

EMPTY = "empty"
CHECKSUM = "checksum"
FRAMING = "framing"
BAD_TIME = "bad_time"
TOO_LONG = "too_long"
UNSUPPORTED = "unsupported"
DECODE_ERROR = "decode_error"
BAD_POSITION = "bad_position"
INCOMPLETE_GROUP = "incomplete_group"
INTERNAL_ERROR = "internal_error"

REASONS = (
    EMPTY,
    CHECKSUM,
    FRAMING,
    BAD_TIME,
    TOO_LONG,
    UNSUPPORTED,
    DECODE_ERROR,
    BAD_POSITION,
    INCOMPLETE_GROUP,
    INTERNAL_ERROR,
)


@dataclass(slots=True)
class FeedCounts:
    """The books of one feed (or one input file for `seagrid decode`)."""

    lines: int = 0
    accepted: int = 0
    clock_lines: int = 0
    pending: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    messages: Counter[int] = field(default_factory=Counter)
    duplicates: int = 0

    def balanced(self) -> bool:
        return self.lines == self.accepted + self.pending + sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "accepted": self.accepted,
            "clock_lines": self.clock_lines,
            "pending": self.pending,
            "rejected": {r: self.rejected[r] for r in REASONS if self.rejected[r]},
            "messages": {str(t): n for t, n in sorted(self.messages.items())},
            "duplicates": self.duplicates,
        }


class Counters:
    """Counts per feed; the feed name is the key (tag-block sources are not trusted
    before a line's checksum is verified, so rejected lines only have a feed)."""

    def __init__(self) -> None:
        self.feeds: dict[str, FeedCounts] = {}

    def feed(self, name: str) -> FeedCounts:
        counts = self.feeds.get(name)
        if counts is None:
            counts = self.feeds[name] = FeedCounts()
        return counts

    def total(self) -> FeedCounts:
        """All feeds added up."""
        total = FeedCounts()
        for c in self.feeds.values():
            total.lines += c.lines
            total.accepted += c.accepted
            total.clock_lines += c.clock_lines
            total.pending += c.pending
            total.rejected.update(c.rejected)
            total.messages.update(c.messages)
            total.duplicates += c.duplicates
        return total

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: {feed: {lines, accepted, clock_lines, pending, rejected, ...}}."""
        return {name: c.as_dict() for name, c in self.feeds.items()}

    def summary(self) -> str:
        """Human-readable lines for stderr, one block per feed and a total."""
        out = [_block(name, c) for name, c in self.feeds.items()]
        if len(self.feeds) > 1:
            out.append(_block("total", self.total()))
        return "\n".join(out)


def _block(name: str, c: FeedCounts) -> str:
    rejected = sum(c.rejected.values())
    lines = [
        f"{name}: {c.lines} lines, {c.accepted} accepted ({c.clock_lines} clock lines), "
        f"{rejected} rejected, {sum(c.messages.values())} messages, {c.duplicates} duplicates"
    ]
    if c.pending:
        lines.append(f"  pending fragments: {c.pending}")
    for reason in REASONS:
        if c.rejected[reason]:
            lines.append(f"  rejected {reason}: {c.rejected[reason]}")
    if c.messages:
        types = ", ".join(f"{t}: {n}" for t, n in sorted(c.messages.items()))
        lines.append(f"  messages by type: {types}")
    return "\n".join(lines)
