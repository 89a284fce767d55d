"""The demo recording decoded and gridded in-process, then written through the real store."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

from services.core.config import load_config
from services.core.settings import IngestSettings
from services.core.types import CellPosition, Position, VesselStatic
from services.demo import CONFIG_DIR, RECORDING
from services.gridding.stage import GriddingStage
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records
from services.ingest.store import PositionStore

Batch = tuple[list[VesselStatic], list[CellPosition]]


@cache
def demo_batches(batch_lines: int = 2000, recording: Path = RECORDING) -> tuple[Batch, ...]:
    """The recording as the persist stage would receive it: every `batch_lines` lines, the
    static reports and the gridded positions they produced, in recording order."""
    decoder, dedup = Decoder(IngestSettings()), Deduplicator(IngestSettings().dedup_window)
    gridding = GriddingStage(load_config(CONFIG_DIR))
    lines = recording.read_bytes().splitlines()
    out = []
    for start in range(0, len(lines), batch_lines):
        statics: list[VesselStatic] = []
        positions: list[Position] = []
        for line in lines[start : start + batch_lines]:
            for message in decoder.push(line, feed="demo", received_at=0.0):
                if dedup.is_duplicate(message):
                    continue
                for record in to_records(message, "demo"):
                    if isinstance(record, Position):
                        positions.append(record)
                    else:
                        statics.append(record)
        gridded, _ = gridding.process(positions)
        out.append((statics, gridded))
    return tuple(out)


def all_positions() -> Iterator[CellPosition]:
    for _, positions in demo_batches():
        yield from positions


async def write_recording(store: PositionStore, *, redeliver: int | None = None) -> int:
    """Write every batch through `store` (statics first, as persist does); batch number
    `redeliver` is written twice, as after a lost acknowledgement. Returns positions written."""
    total = 0
    for index, (statics, positions) in enumerate(demo_batches()):
        for _ in range(2 if index == redeliver else 1):
            store.add_static(statics)
            store.add(positions)
            await store.flush()
        total += len(positions)
    return total
