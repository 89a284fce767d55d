"""The bus: how stages talk to each other, and only through it.

A topic is an append-only, bounded log of encoded records. Consumers read it in *groups*:
each record is delivered to one consumer of each group, and stays *pending* for that group
until acknowledged. Delivery is at least once: a record whose consumer died (pending longer
than `claim_idle` seconds) is handed to another consumer of the group, and a record that has
been delivered `max_attempts` times without an ack goes to the dead-letter topic
`<topic>.dead` instead. Handlers must therefore be idempotent.

Backends are chosen by URL scheme (`memory://`, `redis://`), like uvicorn picks a protocol
implementation from a string: `open_bus(url)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Delivery:
    """One record handed to a consumer: ack it by `id` once it has been handled."""

    id: str
    payload: bytes
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class BusOptions:
    """Tuning shared by both backends (see docs/architecture.md for the defaults' reasons)."""

    maxlen: int = 200_000  # records kept per topic (Redis: approximate, MAXLEN ~)
    claim_idle: float = 30.0  # seconds a pending record may sit before another consumer takes it
    max_attempts: int = 5  # deliveries before a record is dead-lettered


def dead_letter_topic(topic: str) -> str:
    """Where records that kept failing go, for an operator to inspect."""
    return f"{topic}.dead"


class Bus(Protocol):
    """What every backend provides; `tests/core/test_bus_contract.py` holds them to it."""

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        """Append a batch of records to `topic`, in order."""

    async def ensure_group(self, topic: str, group: str) -> None:
        """Create the consumer group if missing; a new group starts at the oldest record kept."""

    async def read(
        self, topic: str, group: str, consumer: str, *, count: int = 512, block: float = 1.0
    ) -> list[Delivery]:
        """Up to `count` records for `consumer`, waiting at most `block` seconds for some.

        Records left pending longer than `claim_idle` (by any consumer of the group, a dead
        one included) come first, then new records. A backend may also hand a restarted
        consumer its own pending records first (Redis does, reading from id 0).
        """

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        """Mark records as handled for `group`."""

    async def pending(self, topic: str, group: str) -> int:
        """How many records the group has been given and not acknowledged."""

    async def lag(self, topic: str, group: str) -> int:
        """How many records of the topic the group has not yet been given."""

    async def close(self) -> None:
        """Release connections; the bus cannot be used afterwards."""


class BusError(RuntimeError):
    """The bus backend failed (connection lost, bad URL)."""


def open_bus(url: str, options: BusOptions | None = None) -> Bus:
    """Open the backend named by `url`'s scheme: `memory://` or `redis://host:port/db`."""
    opts = options or BusOptions()
    scheme = url.split("://", 1)[0] if "://" in url else url
    if scheme == "memory":
        from services.core.bus_memory import MemoryBus

        return MemoryBus(opts)
    if scheme in ("redis", "rediss", "unix"):
        from services.core.bus_redis import RedisBus

        return RedisBus(url, opts)
    raise BusError(f"unknown bus URL scheme {scheme!r} (use memory:// or redis://)")
