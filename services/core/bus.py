"""The bus: how stages talk to each other, and only through it.

A topic is an append-only, bounded log of encoded records (bytes, see `services.core.codec`).
Consumers read it in *groups*: each record is delivered to one consumer of each group, and
stays *pending* for that group until acknowledged. Delivery is at least once: a record whose
consumer died (pending longer than `claim_idle` seconds) is handed to another consumer of
the group, and a record that has been delivered `max_attempts` times without an ack goes to
the dead-letter topic `<topic>.dead` instead. Handlers must therefore be idempotent.

Where the backends differ (docs/bus.md): when a group falls `maxlen` records behind, the
in-process bus makes `publish` wait (backpressure, nothing is lost), while Redis trims the
oldest records anyway (a producer in another process must never stall on a dead consumer).

Backends are chosen by URL scheme (`memory://`, `redis://`), like uvicorn picks a protocol
implementation from a string: `open_bus(url)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, is_dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Delivery:
    """One record handed to a consumer: ack it by `id` once it has been handled.

    `attempts` counts deliveries to this group, this one included: 1 on first delivery,
    more when the record was redelivered after a consumer failed to acknowledge it.

    `records` is set instead of `payload` (which is then empty) for a batch published with
    `publish_records` on the in-process bus: the records themselves, unencoded, handled
    and acknowledged as one entry. Read both shapes with `services.core.codec.records_of`.
    """

    id: str
    payload: bytes
    attempts: int = 1
    records: tuple[Any, ...] | None = None

    @property
    def size(self) -> int:
        """How many records this delivery holds."""
        return 1 if self.records is None else len(self.records)


@dataclass(frozen=True, slots=True)
class BusOptions:
    """Tuning shared by both backends (docs/bus.md gives the defaults' reasons).

    - `maxlen`: records kept per topic (Redis: approximate, `MAXLEN ~`). 200 000 records are
      about 20 minutes of a busy regional AIS feed, a few tens of MB per topic.
    - `claim_idle`: seconds a record may stay pending before another consumer takes it. Far
      longer than any batch takes to handle, so a slow consumer is not mistaken for a dead one.
    - `max_attempts`: deliveries before a record is dead-lettered. A transient fault (a
      database restart) clears within a few tries; a poison record never does.
    - `reconnect`: seconds a command keeps being retried, with back-off, when the backend
      becomes unreachable after it has answered once (Redis restarting); 0 gives up at
      once. Start-up still fails fast: before the first answer nothing is retried.
    """

    maxlen: int = 200_000
    claim_idle: float = 30.0
    max_attempts: int = 5
    reconnect: float = 0.0

    def __post_init__(self) -> None:
        if self.maxlen < 1 or self.claim_idle <= 0 or self.max_attempts < 1 or self.reconnect < 0:
            raise ValueError(f"invalid bus options: {self}")


def dead_letter_topic(topic: str) -> str:
    """Where records that kept failing go, for an operator to inspect."""
    return f"{topic}.dead"


class Bus(Protocol):
    """What every backend provides; `tests/core/test_bus_contract.py` holds them to it.

    Every method raises `BusError` when the backend fails or the bus is closed.
    """

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        """Append a batch of records to `topic`, in order.

        Raises TypeError, publishing nothing, when a payload is not bytes.
        """

    async def publish_records(self, topic: str, records: Sequence[Any]) -> None:
        """Append a batch of records (instances of one frozen dataclass), in order.

        Redis encodes each record (`services.core.codec`) into an entry of its own, exactly
        as `publish` would. The in-process bus keeps the batch as one entry, unencoded, so
        readers get the very objects (frozen, so sharing them between groups is safe); its
        `maxlen`, `count`, `lag` and `pending` still count records. Raises TypeError,
        publishing nothing, when the records are not of one frozen dataclass.
        """

    async def ensure_group(self, topic: str, group: str) -> None:
        """Create the consumer group if missing; a new group starts at the oldest record kept."""

    async def read(
        self, topic: str, group: str, consumer: str, *, count: int = 512, block: float = 1.0
    ) -> list[Delivery]:
        """Up to `count` records for `consumer`, waiting at most `block` seconds for some.

        Creates the group if missing. Records left pending longer than `claim_idle` (by any
        consumer of the group, a dead one included) come first, then new records; `block`
        0 returns at once. A backend may also hand a restarted consumer its own pending
        records first (Redis does, reading from id 0).
        """

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        """Mark records as handled for `group`; unknown ids are ignored."""

    async def hold(self, topic: str, group: str, consumer: str, ids: Sequence[str]) -> None:
        """Keep records pending for `consumer`, as still being handled: their idle time
        starts again, so no consumer claims them after `claim_idle`, and no delivery is
        counted towards `max_attempts` (Redis: `XCLAIM ... JUSTID`).

        For a consumer that holds records on purpose for longer than `claim_idle` (persist
        while the database is down): a claim would count a failed delivery and, after
        `max_attempts`, dead-letter a record nothing is wrong with. Ids not pending in the
        group are ignored.
        """

    async def pending(self, topic: str, group: str) -> int:
        """How many records the group has been given and not acknowledged."""

    async def lag(self, topic: str, group: str) -> int:
        """How many records of the topic the group has not yet been given."""

    async def close(self) -> None:
        """Release connections; the bus cannot be used afterwards."""


class BusError(RuntimeError):
    """The bus backend failed (connection lost, bad URL) or the bus was closed."""


def validate_batch(topic: str, payloads: Sequence[bytes]) -> list[bytes]:
    """Check a batch before any of it is published, so a bad record loses nothing else.

    Only bytes travel on the bus: a str or a dict here means the producer skipped the
    codec, and would work in memory but not over Redis.
    """
    if not topic:
        raise ValueError("topic name must not be empty")
    out = []
    for index, payload in enumerate(payloads):
        if not isinstance(payload, bytes | bytearray):
            raise TypeError(
                f"{topic}: payload {index} is {type(payload).__name__}, not bytes "
                "(encode it with services.core.codec)"
            )
        out.append(bytes(payload))
    return out


def validate_records(topic: str, records: Sequence[Any]) -> tuple[Any, ...]:
    """Check a batch of records: only instances of one frozen dataclass travel unencoded,
    so a consumer in the same process can neither change them nor get another type than a
    Redis consumer would decode."""
    if not topic:
        raise ValueError("topic name must not be empty")
    batch = tuple(records)
    if not batch:
        return batch
    cls = type(batch[0])
    params = getattr(cls, "__dataclass_params__", None)
    if not is_dataclass(cls) or params is None or not params.frozen:
        raise TypeError(f"{topic}: records must be frozen dataclasses, not {cls.__name__}")
    for index, record in enumerate(batch):
        if type(record) is not cls:
            raise TypeError(
                f"{topic}: record {index} is {type(record).__name__}, not {cls.__name__}"
            )
    return batch


def open_bus(url: str, options: BusOptions | None = None) -> Bus:
    """Open the backend named by `url`'s scheme: `memory://` or `redis://host:port/db`.

    Opening does not connect: a Redis that is down shows up as `BusError` on first use.
    Raises BusError for an unknown scheme or a malformed Redis URL.
    """
    opts = options or BusOptions()
    scheme = url.split("://", 1)[0] if "://" in url else url
    if scheme == "memory":
        from services.core.bus_memory import MemoryBus

        return MemoryBus(opts)
    if scheme in ("redis", "rediss", "unix"):
        from services.core.bus_redis import RedisBus

        return RedisBus(url, opts)
    raise BusError(f"unknown bus URL scheme {scheme!r} (use memory:// or redis://)")
