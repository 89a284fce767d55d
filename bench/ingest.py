"""Benchmark: AIS lines to the merged vessel picture (CONTRACTS §7).

The input is built from the real recordings of shared/data/ais (every valid message of them,
multi-part type 5 and 24 included), replayed in copies whose MMSIs are remapped (the 30 MMSI
bits rewritten in the six-bit payload, checksums recomputed) so there are several thousand
vessels, with event times in tag blocks or epoch prefixes, 3% of messages heard a second time
by another receiver and about 1% garbage lines (bad checksums, torn sentences, GPS sentences).

In the same run and on the same messages it times
- baseline: a bare loop of `pyais.decode` over the valid sentences (no tag blocks, no
  reassembly bookkeeping, no checks, nothing kept), and
- seagrid: every line through Decoder (`push_lines`, as the ingest stage calls it: position
  reports decoded in batches), Deduplicator (`unique`), to_records and into a VesselTable.
Items are AIS messages in the input (duplicates included), so the ratio compares like with
like. It also reports `pg_sink_per_s` from bench/pg_sink.py when that can run here.

The machine is shared, so load comes and goes during a run. Both sides are therefore timed
in alternating chunks of the input (baseline on a chunk's messages, then seagrid on the same
chunk's lines), in several rounds; each round starts a fresh seagrid pipeline, so a chunk
does the same work in every round, and each side's time is the sum over chunks of that
chunk's best round. A burst of load then costs both sides alike, or neither. Times are CPU
times of this process (time.process_time), which other processes on the machine do not
inflate the way they inflate wall-clock time; the wall-clock ratio is reported alongside.

Prints a few lines of detail, then one JSON object as the last line.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyais

from services.core.settings import IngestSettings
from services.core.vessels import VesselTable
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records

REPO = Path(__file__).resolve().parent.parent
SHARED_AIS = Path(os.environ.get("SEAGRID_SHARED_DIR", REPO.parent / "shared")) / "data" / "ais"
BUNDLED = REPO / "data" / "recordings" / "exact-earth-augmented-3.txt"
TARGET_LINES = 210_000
VARIANTS = 8  # MMSI remappings: ships heard x VARIANTS distinct vessels
DUPLICATE_SHARE = 0.03
GARBAGE_SHARE = 0.01
MESSAGES_PER_SECOND = 100.0
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SEED = 20260101
ROUNDS = 3
CHUNKS = 24
FEED_CHUNK = 1_000  # lines per call of the decoder, about one 64 KiB read of a file feed


@dataclass
class Corpus:
    lines: list[bytes]  # what seagrid reads
    messages: list[list[bytes]]  # the valid messages among them, as bare sentences
    message_ends: list[int]  # for each message, how many lines there are up to its last

    def chunks(self, n: int) -> list[tuple[list[bytes], list[list[bytes]]]]:
        """`n` consecutive (lines, messages of those lines) slices covering the corpus."""
        out = []
        first_line = first_message = 0
        for i in range(1, n + 1):
            last_message = len(self.messages) * i // n
            last_line = self.message_ends[last_message - 1] if i < n else len(self.lines)
            out.append(
                (
                    self.lines[first_line:last_line],
                    self.messages[first_message:last_message],
                )
            )
            first_line, first_message = last_line, last_message
        return out


def checksum(body: bytes) -> bytes:
    value = 0
    for byte in body:
        value ^= byte
    return b"%02X" % value


def sentence(talker: bytes, fields: list[bytes]) -> bytes:
    body = b"!" + talker + b"VDM," + b",".join(fields)
    return body + b"*" + checksum(body[1:])


def bare_sentence(line: bytes) -> list[bytes] | None:
    """The fields after `!xxVDM` of a valid AIS sentence somewhere in `line`, else None."""
    start = line.find(b"!")
    star = line.find(b"*", start)
    if start < 0 or star < 0 or line[start + 3 : start + 6] not in (b"VDM", b"VDO"):
        return None
    body = line[start + 1 : star]
    fields = body.split(b",")
    if checksum(body) != line[star + 1 : star + 3].upper() or len(fields) != 7 or not fields[5]:
        return None
    return fields[1:]


def load_messages(paths: list[Path]) -> list[list[list[bytes]]]:
    """Valid messages of the recordings (lists of fragment fields) that pyais decodes."""
    out: list[list[list[bytes]]] = []
    for path in paths:
        parts: list[list[bytes]] = []
        for line in path.read_bytes().splitlines():
            fields = bare_sentence(line)
            if fields is None or not (fields[0].isdigit() and fields[1].isdigit()):
                continue
            if fields[1] == b"1":
                parts = []
            if int(fields[1]) != len(parts) + 1:
                parts = []
                continue
            parts.append(fields)
            if fields[0] == fields[1]:
                if _decodes(parts):
                    out.append(parts)
                parts = []
    return out


def _decodes(parts: list[list[bytes]]) -> bool:
    try:
        pyais.decode(*[sentence(b"AI", p) for p in parts])
    except Exception:
        return False
    return True


_ARMOUR = [chr(v + 48 if v < 40 else v + 56).encode() for v in range(64)]


def _unarmour(char: int) -> int:
    value = char - 48
    return value - 8 if value > 40 else value


def remap_mmsi(payload: bytes, variant: int) -> bytes:
    """The payload with its MMSI (bits 8-37) moved to `variant`'s copy of the vessel.

    Ships (first digit 2-7) keep their MID and get another number within it; other station
    kinds (base stations, AtoN, SART...) keep their MMSI, as there are few of them.
    """
    if variant == 0 or len(payload) < 7:
        return payload
    bits = 0
    for char in payload[:7]:
        bits = (bits << 6) | _unarmour(char)
    mmsi = (bits >> 4) & ((1 << 30) - 1)
    if not 200_000_000 <= mmsi < 800_000_000:
        return payload
    mid, rest = divmod(mmsi, 1_000_000)
    new = mid * 1_000_000 + (rest + variant * 104_729) % 1_000_000
    bits = (bits & ~(((1 << 30) - 1) << 4)) | (new << 4)
    head = b"".join(_ARMOUR[(bits >> (6 * (6 - i))) & 63] for i in range(7))
    return head + payload[7:]


def build_corpus(pool: list[list[list[bytes]]], target: int, rng: random.Random) -> Corpus:
    lines: list[bytes] = []
    messages: list[list[bytes]] = []
    ends: list[int] = []
    copy, seq = 0, 0
    while len(lines) < target:
        variant = copy % VARIANTS
        for parts in pool:
            ts = START + len(messages) / MESSAGES_PER_SECOND
            seq = (seq + 1) % 10
            fragments = [_fragment(p, variant, seq, i == 0) for i, p in enumerate(parts)]
            emit(lines, messages, fragments, ts, b"AI", rng.randrange(4))
            ends.append(len(lines))
            if rng.random() < DUPLICATE_SHARE:  # another receiver, another talker
                emit(lines, messages, fragments, ts + 0.5, b"AB", rng.randrange(4))
                ends.append(len(lines))
            if rng.random() < GARBAGE_SHARE:
                lines.append(garbage(fragments[0], rng))
        copy += 1
    return Corpus(lines, messages, ends)


def _fragment(fields: list[bytes], variant: int, seq: int, first: bool) -> list[bytes]:
    count, num, seq_id, channel, payload, fill = fields
    if first:
        payload = remap_mmsi(payload, variant)
    return [count, num, str(seq).encode() if count != b"1" else b"", channel, payload, fill]


def emit(
    lines: list[bytes],
    messages: list[list[bytes]],
    fragments: list[list[bytes]],
    ts: float,
    talker: bytes,
    receiver: int,
) -> None:
    """Append one message's lines: a tag block on even receivers, an epoch prefix on odd."""
    sentences = [sentence(talker, f) for f in fragments]
    messages.append(sentences)
    for text in sentences:
        if receiver % 2 == 0:
            tag = b"s:rx%d,c:%d" % (receiver, int(ts))
            lines.append(b"\\" + tag + b"*" + checksum(tag) + b"\\" + text)
        else:
            lines.append(b"%.3f " % ts + text)


