"""Redis Streams bus: the backend when stages run as separate processes (`seagrid run`).

One stream per topic, one Redis consumer group per bus group, records as bytes under the
field `d`. The mapping, and why:

- `publish`: one `XADD ... MAXLEN ~ maxlen` per record, all of a batch (up to
  `PUBLISH_CHUNK` records) in one server-side script call (`EVALSHA`): one command to pack
  and one reply to parse, where a pipeline of XADDs cost a packed command and a parsed
  reply per record, most of a producer's time on the client side. The script is loaded
  again by itself after a Redis restart (NOSCRIPT). A batch is thus added whole or not at
  all, and Redis runs nothing else while it adds one (a few ms for 2,000 records). Trimming is approximate (whole macro nodes, ~100 entries) and happens whether
  or not a group has read the records: a producer in another process must never stall on a
  dead consumer, so a group that falls more than `maxlen` behind loses the oldest records
  (the in-process bus waits instead). `lag()` shows it coming.
- `ensure_group`: `XGROUP CREATE ... 0 MKSTREAM`, ignoring BUSYGROUP. A new group starts at
  the oldest kept record, not at `$`: a stage deployed after its producer, or a fresh
  group after a Redis restore, must see what was published before its first start (as the
  in-process bus does); handlers are idempotent, so seeing a record twice is harmless.
- `read`: a consumer's first read in this process returns what the group had already given
  it and it never acknowledged (`XREADGROUP ... 0`: it crashed holding them), then records
  pending longer than `claim_idle` under any consumer (`XAUTOCLAIM`), then new records
  (`XREADGROUP ... > BLOCK`). Consumer names should therefore be stable across restarts.
  Delivery counts come from the group's PEL (`XPENDING`); a record delivered more than
  `max_attempts` times is added to `<topic>.dead` and acknowledged in one MULTI, with the
  origin topic, group, id and count as extra fields for the operator.
- `hold`: `XCLAIM ... 0 ... JUSTID` to the holding consumer: resets the idle time without
  counting a delivery, so records a consumer keeps on purpose are neither claimed nor
  dead-lettered.
- `pending`: XPENDING; `lag`: XINFO GROUPS (Redis 7), capped at the stream length because
  Redis keeps counting records that were trimmed before the group got them.

Connection failures surface as `BusError`. redis-py reconnects on its own: a failed command
is retried a few times with a short backoff (about 2 s in all). Beyond that, with
`BusOptions.reconnect` > 0 (what `seagrid run` processes use) a command that finds Redis
unreachable is retried with back-off (0.1 s doubling to 2 s) for that many seconds, once the
bus has answered at least once, so a Redis restart holds the stage up instead of taking it
down; start-up still fails fast. A Redis that comes back empty (no persistence) has lost its
streams and groups: reads recreate their group (NOGROUP) and acknowledgements of records
read before the restart are dropped, since those records no longer exist.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.core.bus import (
    BusError,
    BusOptions,
    Delivery,
    dead_letter_topic,
    validate_batch,
    validate_records,
)
from services.core.codec import encode

log = logging.getLogger(__name__)

FIELD = b"d"
PUBLISH_CHUNK = 2000  # records per script call: bounds how long one call holds Redis
# KEYS[1] the stream; ARGV[1] maxlen, ARGV[2] the field, ARGV[3..] the records.
_XADD_MANY = """
for i = 3, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[i])
end
return #ARGV - 2
"""
MAX_BLOCK = 10.0  # seconds; a longer wait is cut to this, safely under the socket timeout
SOCKET_TIMEOUT = MAX_BLOCK + 5.0

Entry = tuple[bytes, dict[bytes, bytes] | None]
T = TypeVar("T")


class _Unreachable(BusError):
    """Redis did not answer (connection refused, reset or timed out): worth retrying."""


def _redact(url: str) -> str:
    """The URL without its password, for error messages and logs."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


