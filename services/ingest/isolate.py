"""Which records of a batch PostgreSQL rejected are at fault: written apart, by halves.

A batch is written in one transaction, so one record the database refuses (a constraint,
a trigger, a value it cannot take) fails the whole batch. Its neighbours must not share
its fate: persist writes the batch again in halves, and the halves that fail in halves
again, down to single deliveries. What is refused then is refused for a reason of its own;
it is left to the bus, which redelivers it and dead-letters it after `max_attempts`. For k
records at fault among n this costs about 2k log2(n) writes, and nothing when none is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

Entry = tuple[str, tuple[Any, ...]]  # a delivery id and the records it carried
Write = Callable[[list[Entry]], Awaitable[int]]  # returns the rows newly inserted


@dataclass
class Outcome:
    written: list[Entry] = field(default_factory=list)
    inserted: int = 0
    refused: list[tuple[Entry, str]] = field(default_factory=list)  # with the reason
    unwritten: list[Entry] = field(default_factory=list)  # the database became unreachable


async def write_apart(
    write: Write, entries: list[Entry], transient: tuple[type[BaseException], ...]
) -> Outcome:
    """Write `entries` (which failed together) apart, halving the groups that fail."""
    out = Outcome()
    for half in _halves(entries):
        await _sort(write, half, transient, out)
    return out


async def _sort(
    write: Write,
    entries: list[Entry],
    transient: tuple[type[BaseException], ...],
    out: Outcome,
) -> None:
    try:
        out.inserted += await write(entries)
    except transient:
        out.unwritten += entries
    except asyncpg.PostgresError as exc:
        if len(entries) == 1:
            out.refused.append((entries[0], f"{type(exc).__name__}: {exc}"))
            return
        for half in _halves(entries):
            await _sort(write, half, transient, out)
    else:
        out.written += entries


def _halves(entries: Sequence[Entry]) -> list[list[Entry]]:
    middle = (len(entries) + 1) // 2
    return [list(part) for part in (entries[:middle], entries[middle:]) if part]