def garbage(fields: list[bytes], rng: random.Random) -> bytes:
    good = sentence(b"AI", fields)
    kind = rng.randrange(4)
    if kind == 0:  # one payload character flipped: checksum fails
        i = 16 + rng.randrange(len(fields[4]))
        return good[:i] + (b"0" if good[i : i + 1] != b"0" else b"1") + good[i + 1 :]
    if kind == 1:  # torn by a dropped connection
        return good[: rng.randrange(5, len(good) - 3)]
    if kind == 2:
        return b"$GPRMC,123519,A,2448.000,N,11836.000,E,022.4,084.4,010126,003.1,W*6A"
    return bytes(rng.randrange(32, 127) for _ in range(rng.randrange(1, 80)))


Timing = tuple[float, float]  # (CPU seconds, wall-clock seconds)


def clocks() -> Timing:
    return time.process_time(), time.perf_counter()


def since(start: Timing) -> Timing:
    cpu, wall = clocks()
    return cpu - start[0], wall - start[1]


def time_baseline(messages: list[list[bytes]]) -> Timing:
    decode = pyais.decode
    started = clocks()
    for parts in messages:
        decode(*parts)
    return since(started)


class Pipeline:
    """Seagrid's ingest from lines to the merged vessel picture, fed chunk by chunk."""

    def __init__(self) -> None:
        settings = IngestSettings()
        self.decoder = Decoder(settings)
        self.dedup = Deduplicator(settings.dedup_window)
        self.table = VesselTable()
        self.records = 0

    def time(self, lines: list[bytes]) -> Timing:
        """Time taken to take `lines` into the picture."""
        decoder = self.decoder
        push, unique, apply = decoder.push_lines, self.dedup.unique, self.table.apply
        counts = decoder.counters.feed("bench")
        records = 0
        started = clocks()
        for start in range(0, len(lines), FEED_CHUNK):  # as a feed hands lines to ingest
            messages = push(lines[start : start + FEED_CHUNK], feed="bench")
            kept = unique(messages)  # as IngestStage.accept
            counts.duplicates += len(messages) - len(kept)
            for message in kept:
                for record in to_records(message, "bench"):
                    apply(record)
                    records += 1
        elapsed = since(started)
        self.records += records
        return elapsed


