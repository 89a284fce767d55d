"""Puts the alert stage's inputs into event-time order for the rules and the AlertBook (pure).

Positions, static reports and safety messages reach the alerts stage on three topics, so
their interleaving on arrival depends on scheduling. The rules must not: a replay has to
give the same alerts every run. So static reports and messages are buffered and applied
just before the first position that is *later* than them (strictly: of a static report and
a position with the same timestamp the position goes first, whichever arrived first), and
the clock-driven work (`RuleEngine.tick`, `AlertBook.advance`) runs at fixed multiples of
`tick_interval` of event time, before the first position at or past each of them. Given
the positions in order, the result depends on nothing but the input.

A static report or message concerns its own vessel only, so it needs its place only among
that vessel's positions: the batch of positions handed to the rules at once (vectorised) is
cut for it only when the batch already holds a position of that vessel.

What is not covered: a static report or message whose timestamp is earlier than a position
that precedes it in the input (recordings whose clock steps backwards) is applied whenever
it happens to arrive.

Partitions (pairs.py): a partition's tick at `now` must see the other partitions as one
process would, so `process_until` stops before a tick that the others have not reached yet
(their watermark), and a `Clock` adds the ticks one process would have run for the other
partitions' positions (and their learned coverage) before each of its own.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.alerts.lifecycle import AlertBook, CommandError
from services.alerts.model import AlertChange, Observation, OperatorCommand, unix_seconds
from services.core.faults import Faults, reason_of
from services.core.types import CellPosition, VesselStatic

log = logging.getLogger(__name__)

# Ten seconds of event time: ais_gap thresholds are minutes, close-quarters passes every
# 30 s by default, so a finer tick only costs time.
DEFAULT_TICK_INTERVAL = 10.0


class Clock(Protocol):
    """What the processor needs of the other partitions' event time (pairs.SharedPicture)."""

    def ticks_between(self, after: float, before: float) -> list[float]:
        """The other partitions' tick times in (after, before), in order."""
        ...

    def before_tick(self, now: float) -> None:
        """Take in what the other partitions learned before `now` (coverage)."""
        ...


class Rules(Protocol):
    """What the processor needs of `services.alerts.evaluator.RuleEngine`."""

    def observe(
        self, positions: list[CellPosition]
    ) -> tuple[list[CellPosition], list[Observation]]: ...

    def observe_static(self, statics: list[VesselStatic]) -> None: ...

    def observe_message(
        self, fields: dict[str, Any], ts: float, mmsi: int
    ) -> list[Observation]: ...

    def tick(self, now: float) -> list[Observation]: ...


@dataclass(slots=True)
class Output:
    accepted: list[CellPosition] = field(default_factory=list)
    changes: list[AlertChange] = field(default_factory=list)


