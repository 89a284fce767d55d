from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from services.core.settings import IngestSettings
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.message import Message
from tests.ingest.helpers import decode_lines, nmea, read_lines, tag

BODY = "VDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0"
OTHER = "VDM,1,1,,A,13u>PcgP000qKWHP:4p<l?vH20S1,0"


def msg(body: str, talker: str, ts: float) -> Message:
    line = f"{tag(f'c:{int(ts)}')}{nmea(talker + body)}".encode()
    return Decoder(IngestSettings()).push(line, feed="f")[0]


def test_same_payload_from_other_talker_within_window_is_duplicate() -> None:
    d = Deduplicator(10.0)
    assert not d.is_duplicate(msg(BODY, "AI", 1000))
    assert d.is_duplicate(msg(BODY, "AB", 1005))
    assert not d.is_duplicate(msg(OTHER, "AI", 1005))
    assert d.duplicates == 1


def test_outside_window_passes_again_and_first_seen_is_not_refreshed() -> None:
    d = Deduplicator(10.0)
    assert not d.is_duplicate(msg(BODY, "AI", 1000))
    assert d.is_duplicate(msg(BODY, "AI", 1009))
    assert not d.is_duplicate(msg(BODY, "AI", 1011))


def test_without_time_never_duplicate() -> None:
    d = Deduplicator(10.0)
    line = nmea("AI" + BODY).encode()
    m = Decoder(IngestSettings()).push(line, feed="f")[0]
    assert m.ts is None and not d.is_duplicate(m) and not d.is_duplicate(m)


def test_memory_is_bounded() -> None:
    d = Deduplicator(1.0, max_entries=3)
    for i in range(10):
        d.is_duplicate(msg(BODY if i % 2 else OTHER, "AI", 1000 + 5 * i))
    assert len(d._seen) <= 3


def test_unique_keeps_what_is_duplicate_lets_through(shared_ais: Path) -> None:
    """The batch form against the one-at-a-time form, on a real recording played twice
    with times shuffled a little (late and early copies, some without time)."""
    messages, _ = decode_lines(read_lines(shared_ais / "amsa-risky/exact-earth-augmented-3.txt"))
    rng = random.Random(7)
    stream = []
    for m in messages + messages:
        copy = replace(m)
        if copy.ts is not None:
            copy.ts = None if rng.random() < 0.01 else copy.ts + rng.uniform(-15.0, 15.0)
        stream.append(copy)
    one, batch = Deduplicator(10.0, max_entries=500), Deduplicator(10.0, max_entries=500)
    expected = [m for m in stream if not one.is_duplicate(m)]
    got = [
        m for start in range(0, len(stream), 97) for m in batch.unique(stream[start : start + 97])
    ]
    assert [id(m) for m in got] == [id(m) for m in expected]
    assert batch.duplicates == one.duplicates > 0 and batch._seen == one._seen
