"""Lines in, decoded AIS messages out: framing, reassembly, pyais decoding, normalisation.

One `Decoder` serves any number of feeds; counters, pending clock lines and reassembly are
kept per feed. It is pure (no IO, no asyncio, no clock of its own), so the async stage and
`seagrid decode` share it and tests drive it with plain lists of lines.

Time of a message (CONTRACTS §2 and its extensions, see framing.py), first found wins:
the first fragment's tag-block `c:` or epoch prefix, the time of a `$PGHP` wrapper or a
tag-block-only line just before it, a time field after the checksum, any later fragment's
time, and finally `received_at`. The source is the tag-block `s:` (of the first fragment
that has one), or of a tag-block-only line just before it; `None` otherwise.

Decoding goes straight from the assembled payload to pyais's message classes: pyais's own
NMEA parsing would repeat the work (and its checksum leniency) already done in framing.
`push_lines`, the ingest stage's way in, works on a whole chunk of lines:
- framing: checksums of the chunk at once and the plain position reports found by numpy
  (`chunkframe.scan`), other common shapes by one regex match (`chunkframe.frame`), the
  rest by `parse_line`;
- the one-sentence position reports (types 1, 2, 3, 18 and 27 at their standard length,
  most of the traffic) decoded in one batch by `fastdecode`, their Position records made
  there and then;
- type 5 reports new in the chunk decoded in one batch by `staticdecode`, repeated ones from
  a cache of their record values;
- the types that make no records only peeked at (`peek`: type, MMSI, position check);
- everything else by pyais, type 24 through a cache of decoded reports.
A message not decoded by pyais builds its pyais object only if its §3 `fields` are asked
for (`message.Message`). `push`, one line at a time, frames by `parse_line` and decodes each
message on its own (pyais, or `peek`); both ways give the same messages, records and counters (tests/ingest/test_chunkframe.py and the decoders'
tests hold them to each other).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pyais.messages import MSG_CLASS

from services.core.faults import Faults, reason_of
from services.core.settings import IngestSettings
from services.ingest import staticdecode
from services.ingest.assemble import Assembler
from services.ingest.chunkframe import frame, position_report, scan
from services.ingest.counters import (
    BAD_POSITION,
    DECODE_ERROR,
    INCOMPLETE_GROUP,
    INTERNAL_ERROR,
    Counters,
    FeedCounts,
)
from services.ingest.fastdecode import PAYLOAD_CHARS, decode_columns, fast_length
from services.ingest.framing import (
    CHANNELS,
    Clock,
    ParsedLine,
    Rejected,
    Sentence,
    parse_line,
)
from services.ingest.message import Message, decode_payload
from services.ingest.normalize import (
    BadPosition,
    check_position,
)
from services.ingest.peek import peek, plan_of, vector
from services.ingest.positions import make_position_of
from services.ingest.staticdecode import StaticValues
from services.radar.nmea import RadarReport

logger = logging.getLogger(__name__)


class Decoder:
    def __init__(
        self,
        settings: IngestSettings,
        counters: Counters | None = None,
        radar_sink: Callable[[RadarReport], None] | None = None,
    ) -> None:
        """`radar_sink` receives radar target reports (services/radar), with their time and
        source filled in; without one they are counted as accepted and dropped."""
        self.settings = settings
        self.radar_sink = radar_sink
        self.counters = counters if counters is not None else Counters()
        self.faults = Faults("decoder", logger)
        self._assemblers: dict[str, Assembler] = {}
        self._clocks: dict[str, Clock] = {}
        self._feed: str | None = None
        self._counts = FeedCounts()
        self._static_cache: dict[tuple[bytes, int], Any] = {}
        # type 5 reports decoded by staticdecode, and those of this chunk still to decode
        self._type5: dict[tuple[bytes, int], tuple[int, StaticValues]] = {}
        self._deferred: list[tuple[Message, bytes, int]] | None = None

    def push(self, line: bytes, *, feed: str, received_at: float | None = None) -> list[Message]:
        """Feed one line (without line ending); returns the messages it completed."""
        return self._push(line, None, feed, received_at)

    def _push(
        self, line: bytes, parsed: ParsedLine | None, feed: str, received_at: float | None
    ) -> list[Message]:
        """`push` of a line `push_lines` has already parsed (`parsed`), or not (None)."""
        if feed is self._feed:
            counts = self._counts
        else:
            counts = self._counts = self.counters.feed(feed)
            self._feed = feed
        counts.lines += 1
        pending = counts.pending
        try:
            if parsed is None:
                parsed = parse_line(line)
            clock = self._clocks.pop(feed, None) if self._clocks else None
            if type(parsed) is Sentence:
                counts.pending += 1
                if clock is not None or parsed.ts is None:
                    _stamp(parsed, clock)
                if parsed.frag_cnt == 1 and parsed.group is None:
                    message = self._decode((parsed,), counts, received_at)
                    return [message] if message is not None else []
                return self._assemble(parsed, feed, counts, received_at)
        except Exception as exc:  # a bug met by an odd line: lose the line, not the feed
            counts.pending = pending
            counts.rejected[INTERNAL_ERROR] += 1
            self.faults.record(reason_of("line", exc), exc, line[:120])
            return []
        if type(parsed) is Clock:
            counts.accepted += 1
            counts.clock_lines += 1
            self._clocks[feed] = parsed
        elif type(parsed) is RadarReport:
            counts.accepted += 1
            if self.radar_sink is not None:
                self.radar_sink(_stamp_radar(parsed, clock, received_at))
        else:
            assert type(parsed) is Rejected
            counts.rejected[parsed.reason] += 1
        return []

    def push_lines(
        self, lines: Sequence[bytes], *, feed: str, received_at: float | None = None
    ) -> list[Message]:
        """`push` for each line, in order, with the batch paths of the module docstring:
        position reports decoded in one batch, new type 5 reports in another at the end."""
        if not lines:
            return []
        out: list[Message | None] = []
        slots: list[int] = []  # where in `out` each message of the batch goes
        batch: list[Entry] = []
        deferred: list[tuple[Message, bytes, int]] = []
        self._deferred = deferred
        try:
            self._push_chunk(lines, feed, received_at, out, slots, batch)
        finally:
            self._deferred = None
            if deferred:
                self._decode_type5(deferred)
        return [m for m in out if m is not None]

    def _push_chunk(
        self,
        lines: Sequence[bytes],
        feed: str,
        received_at: float | None,
        out: list[Message | None],
        slots: list[int],
        batch: list[Entry],
    ) -> None:
        """push_lines's work: every line framed, pushed or queued for the position batch."""
        counts = self.counters.feed(feed)
        push = self._push
        try:
            checked, common = scan(lines)
        except Exception:  # never expected; the general path then frames every line
            checked, common = [False] * len(lines), [-1] * len(lines)
        for line, good, at in zip(lines, checked, common, strict=True):
            parsed: ParsedLine | None = None
            entry: Entry | None = None
            try:
                if at >= 0 and not self._clocks:  # a plain position report (scan)
                    entry = _plain_report(line, at)
                if entry is None:
                    parsed, entry = self._frame(line, good)
            except Exception:  # `push` parses it again, counts and logs the fault
                parsed, entry = None, None
            if entry is not None:
                counts.lines += 1
                counts.pending += 1
                slots.append(len(out))
                batch.append(entry)
                out.append(None)
            else:
                out += push(line, parsed, feed, received_at)  # parsed once, not again
        if batch:
            try:
                self._decode_batch(slots, batch, out, feed, counts, received_at)
            except Exception as exc:  # a bug met by an odd batch: lose the batch, not the feed
                # messages decoded before the fault are kept; the rest are counted lost
                lost = sum(1 for at in slots if out[at] is None)
                counts.pending = max(0, counts.pending - lost)
                counts.rejected[INTERNAL_ERROR] += lost
                self.faults.record(reason_of("batch", exc), exc, batch[0][0][:120])

    def _decode_type5(self, deferred: list[tuple[Message, bytes, int]]) -> None:
        """Complete the chunk's new type 5 messages (MMSI and static values) in one batch."""
        try:
            decoded = staticdecode.decode([payload for _, payload, _ in deferred])
        except Exception as exc:  # a bug met by an odd batch: pyais decodes them instead
            self.faults.record(reason_of("batch", exc), exc, deferred[0][1][:120])
            for message, payload, fill in deferred:
                message.decoded = decode_payload(payload, fill)
                message.mmsi = message.decoded.mmsi
            return
        cache = self._type5
        if len(cache) + len(deferred) > _STATIC_CACHE_SIZE:
            cache.clear()
        for (message, payload, fill), known in zip(deferred, decoded, strict=True):
            message.mmsi, message._static = known
            cache[payload, fill] = known

    def _frame(self, line: bytes, checked: bool) -> tuple[ParsedLine | None, Entry | None]:
        """The line parsed, or its batch entry when it is a position report fastdecode takes;
        by `chunkframe.frame` when it has a common shape, else by `parse_line`."""
        framed = frame(line) if checked else None
        if framed is None:
            parsed = parse_line(line)
            if type(parsed) is not Sentence or self._clocks or not _batched(parsed):
                return parsed, None
            ts = parsed.trailing_ts if parsed.ts is None else parsed.ts
            return None, (parsed.payload, ts, parsed.source, parsed.channel, parsed.own)
        if (
            framed[2] == 1  # fragment count
            and framed[7] == 0  # fill bits
            and framed[11] is None  # tag-block group
            and PAYLOAD_CHARS.get(framed[6][0]) == len(framed[6])
            and not self._clocks
        ):
            ts = framed[8]
            return None, (
                framed[6],
                framed[9] if ts is None else ts,
                framed[10],
                framed[5],
                framed[1],
            )
        return Sentence(*framed), None

    def _decode_batch(
        self,
        slots: list[int],
        batch: list[Entry],
        out: list[Message | None],
        feed: str,
        counts: FeedCounts,
        received_at: float | None,
    ) -> None:
        """Decode the batch's payloads at once, and put each message in its place in `out`."""
        counts.pending -= len(batch)
        c = decode_columns([b[0] for b in batch])
        rows = zip(
            slots, batch, c.msg_type, c.mmsi, c.bad_position, c.known, c.lat, c.lon,
            c.speed, c.course, c.heading, c.status, c.turn, strict=True,
        )  # fmt: skip
        messages = counts.messages
        for at, entry, msg_type, mmsi, bad, known, la, lo, sp, co, hd, st, tu in rows:
            if bad:
                counts.rejected[BAD_POSITION] += 1
                continue
            counts.accepted += 1
            messages[msg_type] += 1
            payload, ts, source, channel, own = entry
            if ts is None:
                ts = received_at
            message = Message(
                None, payload.decode("ascii") + ",0", ts, source, channel, msg_type, mmsi, own
            )
            if known:
                if ts is not None:  # its record, as to_records makes it: motion() reads it
                    message._record = make_position_of(
                        mmsi, ts, la, lo, sp, co, hd, st, tu, msg_type, source or feed
                    )
                    message._record_feed = feed
                else:
                    message._motion = (la, lo, sp, co, hd, st, tu)
            out[at] = message

    def expire(self, now: float) -> None:
        """Drop incomplete groups older than `assembly_ttl` (on the `received_at` clock)."""
        for feed, assembler in self._assemblers.items():
            self._drop(self.counters.feed(feed), len(assembler.expire(now)))

    def finish(self) -> None:
        """End of input: remaining incomplete groups are counted as incomplete_group."""
        for feed, assembler in self._assemblers.items():
            self._drop(self.counters.feed(feed), len(assembler.finish()))
        self._clocks.clear()

    def _assemble(
        self, s: Sentence, feed: str, counts: FeedCounts, received_at: float | None
    ) -> list[Message]:
        assembler = self._assemblers.get(feed)
        if assembler is None:
            assembler = self._assemblers[feed] = Assembler(self.settings.assembly_ttl)
        outcome = assembler.add(s, feed, received_at)
        if outcome.dropped:
            self._drop(counts, len(outcome.dropped))
        if outcome.parts is None:
            return []
        message = self._decode(outcome.parts, counts, received_at)
        return [message] if message is not None else []

    def _decode_static(self, payload: bytes, fill: int) -> Any:
        """pyais's message for a payload; static and voyage reports (types 5 and 24) from a
        cache of those already decoded.

        A vessel repeats its static report unchanged every six minutes, and pyais's text
        fields make these the dearest messages to decode. The pyais message is only read
        after decoding, so one object serves every repetition. In `push_lines` type 5 at its
        standard length goes to `staticdecode` instead; this serves type 24, other lengths
        and `push`. Bounded: cleared when it reaches `_STATIC_CACHE_SIZE`.
        """
        if payload[:1] not in _STATIC_FIRST:
            return decode_payload(payload, fill)
        key = (payload, fill)
        cache = self._static_cache
        decoded = cache.get(key)
        if decoded is None:
            decoded = decode_payload(payload, fill)
            if len(cache) >= _STATIC_CACHE_SIZE:
                cache.clear()
            cache[key] = decoded
        return decoded

    @staticmethod
    def _drop(counts: FeedCounts, n: int) -> None:
        if n:
            counts.pending -= n
            counts.rejected[INCOMPLETE_GROUP] += n

    def _decode(
        self, parts: Sequence[Sentence], counts: FeedCounts, received_at: float | None
    ) -> Message | None:
        n = len(parts)
        counts.pending -= n
        first = parts[0]
        if n == 1:
            payload, fill = first.payload, first.fill_bits
            ts, source = first.ts, first.source
        else:
            payload, fill = b"".join(p.payload for p in parts), parts[-1].fill_bits
            ts, source = _time_and_source(parts)
        if self._deferred is not None and staticdecode.takes(payload, fill):
            return self._defer_type5(payload, fill, ts, source, parts, counts, received_at)
        try:
            decoded, msg_type, mmsi = self._decode_message(payload, fill)
        except BadPosition:
            counts.rejected[BAD_POSITION] += n
            return None
        except Exception as exc:  # pyais raises many kinds on malformed payloads
            logger.debug("undecodable payload %r: %s", payload, exc)
            counts.rejected[DECODE_ERROR] += n
            return None
        counts.accepted += n
        counts.messages[msg_type] += 1
        return Message(
            decoded,
            f"{payload.decode('ascii')},{fill}",
            received_at if ts is None else ts,
            source,
            first.channel,
            msg_type,
            mmsi,
            first.own,
        )

    def _defer_type5(
        self,
        payload: bytes,
        fill: int,
        ts: float | None,
        source: str | None,
        parts: Sequence[Sentence],
        counts: FeedCounts,
        received_at: float | None,
    ) -> Message:
        """A type 5 message whose MMSI and static values come from the cache or, at the end
        of the chunk, from `staticdecode` (a payload it takes always decodes: no rejection)."""
        counts.accepted += len(parts)
        counts.messages[5] += 1
        first = parts[0]
        message = Message(
            None,
            f"{payload.decode('ascii')},{fill}",
            received_at if ts is None else ts,
            source,
            first.channel,
            5,
            0,  # filled in below or by _decode_type5
            first.own,
        )
        known = self._type5.get((payload, fill))
        if known is None:
            assert self._deferred is not None
            self._deferred.append((message, payload, fill))
        else:
            message.mmsi, message._static = known
        return message

    def _decode_message(self, payload: bytes, fill: int) -> tuple[Any, int, Any]:
        """(pyais message or None, type, MMSI) of a payload; raises what decoding it with
        pyais and `check_position` would. The types that make no record are only peeked
        at (`peek`): their pyais message is built if their `fields` are asked for."""
        if payload[:1] in _STATIC_FIRST:
            decoded = self._decode_static(payload, fill)
        else:
            bv = vector(payload, fill)
            msg_type = bv.get(0, 6)
            plan = plan_of(bv, msg_type)
            if plan is not None:
                return None, msg_type, peek(bv, plan)
            cls = MSG_CLASS.get(msg_type)
            if cls is None:
                raise ValueError("unknown message type")
            decoded = cls.from_vector(bv)
        check_position(decoded)
        return decoded, decoded.msg_type, decoded.mmsi