def interleaved(corpus: Corpus) -> tuple[Timing, Timing, Pipeline]:
    """Best-per-chunk times of (baseline, seagrid), and the last round's pipeline."""
    chunks = corpus.chunks(CHUNKS)
    inf = (float("inf"), float("inf"))
    best_baseline = [inf] * CHUNKS
    best_seagrid = [inf] * CHUNKS
    pipeline = Pipeline()
    for _ in range(ROUNDS):
        pipeline = Pipeline()
        for i, (lines, messages) in enumerate(chunks):
            best_baseline[i] = _best(best_baseline[i], time_baseline(messages))
            best_seagrid[i] = _best(best_seagrid[i], pipeline.time(lines))
        pipeline.decoder.finish()
    return _total(best_baseline), _total(best_seagrid), pipeline


def _best(a: Timing, b: Timing) -> Timing:
    return min(a[0], b[0]), min(a[1], b[1])


def _total(timings: list[Timing]) -> Timing:
    return sum(t[0] for t in timings), sum(t[1] for t in timings)


def pg_sink_rate(n: int = 200_000) -> float | None:
    """bench/pg_sink.py's figure, or None (with the reason on stderr) when it cannot run."""
    try:
        from pg_sink import measure_pg_sink  # type: ignore[import-not-found]

        return float(measure_pg_sink(n))
    except Exception as exc:
        print(f"pg_sink_per_s left out: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def recordings() -> list[Path]:
    if not SHARED_AIS.is_dir():
        return [BUNDLED]
    suffixes = {".txt", ".nmea", ".log", ".ais"}
    return sorted(p for p in SHARED_AIS.glob("*/*") if p.suffix in suffixes)


def quick() -> None:
    """`--quick`: small sizes, a few seconds, for the test that keeps this bench working."""
    global TARGET_LINES, ROUNDS, CHUNKS
    TARGET_LINES, ROUNDS, CHUNKS = 10_000, 1, 4


def main() -> int:
    if "--quick" in sys.argv[1:]:
        quick()
    started = time.perf_counter()
    pool = load_messages(recordings())
    corpus = build_corpus(pool, TARGET_LINES, random.Random(SEED))
    n = len(corpus.messages)
    print(f"corpus: {len(corpus.lines)} lines, {n} messages ({len(pool)} real ones remapped)")
    (baseline, baseline_wall), (elapsed, elapsed_wall), pipeline = interleaved(corpus)
    total = pipeline.decoder.counters.total()
    print(
        f"seagrid: {total.lines} lines, {sum(total.messages.values())} messages, "
        f"{total.duplicates} duplicates, {pipeline.records} records, "
        f"{len(pipeline.table)} vessels, rejected {dict(total.rejected)}"
    )
    print(
        f"baseline pyais.decode: {baseline:.2f}s CPU ({baseline_wall:.2f}s wall); "
        f"seagrid: {elapsed:.2f}s CPU ({elapsed_wall:.2f}s wall); sums of the best of "
        f"{ROUNDS} rounds in each of {CHUNKS} alternating chunks"
    )
    result: dict[str, object] = {
        "bench": "ingest",
        "items_per_s": round(n / elapsed),
        "baseline_items_per_s": round(n / baseline),
        "ratio": round(baseline / elapsed, 3),
        "wall_ratio": round(baseline_wall / elapsed_wall, 3),
        "lines": len(corpus.lines),
        "items": n,
        "vessels": len(pipeline.table),
    }
    pg = pg_sink_rate(5_000 if "--quick" in sys.argv[1:] else 200_000)
    if pg is not None:
        result["pg_sink_per_s"] = round(pg)
    print(f"total {time.perf_counter() - started:.1f}s")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