def _parse_xreadgroup(response: Any, **options: Any) -> Any:
    """XREADGROUP's RESP2 reply in redis-py's shape (`[[key, [(id, fields), ...]], ...]`,
    fields a dict, None for an entry trimmed while pending), made in one pass.

    Why not redis-py's own parser: it builds each entry's dict through a generic pairs
    helper and several nested calls, a tenth of a stage process's time when every record
    is read by three stages of one process (alerts, fusion, handover). Entries here carry
    one field (`d`), so the dict is made directly.
    """
    del options
    if response is None:
        return None
    return [
        [
            key,
            [
                (
                    entry_id,
                    None
                    if fields is None
                    else {fields[0]: fields[1]}
                    if len(fields) == 2
                    else dict(zip(fields[::2], fields[1::2], strict=True)),
                )
                for entry_id, fields in entries
            ],
        ]
        for key, entries in response
    ]


def _stream_entries(reply: Any) -> list[Entry]:
    """The entries of a one-stream XREADGROUP reply (RESP2: [[key, entries]], or None)."""
    return list(reply[0][1]) if reply else []


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisBus:
    """A bus over Redis Streams (see the module docstring for the command mapping)."""

    def __init__(self, url: str, options: BusOptions | None = None) -> None:
        self.options = options or BusOptions()
        self.url = _redact(url)
        try:
            self._client: aioredis.Redis = aioredis.from_url(
                url,
                protocol=2,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=5.0,
                retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=3),
            )
            self._client.set_response_callback("XREADGROUP", _parse_xreadgroup)
            self._xadd_many = self._client.register_script(_XADD_MANY)
        except ValueError as exc:
            raise BusError(f"bad Redis URL {self.url}: {exc}") from exc
        self._closed = False
        self._answered = False  # retry only a Redis that was there once (start-up fails fast)
        self._outage_since: float | None = None  # monotonic start of the current outage
        self.outages = 0  # outages ridden out so far (for /metrics)
        self._groups: set[tuple[str, str]] = set()
        # Per consumer: where its replay of its own pending records stands (None: done).
        self._backlog: dict[tuple[str, str, str], str | None] = {}
        # Per group: XAUTOCLAIM cursor, and when the next full scan of the PEL is due.
        self._claim_cursor: dict[tuple[str, str], str] = {}
        self._claim_due: dict[tuple[str, str], float] = {}

    @asynccontextmanager
    async def _guard(self, what: str) -> AsyncIterator[None]:
        """Translate Redis failures into BusError, and notice a close during the call.

        A command in flight when `close()` runs gets its connection cut, and redis-py's
        retry quietly opens a new one; that one is closed here and the caller told.
        """
        if self._closed:
            raise BusError("bus is closed")
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            if not self._closed:
                raise _Unreachable(f"Redis at {self.url} unreachable during {what}: {exc}") from exc
        except RedisError as exc:
            raise BusError(f"Redis at {self.url}: {what} failed: {exc}") from exc
        finally:
            if self._closed:
                await self._client.connection_pool.disconnect()
        if self._closed:
            raise BusError(f"bus is closed (during {what})")

    async def _call(self, what: str, command: Callable[[], Awaitable[T]]) -> T:
        """Run `command` under the guard; while Redis is unreachable (and the bus has
        answered before, and `reconnect` allows), retry it with back-off.

        An outage is logged once when it starts and once when it ends, however many
        commands (one per reader of the process) wait it out meanwhile.
        """
        deadline: float | None = None
        delay = 0.1
        while True:
            try:
                async with self._guard(what):
                    result = await command()
            except _Unreachable as exc:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.options.reconnect
                if not self._answered or self._closed or now >= deadline:
                    raise
                if self._outage_since is None:
                    self._outage_since = now
                    self.outages += 1
                    log.warning("%s; reconnecting (for up to %.0f s)", exc, self.options.reconnect)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            if self._outage_since is not None:
                log.warning(
                    "Redis at %s reachable again after %.1f s",
                    self.url,
                    time.monotonic() - self._outage_since,
                )
                self._outage_since = None
            self._answered = True
            return result

    async def publish(self, topic: str, payloads: Sequence[bytes]) -> None:
        records = validate_batch(topic, payloads)
        if not records:
            return

        async def command() -> None:
            for start in range(0, len(records), PUBLISH_CHUNK):
                args: list[bytes | int] = [self.options.maxlen, FIELD]
                args += records[start : start + PUBLISH_CHUNK]
                await self._xadd_many(keys=[topic], args=args)

        await self._call(f"publish to {topic}", command)

    async def publish_records(self, topic: str, records: Sequence[Any]) -> None:
        """Each record encoded into an entry of its own: what other processes read."""
        await self.publish(topic, [encode(r) for r in validate_records(topic, records)])

    async def ensure_group(self, topic: str, group: str) -> None:

        async def command() -> None:
            try:
                await self._client.xgroup_create(topic, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

        await self._call(f"create group {group} on {topic}", command)
        self._groups.add((topic, group))

    async def read(
        self, topic: str, group: str, consumer: str, *, count: int = 512, block: float = 1.0
    ) -> list[Delivery]:
        if (topic, group) not in self._groups:
            await self.ensure_group(topic, group)

        async def command() -> list[Delivery]:
            try:
                return (
                    await self._read_backlog(topic, group, consumer, count)
                    or await self._claim_idle(topic, group, consumer, count)
                    or await self._read_new(topic, group, consumer, count, block)
                )
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # The stream was deleted under us (or Redis restarted empty); recreate the
                # group on the next read, and forget cursors into the old stream.
                if (topic, group) in self._groups:
                    log.warning(
                        "%s: group %s gone (Redis restarted empty?); recreating", topic, group
                    )
                self._groups.discard((topic, group))
                self._claim_cursor.pop((topic, group), None)
                return []

        return await self._call(f"read {topic} for {group}", command)

    async def _read_backlog(
        self, topic: str, group: str, consumer: str, count: int
    ) -> list[Delivery]:
        """This consumer's own pending records, once per process (it crashed holding them)."""
        key = (topic, group, consumer)
        cursor = self._backlog.get(key, "0")
        if cursor is None:
            return []
        reply = await self._client.xreadgroup(group, consumer, {topic: cursor}, count=count)
        entries = _stream_entries(reply)
        if not entries:
            self._backlog[key] = None
            return []
        self._backlog[key] = _text(entries[-1][0])
        gone = [entry_id for entry_id, fields in entries if not fields]
        if gone:  # trimmed while pending: nothing left to deliver
            await self._client.xack(topic, group, *gone)
        return await self._settle(topic, group, [e for e in entries if e[1]])

    async def _claim_idle(
        self, topic: str, group: str, consumer: str, count: int
    ) -> list[Delivery]:
        """Records pending longer than `claim_idle` under any consumer (XAUTOCLAIM).

        The PEL is scanned with XAUTOCLAIM's cursor, a full pass at most every
        `claim_idle / 2` (1 s at most), so a busy group does not pay a PEL scan per read.
        """
        key = (topic, group)
        cursor = self._claim_cursor.get(key, "0-0")
        now = time.monotonic()
        if cursor == "0-0" and now < self._claim_due.get(key, 0.0):
            return []
        idle_ms = int(self.options.claim_idle * 1000)
        reply = await self._client.xautoclaim(
            topic, group, consumer, idle_ms, start_id=cursor, count=count
        )
        # Redis >= 7: [next cursor, claimed entries, ids deleted from the PEL as trimmed].
        self._claim_cursor[key] = _text(reply[0])
        if self._claim_cursor[key] == "0-0":
            self._claim_due[key] = now + min(self.options.claim_idle / 2, 1.0)
        return await self._settle(topic, group, [e for e in reply[1] if e[1]])

    async def _read_new(
        self, topic: str, group: str, consumer: str, count: int, block: float
    ) -> list[Delivery]:
        block_ms = int(min(block, MAX_BLOCK) * 1000)
        reply = await self._client.xreadgroup(
            group, consumer, {topic: ">"}, count=count, block=block_ms if block_ms > 0 else None
        )
        entries = _stream_entries(reply)
        return [Delivery(_text(i), (f or {}).get(FIELD, b""), 1) for i, f in entries]

    async def _settle(self, topic: str, group: str, entries: list[Entry]) -> list[Delivery]:
        """Deliveries for redelivered entries; those past `max_attempts` are dead-lettered."""
        if not entries:
            return []
        pipe = self._client.pipeline(transaction=False)
        for entry_id, _ in entries:
            pipe.xpending_range(topic, group, min=entry_id, max=entry_id, count=1)
        counts = [rows[0]["times_delivered"] if rows else 1 for rows in await pipe.execute()]
        out = []
        for (entry_id, fields), attempts in zip(entries, counts, strict=True):
            payload = (fields or {}).get(FIELD, b"")
            if attempts > self.options.max_attempts:
                await self._dead_letter(topic, group, entry_id, payload, attempts - 1)
            else:
                out.append(Delivery(_text(entry_id), payload, attempts))
        return out

    async def _dead_letter(
        self, topic: str, group: str, entry_id: bytes, payload: bytes, attempts: int
    ) -> None:
        dead = dead_letter_topic(topic)
        log.warning(
            "%s/%s: record %s delivered %d times unacknowledged, moved to %s",
            *(topic, group, _text(entry_id), attempts, dead),
        )
        fields: dict[Any, Any] = {
            FIELD: payload,
            b"topic": topic,
            b"group": group,
            b"id": entry_id,
            b"attempts": attempts,
        }
        pipe = self._client.pipeline(transaction=True)
        pipe.xadd(dead, fields, maxlen=self.options.maxlen, approximate=True)
        pipe.xack(topic, group, entry_id)
        await pipe.execute()

    async def ack(self, topic: str, group: str, ids: Sequence[str]) -> None:
        if not ids:
            return

        async def command() -> None:
            try:
                await self._client.xack(topic, group, *ids)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # Redis lost the group (restarted empty): the records are gone with it.

        await self._call(f"ack {topic} for {group}", command)

    async def hold(self, topic: str, group: str, consumer: str, ids: Sequence[str]) -> None:
        """XCLAIM with min-idle 0 and JUSTID: the idle time starts again, the delivery
        count stays (JUSTID does not increment it); ids no longer pending are skipped."""
        if not ids:
            return

        async def command() -> None:
            for start in range(0, len(ids), 10_000):  # keep each XCLAIM a reasonable size
                chunk: list[Any] = list(ids[start : start + 10_000])
                try:
                    await self._client.xclaim(topic, group, consumer, 0, chunk, justid=True)
                except ResponseError as exc:
                    if "NOGROUP" not in str(exc):
                        raise
                    return  # Redis lost the group (restarted empty): nothing left to hold

        await self._call(f"hold {topic} for {group}", command)

    async def pending(self, topic: str, group: str) -> int:

        async def command() -> int:
            try:
                summary = await self._client.xpending(topic, group)
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    return 0
                raise
            return int(summary["pending"])

        return await self._call(f"count pending of {group} on {topic}", command)

    async def lag(self, topic: str, group: str) -> int:
        return await self._call(
            f"measure lag of {group} on {topic}", lambda: self._lag(topic, group)
        )

    async def _lag(self, topic: str, group: str) -> int:
        pipe = self._client.pipeline(transaction=False)
        pipe.xlen(topic)
        pipe.xinfo_groups(topic)
        length, groups = await pipe.execute(raise_on_error=False)
        if isinstance(length, Exception):
            raise length
        if isinstance(groups, ResponseError):  # no such stream yet
            return 0
        info = next((g for g in groups if _text(g["name"]) == group), None)
        if info is None:  # a group created now would start at the oldest kept record
            return int(length)
        if info["lag"] is None:  # Redis cannot tell (entries deleted): count them
            after = b"(" + info["last-delivered-id"]
            return len(await self._client.xrange(topic, min=after) or [])
        return min(int(info["lag"]), int(length))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._client.aclose()
