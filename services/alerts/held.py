"""Positions read but not handled yet: a partition waiting for the others' watermark.

An alerts partition may stop inside a batch (pairs.py: a tick the other partitions have not
reached yet). The rest of the batch waits here, with the deliveries it came in, and is
acknowledged only once handled: a snapshot taken meanwhile covers exactly what the state
reflects, and after a crash the group redelivers what was still waiting.

A delivery holding several records (the in-process bus's record batches) is acknowledged
once all of them are handled; only Redis, one record per delivery, runs partitions.
"""

from __future__ import annotations

from collections import deque

from services.core.bus import Delivery
from services.core.types import CellPosition


class HeldPositions:
    """Positions in arrival order, each delivery with how many of them are still its own."""

    def __init__(self) -> None:
        self.positions: list[CellPosition] = []
        self._deliveries: deque[tuple[Delivery, int]] = deque()

    def __len__(self) -> int:
        return len(self.positions)

    def add(self, delivery: Delivery, positions: list[CellPosition]) -> None:
        self.positions += positions
        self._deliveries.append((delivery, len(positions)))

    def handled(self, count: int) -> list[Delivery]:
        """`count` positions from the front were handled: the deliveries now done."""
        del self.positions[:count]
        done: list[Delivery] = []
        deliveries = self._deliveries
        while deliveries:
            delivery, left = deliveries[0]
            if left > count:
                deliveries[0] = (delivery, left - count)
                break
            count -= left
            done.append(deliveries.popleft()[0])
        return done

    def waiting(self) -> bool:
        """Whether any delivery is still held (positions, or ones whose records all went)."""
        return bool(self._deliveries)
