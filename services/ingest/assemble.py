"""Multi-sentence reassembly (pure: no IO, no clock of its own).

Why not `pyais.NMEAQueue`: after a lost fragment it glues a stale fragment to the next
message and raises nothing. Here a group only grows in order: fragment 1 always starts a
new group (discarding an unfinished one under the same key), fragment n joins only a group
that holds exactly fragments 1..n-1, and anything else is an orphan, dropped at once.

Key: (feed, tag-block source, talker, channel, sequence id, fragment count), so interleaved
messages of other receivers, talkers or channels never mix. Fragments carrying a tag-block
group (`g:1-2-42`) are keyed by (feed, group id, total) instead, because real feeds put
`s:`/`c:` on the first fragment only (and may put another sentence between fragments).

Time limit: a group started more than `ttl` seconds before `expire(now)` is dropped; its
age is measured on the receive clock the caller passes in (`received_at`), the same clock it
calls `expire` with. Groups without a receive time (offline decoding) end by displacement,
by the `max_groups` bound or at `finish()`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from services.ingest.framing import Sentence


@dataclass(slots=True)
class _Group:
    parts: list[Sentence]
    started: float | None


@dataclass(slots=True)
class Outcome:
    """What one fragment did: completed a message (`parts`) and/or made fragments drop."""

    parts: list[Sentence] | None = None
    dropped: list[Sentence] = field(default_factory=list)


class Assembler:
    def __init__(self, ttl: float, max_groups: int = 4096) -> None:
        self.ttl = ttl
        self.max_groups = max_groups
        self._groups: dict[Hashable, _Group] = {}

    @property
    def pending(self) -> int:
        """Fragments waiting in incomplete groups."""
        return sum(len(g.parts) for g in self._groups.values())

    def add(self, s: Sentence, feed: str, received_at: float | None = None) -> Outcome:
        """Add one fragment; a single-sentence message completes at once."""
        group = s.group
        if group is not None:
            num, total = group.num, group.total
            key: Hashable = (feed, group.gid, total)
        else:
            num, total = s.frag_num, s.frag_cnt
            key = (feed, s.source, s.talker, s.channel, s.seq_id, total)
        if total == 1:
            return Outcome(parts=[s])
        if num == 1:
            return self._start(key, s, received_at)
        return self._continue(key, s, num, total)

    def _start(self, key: Hashable, s: Sentence, received_at: float | None) -> Outcome:
        old = self._groups.pop(key, None)
        out = Outcome()
        if old is not None:
            out.dropped = old.parts
        if len(self._groups) >= self.max_groups:
            oldest = next(iter(self._groups))
            out.dropped = out.dropped + self._groups.pop(oldest).parts
        self._groups[key] = _Group([s], received_at)
        return out

    def _continue(self, key: Hashable, s: Sentence, num: int, total: int) -> Outcome:
        group = self._groups.get(key)
        if group is None or len(group.parts) != num - 1:
            # An orphan (its first fragment was lost) or out of order: never glue it.
            stale = self._groups.pop(key).parts if group is not None else []
            return Outcome(dropped=[*stale, s])
        group.parts.append(s)
        if num == total:
            del self._groups[key]
            return Outcome(parts=group.parts)
        return Outcome()

    def expire(self, now: float) -> list[Sentence]:
        """Drop groups older than the TTL; returns their fragments."""
        limit = now - self.ttl
        old = [k for k, g in self._groups.items() if g.started is not None and g.started < limit]
        return [s for k in old for s in self._groups.pop(k).parts]

    def finish(self) -> list[Sentence]:
        """End of input: every incomplete group is dropped; returns their fragments."""
        parts = [s for g in self._groups.values() for s in g.parts]
        self._groups.clear()
        return parts