class AlertProcessor:
    def __init__(
        self, rules: Rules, book: AlertBook, tick_interval: float = DEFAULT_TICK_INTERVAL
    ) -> None:
        if not tick_interval > 0:
            raise ValueError(f"tick_interval must be positive, got {tick_interval!r}")
        self.rules, self.book, self.tick_interval = rules, book, tick_interval
        self.counters: Counter[str] = Counter()
        self.faults = Faults("alerts", log)
        self._statics: list[tuple[float, int, VesselStatic]] = []
        self._messages: list[tuple[float, int, dict[str, Any]]] = []
        self._seq = itertools.count()  # ties keep arrival order
        self._next_tick = -math.inf
        self.clock = -math.inf
        self.partitions: Clock | None = None  # the other partitions' ticks (pairs.py)

    def add_statics(self, statics: Iterable[VesselStatic]) -> None:
        for static in statics:
            heapq.heappush(self._statics, (static.ts, next(self._seq), static))

    def add_message(self, fields: dict[str, Any]) -> None:
        """Buffer a decoded message (CONTRACTS §3 fields); raises ValueError when unusable."""
        mmsi = fields.get("mmsi")
        if not isinstance(mmsi, int):
            raise ValueError(f"message without an MMSI: {mmsi!r}")
        ts = unix_seconds(fields.get("ts"))
        when = self.clock if ts is None else ts
        heapq.heappush(self._messages, (when, next(self._seq), fields))

    def process(self, positions: list[CellPosition]) -> Output:
        return self.process_until(positions)[0]

    def boundary(self, p: CellPosition) -> float | None:
        """The event time of the tick `p` would run first, or None when it runs none."""
        return None if p.ts < self._next_tick else self._slot(p.ts)

    def _slot(self, ts: float) -> float:
        return math.floor(ts / self.tick_interval) * self.tick_interval

    @property
    def last_tick(self) -> float:
        """The event time of the last tick run (-inf before the first)."""
        return self._next_tick - self.tick_interval

    def process_until(
        self, positions: list[CellPosition], horizon: float = math.inf, ticks: int = -1
    ) -> tuple[Output, int]:
        """Handle `positions` in order up to the first that would run a tick later than
        `horizon`, or the `ticks`+1-th tick (-1: no limit); returns the output and how many
        positions were handled (the rest are for a later call)."""
        out = Output()
        prefetch = getattr(self.rules, "prefetch", None)
        if prefetch is not None:
            prefetch(positions)  # the rules' spatial questions, once for every chunk below
        chunk: list[CellPosition] = []
        vessels: set[int] = set()
        handled = 0
        for p in positions:
            if p.ts >= self._next_tick:
                if ticks == 0 or self._slot(p.ts) > horizon:
                    break
                ticks -= 1
                self._observe(chunk, out)
                chunk, vessels = [], set()
                self._tick_at(p.ts, out)
            if _earlier(self._statics, p.ts) or _earlier(self._messages, p.ts):
                if self._apply_buffered(p.ts, out, vessels):
                    self._observe(chunk, out)
                    chunk, vessels = [], set()
                    self._apply_buffered(p.ts, out, vessels)
            chunk.append(p)
            vessels.add(p.mmsi)
            if p.ts > self.clock:
                self.clock = p.ts
            handled += 1
        self._observe(chunk, out)
        return out, handled

    def tick_until(self, horizon: float) -> Output:
        """Run the other partitions' ticks up to `horizon` (ours included): our input has
        run dry, so no position of ours before them is still to come (pairs.py)."""
        out = Output()
        others = self.partitions
        if others is None:
            return out
        for then in others.ticks_between(self.last_tick, math.nextafter(horizon, math.inf)):
            others.before_tick(then)
            self._tick(then, out)
            self._next_tick = then + self.tick_interval
        return out

    def finish(self) -> Output:
        """Apply what is still buffered (end of input): nothing later will come to order it."""
        out = Output()
        self._apply_buffered(math.inf, out)
        return out

    def command(self, command: OperatorCommand) -> list[AlertChange]:
        try:
            changes = self.book.command(command)
        except (CommandError, ValueError) as exc:
            self.counters["commands_rejected"] += 1
            log.warning("alerts: operator command not applied: %s", exc)
            return []
        except Exception as exc:  # a bug met by an odd command: drop it, keep the stage
            self.counters["commands_rejected"] += 1
            self.faults.record(reason_of("command", exc), exc, command)
            return []
        self.counters["commands"] += 1
        return changes

    def _tick_at(self, ts: float, out: Output) -> None:
        now = self._slot(ts)
        others = self.partitions
        if others is not None:
            # One process ticks for every partition's positions: run the ticks the others'
            # positions would have run in it, each after what they learned before it.
            for then in others.ticks_between(self.last_tick, now):
                others.before_tick(then)
                self._tick(then, out)
            others.before_tick(now)
        self._next_tick = now + self.tick_interval
        self._tick(now, out)

    def _apply_buffered(self, before: float, out: Output, busy: set[int] | None = None) -> bool:
        """Apply buffered items earlier than `before`, stopping at the first one about a
        vessel in `busy` (its positions must be handled first); True when it stopped."""
        statics = []
        blocked = False
        while _earlier(self._statics, before):
            if busy and self._statics[0][2].mmsi in busy:
                blocked = True
                break
            statics.append(heapq.heappop(self._statics)[2])
        if statics:
            self._observe_statics(statics)
        while _earlier(self._messages, before):
            if busy and self._messages[0][2]["mmsi"] in busy:
                return True
            when, _, fields = heapq.heappop(self._messages)
            self.counters["messages"] += 1
            try:
                obs = self.rules.observe_message(fields, when, fields["mmsi"])
                out.changes += self.book.observe(obs)
            except Exception as exc:
                self.faults.record(reason_of("message", exc), exc, fields.get("mmsi"))
        return blocked

    def _observe_statics(self, statics: list[VesselStatic]) -> None:
        try:
            self.rules.observe_static(statics)
        except Exception as exc:
            if len(statics) == 1:
                self.faults.record(reason_of("static", exc), exc, statics[0].mmsi)
                return
            for static in statics:  # isolate the report that breaks, keep the others
                self._observe_statics([static])
            return
        self.counters["statics"] += len(statics)

    def _tick(self, now: float, out: Output) -> None:
        # A tick is driven by a record's time: if it fails, that tick's work is lost, not
        # the stage (the next tick starts afresh from the rules' state).
        try:
            out.changes += self.book.observe(self.rules.tick(now))
        except Exception as exc:
            self.faults.record(reason_of("tick", exc), exc, now)
        try:
            out.changes += self.book.advance(now)
        except Exception as exc:
            self.faults.record(reason_of("advance", exc), exc, now)
        self.counters["ticks"] += 1

    def _observe(self, chunk: list[CellPosition], out: Output) -> None:
        if not chunk:
            return
        try:
            accepted, observations = self.rules.observe(chunk)
        except Exception as exc:
            if len(chunk) == 1:
                self.counters["rule_errors"] += 1
                self.faults.record(reason_of("position", exc), exc, chunk[0])
                return
            for p in chunk:  # isolate the position that breaks a rule, keep the others
                self._observe([p], out)
            return
        self.counters["positions"] += len(chunk)
        self.counters["rejected"] += len(chunk) - len(accepted)
        out.accepted += accepted
        try:
            out.changes += self.book.observe(observations)
        except Exception as exc:
            self.faults.record(reason_of("observation", exc), exc, len(observations))


def _earlier(heap: list[tuple[float, int, Any]], ts: float) -> bool:
    return bool(heap) and heap[0][0] < ts
