"""State snapshots: a stage that keeps per-vessel state (gridding, alerts) saves it with the
bus positions it reflects, so the next owner of its partition continues where it stopped.

Where: Redis, in the key `seagrid.state.<stage><partition suffix>` of the same server the
streams live on. The snapshot names stream ids, which only mean something to that Redis: a
Redis that lost its streams (no AOF, restarted) has lost the snapshot with them, and the
stage cold-starts consistently (open alerts from PostgreSQL, as before) instead of
restoring state that points at records that no longer exist. PostgreSQL keeps the records
people query; this is working memory, rewritten every few seconds.

Consistency: input is acknowledged only when a snapshot containing its effect has been
written (`Checkpoint.acknowledge` defers the ack). After a crash (kill -9), the consumer
group redelivers everything handled since the last snapshot; records the snapshot already
reflects (id at or below its offset for that stream) are skipped, the rest applied again
in order. So nothing is applied twice to the state and nothing is lost. Outputs published
between the snapshot and the crash are published again (at least once downstream;
consumers are idempotent). Without a store (the embedded pipeline) input is acknowledged
at once, as before.

Format: a zlib-compressed pickle of plain containers and an allow-list of seagrid state
classes. Unpickling resolves only the classes on that list, so a snapshot cannot make the
process import or call anything else; a snapshot that fails to load, or was written by
another format version or partition layout, is ignored with a warning (cold start).
"""

from __future__ import annotations

import io
import logging
import math
import pickle
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.core.bus import Bus, BusError, Delivery

log = logging.getLogger(__name__)

FORMAT = 1
KEY_PREFIX = "seagrid.state."
DEFAULT_INTERVAL = 5.0  # seconds; well under the bus's claim_idle (30 s), see Checkpoint
IDLE_GAP = 0.5  # seconds at least between saves of a stage that caught up (save_if_due)
_BUILTINS = frozenset(
    {
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "dict"),
        ("builtins", "list"),
        ("builtins", "tuple"),
        ("builtins", "float"),
        ("builtins", "int"),
        ("collections", "Counter"),
        ("collections", "defaultdict"),
        ("collections", "deque"),
        ("copyreg", "_reconstructor"),
        ("builtins", "object"),
    }
)


class SnapshotError(RuntimeError):
    """A snapshot could not be written (the store is unreachable)."""


class SnapshotStore(Protocol):
    async def load(self, key: str) -> bytes | None: ...

    async def save(self, key: str, data: bytes) -> None: ...

    async def close(self) -> None: ...


class RedisSnapshotStore:
    """Snapshots in Redis string keys (see the module docstring for why Redis)."""

    def __init__(self, url: str) -> None:
        self._client: aioredis.Redis = aioredis.from_url(url, socket_timeout=10.0)

    async def load(self, key: str) -> bytes | None:
        try:
            value = await self._client.get(KEY_PREFIX + key)
        except (RedisError, OSError) as exc:
            raise SnapshotError(f"cannot read snapshot {key}: {exc}") from exc
        return value.encode() if isinstance(value, str) else value

    async def save(self, key: str, data: bytes) -> None:
        try:
            await self._client.set(KEY_PREFIX + key, data)
        except (RedisError, OSError) as exc:
            raise SnapshotError(f"cannot write snapshot {key}: {exc}") from exc

    async def delete(self, key: str) -> None:
        await self._client.delete(KEY_PREFIX + key)

    async def close(self) -> None:
        await self._client.aclose()


class MemorySnapshotStore:
    """Snapshots in a dict: for tests and tools that restart a stage inside one process."""

    def __init__(self) -> None:
        self.saved: dict[str, bytes] = {}

    async def load(self, key: str) -> bytes | None:
        return self.saved.get(key)

    async def save(self, key: str, data: bytes) -> None:
        self.saved[key] = data

    async def close(self) -> None:
        return None


def dumps(state: Any) -> bytes:
    return zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, allowed: frozenset[tuple[str, str]]) -> None:
        super().__init__(io.BytesIO(data))
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not a snapshot class")
        return super().find_class(module, name)


