"""What of the fusion stage a snapshot keeps (services/core/snapshot.py says how and when).

Fusion runs in alerts partition 0 (or the alerts process) as a stage of its own, reading
its own consumer group; it saves its own snapshot (key `seagrid.state.fusion<-pI>`) with
the same `Checkpoint`, so its state always matches its own input offsets.

Kept: the engine's AIS fixes (where each vessel was last heard: association and
position_mismatch need them) and its radar tracks whole (position, history, association
and its release hysteresis, the rules' timers and active conditions), its counters; the
radar rules' alert book (key states, clearing deadlines, alerts not yet closed, clock,
silences); the scans waiting for the AIS positions of their time, their time-ordered
queue, and the prune clock; with partitions, each partition's AIS watermark and the
positions held behind a waiting scan (watermarks.py: they are read and will be acknowledged
with this snapshot, so it must hold them). Not kept: the radars and settings (configuration), and when the
waiting scans arrived: wall-clock times of another process mean nothing here, so restored
scans count as arrived at the restore and `max_wait` starts over for them.

As in services/alerts/snapshot.py the names are listed in one place: a new engine-level
or stage-level structure holding state must add its name to ENGINE or STAGE.
"""

from __future__ import annotations

from typing import Any

from services.alerts import snapshot as alerts_snapshot
from services.alerts.lifecycle import AlertBook
from services.radar.fusion import AisFix, FusionEngine
from services.radar.nmea import RadarReport
from services.radar.tracks import RadarTrack

ENGINE = ("ais", "tracks", "counters")
STAGE = ("_scans", "_queue", "_next_prune", "counters")
CLASSES = (AisFix, RadarTrack, RadarReport, *alerts_snapshot.CLASSES)


def fusion_state(engine: FusionEngine, book: AlertBook, stage: Any) -> dict[str, Any]:
    return {
        "engine": {name: getattr(engine, name) for name in ENGINE},
        "book": alerts_snapshot.book_state(book),
        "stage": {name: getattr(stage, name) for name in STAGE},
        "watermarks": stage.watermarks.snapshot_state(),
    }


def restore_fusion(
    engine: FusionEngine, book: AlertBook, stage: Any, state: dict[str, Any]
) -> None:
    """Put a snapshot back; silences the book already has (from the store) are kept too."""
    for name in ENGINE:
        setattr(engine, name, state["engine"][name])
    alerts_snapshot.restore_book(book, state["book"])
    for name in STAGE:
        setattr(stage, name, state["stage"][name])
    if "watermarks" in state:  # absent in snapshots written before partition watermarks
        stage.watermarks.restore_state(state["watermarks"])
