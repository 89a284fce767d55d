"""What of the alerts stage a snapshot keeps (services/core/snapshot.py says how and when).

Kept: the rules' per-vessel tracks and memories (dwell timers, anchors, jump candidates,
active conditions), hull lengths and ship types, the learned coverage map, the ais_gap
deadlines, the close-quarters pairs and pass clock; the alert book's key states, clearing
deadlines, alerts not yet closed by an operator, its clock and silences; the processor's
buffered static reports and messages and its tick clock; the shared picture of the other
partitions. Not kept: what comes from the configuration (zones, thresholds, routing) and
the information centre's live data, which the stage reloads at start from PostgreSQL.

The attribute names are listed here, in one place, rather than in every class: a rule
that gains per-vessel memory in a new attribute of `Track` is covered (Track is kept
whole); one that adds a new engine-level structure must add its name to ENGINE.
"""

from __future__ import annotations

import itertools
from typing import Any

from services.alerts.lifecycle import AlertBook, _KeyState
from services.alerts.model import Alert, Silence
from services.alerts.processor import AlertProcessor
from services.alerts.silences import SilenceList
from services.alerts.track import Track
from services.core.types import CellPosition, VesselStatic

ENGINE = (
    "tracks",
    "_ship_types",
    "_lengths",
    "_gap_heap",
    "_pairs",
    "_next_pass",
    "_next_prune",
)
BOOK = ("_keys", "_clearing", "_alerts", "clock", "_swept")
PROCESSOR = ("_statics", "_messages", "_next_tick", "clock")
CLASSES = (Track, CellPosition, VesselStatic, _KeyState, Alert, Silence, SilenceList)


def processor_state(processor: AlertProcessor) -> dict[str, Any]:
    rules = processor.rules
    engine = {name: getattr(rules, name) for name in ENGINE if hasattr(rules, name)}
    coverage = getattr(rules, "coverage", None)
    if coverage is not None:
        engine["coverage"] = coverage._counts
    seq = next(processor._seq)
    processor._seq = itertools.count(seq)  # the value taken is given back
    return {
        "engine": engine,
        "book": book_state(processor.book),
        "processor": {name: getattr(processor, name) for name in PROCESSOR}
        | {"seq": seq, "counters": dict(processor.counters)},
    }


def restore_processor(processor: AlertProcessor, state: dict[str, Any]) -> None:
    """Put a snapshot back; silences the book already has (from the store) are kept too."""
    rules, book = processor.rules, processor.book
    engine = dict(state["engine"])
    coverage = engine.pop("coverage", None)
    if coverage is not None and hasattr(rules, "coverage"):
        rules.coverage._counts = coverage
    for name, value in engine.items():
        setattr(rules, name, value)
    restore_book(book, state["book"])
    saved = dict(state["processor"])
    processor._seq = itertools.count(saved.pop("seq"))
    processor.counters.update(saved.pop("counters"))
    for name, value in saved.items():
        setattr(processor, name, value)


def book_state(book: AlertBook) -> dict[str, Any]:
    """An alert book's state (the AIS rules' and fusion's RadarBook alike)."""
    return {name: getattr(book, name) for name in BOOK} | {"silences": book.silences}


def restore_book(book: AlertBook, state: dict[str, Any]) -> None:
    current: SilenceList = book.silences
    for name in BOOK:
        setattr(book, name, state[name])
    silences: SilenceList = state["silences"]
    for silence in current.all():
        silences.add(silence)  # the store's view wins over the snapshot's
    book.silences = silences