def loads(data: bytes, classes: Iterable[type]) -> Any:
    """Decode a snapshot, resolving only builtin containers and `classes`."""
    allowed = _BUILTINS | {(c.__module__, c.__qualname__) for c in classes}
    return _Unpickler(zlib.decompress(data), allowed).load()


def _position(record_id: str) -> tuple[str, tuple[int, int]]:
    """(stream prefix, (ms, seq)) of a delivery id: `1700000000000-3`, or `<I>/...` when read
    across partitions (services/core/partitions.py)."""
    prefix, _, plain = record_id.rpartition("/")
    ms, _, seq = plain.partition("-")
    return prefix, (int(ms), int(seq or 0))


class Checkpoint:
    """A stage's snapshots, input offsets and deferred acknowledgements.

    Use: `restore()` once at start; per handled batch `fresh()` (drop what the state already
    has) then `acknowledge()` (the whole batch, or the part handled so far, from its start:
    an alerts partition waiting for the others' watermarks); `save_if_due()` between batches
    and `save()` at the end. What is acknowledged must be handled between awaits of these
    calls (the stage's own loop), so the state saved always matches the offsets saved with it.
    """

    def __init__(
        self,
        store: SnapshotStore,
        key: str,
        *,
        interval: float = DEFAULT_INTERVAL,
        layout: str = "",
        idle_gap: float | None = IDLE_GAP,
    ) -> None:
        if not interval > 0:
            raise ValueError(f"snapshot interval must be positive, got {interval!r}")
        self.store, self.key, self.interval, self.layout = store, key, interval, layout
        self.idle_gap = idle_gap  # None: no idle saves (only the interval and requests)
        self.offsets: dict[str, dict[str, tuple[int, int]]] = {}  # topic -> prefix -> id
        self._unacked: dict[tuple[str, str], list[str]] = {}
        self._due = time.monotonic() + interval
        self._last = -math.inf  # when the last save started (monotonic)
        self.saves = 0
        self.skipped = 0  # redelivered records the restored state already had
        self.last_save_s = 0.0
        self.last_size = 0

    async def restore(self, classes: Iterable[type]) -> Any | None:
        """The saved stage state, or None (nothing saved, unreadable, other layout)."""
        data = await self.store.load(self.key)
        if data is None:
            return None
        try:
            saved = loads(data, classes)
            if saved["format"] != FORMAT or saved["layout"] != self.layout:
                log.warning(
                    "snapshot %s: format %s layout %r, expected %s %r; starting afresh",
                    *(self.key, saved["format"], saved["layout"], FORMAT, self.layout),
                )
                return None
        except Exception as exc:  # a snapshot must never keep the stage from starting
            log.warning("snapshot %s unreadable, starting afresh: %s", self.key, exc)
            return None
        self.offsets = saved["offsets"]
        log.info("snapshot %s restored (%d bytes)", self.key, len(data))
        return saved["state"]

    def fresh(self, topic: str, batch: list[Delivery]) -> list[Delivery]:
        """The deliveries the restored state does not reflect yet (all, mostly)."""
        seen = self.offsets.get(topic)
        if not seen:
            return batch
        out = []
        for delivery in batch:
            prefix, at = _position(delivery.id)
            last = seen.get(prefix)
            if last is not None and at <= last:
                self.skipped += delivery.size
            else:
                out.append(delivery)
        return out

    def acknowledge(self, topic: str, group: str, batch: list[Delivery]) -> None:
        """`batch` has been applied: note its offsets; acknowledge it with the next save."""
        if not batch:
            return
        seen = self.offsets.setdefault(topic, {})
        for delivery in batch:
            prefix, at = _position(delivery.id)
            if at > seen.get(prefix, (-1, -1)):
                seen[prefix] = at
        self._unacked.setdefault((topic, group), []).extend(d.id for d in batch)

    def request(self) -> None:
        """Save at the stage's next chance (between batches), not at the next interval."""
        self._due = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self._due

    async def save_if_due(self, bus: Bus, state: Callable[[], Any], *, idle: bool = False) -> bool:
        """Save at the interval; or, with `idle` (the stage's last round found nothing to
        read), as soon as anything waits for acknowledgement, once `idle_gap` (`IDLE_GAP`)
        has passed since the last save.

        Why the idle save: a stage that has caught up would otherwise hold its last input
        unacknowledged for up to the whole interval, its lag would not read zero though
        nothing is left to do, and a crash meanwhile would redo that work. The gap keeps a
        trickle of input, where nearly every round ends idle, from saving every round.
        """
        if not self.due():
            gap = self.idle_gap
            if gap is None or not idle or not self._unacked:
                return False
            if time.monotonic() < self._last + gap:
                return False
        await self.save(bus, state)
        return True

    async def save(self, bus: Bus, state: Callable[[], Any]) -> None:
        """Write the snapshot, then acknowledge what it covers.

        A store that cannot be written leaves the input unacknowledged (it is redelivered
        to the next owner): the stage goes on and tries again at the next interval.
        """
        started = time.monotonic()
        self._due = started + self.interval
        self._last = started
        snapshot = {
            "format": FORMAT,
            "layout": self.layout,
            "offsets": self.offsets,
            "state": state(),
        }
        data = dumps(snapshot)  # here, not in a thread: the next batch would change it
        try:
            await self.store.save(self.key, data)
        except SnapshotError as exc:
            log.error("%s; input stays unacknowledged until the next try", exc)
            return
        unacked, self._unacked = self._unacked, {}
        for (topic, group), ids in unacked.items():
            await _ack(bus, topic, group, ids)
        self.saves += 1
        self.last_size = len(data)
        self.last_save_s = time.monotonic() - started

    def status(self) -> dict[str, Any]:
        return {
            "snapshots": self.saves,
            "snapshot_bytes": self.last_size,
            "snapshot_seconds": round(self.last_save_s, 4),
            "snapshot_skipped": self.skipped,
            "unacked": sum(len(ids) for ids in self._unacked.values()),
        }


