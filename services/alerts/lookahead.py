"""Zone hits and predicted entries of a whole batch of positions, asked for once.

The processor (processor.py) hands the rules a batch in chunks, cut at every clock tick (ten
seconds of event time, a few dozen positions), and each chunk's spatial questions (which
zones each point is in, which courses lead into an entry zone) cost one STRtree query and a
dozen numpy calls whatever its size. Answered once for the whole batch, they cost the same
per position as before and a fortieth of the calls.

The answers per position do not depend on the other positions of the query, so a chunk's
share of the batch's answers is what its own query would give, as long as the zone index
and thresholds it was asked with are still the rules' ones (a mode change or new live data
replaces them): `take` checks that, and that the chunk is the next run of the batch;
otherwise it returns None and the chunk is answered on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.alerts.rules.zone_entry import Prediction
from services.core.types import CellPosition

Hits = list[tuple[int, ...]]
Spatial = tuple[Hits, dict[int, list[Prediction]]]


@dataclass(slots=True)
class Lookahead:
    batch: list[CellPosition]
    zones: Any  # the ZoneIndex the answers came from
    thresholds: Any
    hits: Hits
    predictions: list[list[Prediction] | None]
    cursor: int = 0  # where the next chunk should start

    @classmethod
    def of(
        cls,
        batch: list[CellPosition],
        zones: Any,
        thresholds: Any,
        ask: Callable[[list[CellPosition]], Spatial],
    ) -> Lookahead:
        hits, found = ask(batch)
        predictions: list[list[Prediction] | None] = [None] * len(batch)
        for k, entries in found.items():
            predictions[k] = entries
        return cls(batch, zones, thresholds, hits, predictions)

    def take(self, chunk: list[CellPosition], zones: Any, thresholds: Any) -> Spatial | None:
        """The answers for `chunk`, or None when they would not be its own query's."""
        start, end = self.cursor, self.cursor + len(chunk)
        if zones is not self.zones or thresholds is not self.thresholds:
            return None
        if end > len(self.batch):
            return None
        if any(a is not b for a, b in zip(self.batch[start:end], chunk, strict=True)):
            return None
        self.cursor = end
        predictions = {
            i: entries for i, entries in enumerate(self.predictions[start:end]) if entries
        }
        return self.hits[start:end], predictions