# A message of the position batch: payload, time, source, channel, own ship (VDO).
Entry = tuple[bytes, float | None, str | None, str | None, bool]


def _plain_report(line: bytes, at: int) -> Entry | None:
    """The batch entry of a line `chunkframe.scan` found a plain position report in at `at`
    (`!ttVDx,1,1,,c,<28 characters>,0*hh`), unless what precedes it needs the usual way."""
    lead = position_report(line, at)
    if lead is None:
        return None
    return (
        line[at + 14 : at + 42],  # the payload
        lead[0],
        lead[1],
        CHANNELS[line[at + 12 : at + 13]],
        line[at + 5] == 0x4F,  # VDO
    )


def _batched(s: Sentence) -> bool:
    return s.frag_cnt == 1 and s.group is None and fast_length(s.payload, s.fill_bits)


# First payload character of types 5 ("5") and 24 ("H"), the static reports cached.
_STATIC_FIRST = (b"5", b"H")
_STATIC_CACHE_SIZE = 16_384


def _stamp(s: Sentence, clock: Clock | None) -> None:
    """Give a sentence the time and source of the clock line just before it, if it lacks one."""
    if clock is not None:
        if s.ts is None:
            s.ts = clock.ts
        if s.source is None:
            s.source = clock.source
    if s.ts is None:
        s.ts = s.trailing_ts


def _stamp_radar(r: RadarReport, clock: Clock | None, received_at: float | None) -> RadarReport:
    """Time and radar of a target report: its tag block, else a clock line, else receipt."""
    ts, radar = r.ts, r.radar
    if clock is not None:
        ts = ts if ts is not None else clock.ts
        radar = radar if radar is not None else clock.source
    if ts is None:
        ts = received_at
    if ts is r.ts and radar is r.radar:
        return r
    return replace(r, ts=ts, radar=radar)


def _time_and_source(parts: Sequence[Sentence]) -> tuple[float | None, str | None]:
    first = parts[0]
    ts, source = first.ts, first.source
    if len(parts) > 1 and (ts is None or source is None):
        ts = ts if ts is not None else next((p.ts for p in parts if p.ts is not None), None)
        if source is None:
            source = next((p.source for p in parts if p.source is not None), None)
    return ts, source