def fresh_of(checkpoint: Checkpoint | None, topic: str, batch: list[Delivery]) -> list[Delivery]:
    """`batch` without what a restored snapshot already reflects; all of it without one."""
    return batch if checkpoint is None else checkpoint.fresh(topic, batch)


async def done_with(
    bus: Bus, checkpoint: Checkpoint | None, topic: str, group: str, batch: list[Delivery]
) -> None:
    """`batch` is applied: acknowledge it now, or (checkpoint) with the next snapshot."""
    if checkpoint is None:
        await bus.ack(topic, group, [d.id for d in batch])
    else:
        checkpoint.acknowledge(topic, group, batch)


async def _ack(bus: Bus, topic: str, group: str, ids: Sequence[str]) -> None:
    for start in range(0, len(ids), 10_000):  # keep each XACK a reasonable size
        try:
            await bus.ack(topic, group, ids[start : start + 10_000])
        except BusError:
            log.warning(
                "ack of %s/%s after snapshot failed; redelivery will skip them", topic, group
            )
            return


def interval_from_config(sections: dict[str, Any]) -> float:
    """Seconds between snapshots: seagrid.toml `[bus] snapshot_interval_s` (default 5).

    Input waits unacknowledged for up to this long, so it must stay well under the bus's
    `claim_idle` (30 s), past which the group would hand it out again.
    """
    bus = sections.get("bus", {})
    value = bus.get("snapshot_interval_s", DEFAULT_INTERVAL) if isinstance(bus, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.1 <= value <= 20:
        raise ValueError(f"[bus] snapshot_interval_s must be a number 0.1..20, got {value!r}")
    return float(value)


def checkpoint_for(
    store: SnapshotStore,
    stage: str,
    suffix: str,
    count: int,
    interval: float,
    idle_gap: float | None = IDLE_GAP,
) -> Checkpoint:
    """The checkpoint of `stage`'s partition: key `<stage><suffix>`, layout `N partitions`."""
    return Checkpoint(
        store, stage + suffix, interval=interval, layout=f"{count} partitions", idle_gap=idle_gap
    )
