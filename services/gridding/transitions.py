"""Cell and jurisdiction transitions of each vessel, with hysteresis (pure logic).

Positions are assigned to cells by geometry alone (`CellPosition`); a vessel's *committed*
cell, the one that decides which office it belongs to, changes only through this module.
Without hysteresis a vessel moored on a cell boundary, whose GNSS fix wanders by ten metres
or so, would flip between two offices at every report.

Rule (defaults in `TransitionPolicy`): the committed cell changes to the cell of a new
report when that report is at least `margin_m` metres inside the new cell (or, for leaving
the jurisdiction, `margin_m` metres outside every cell), or when `confirm_reports`
consecutive reports fell in the new cell. Any report back in the committed cell resets the
count. The distance rule commits a vessel truly crossing within a report or two (a ship at
10 kn covers 50 m between two 10-second reports); the count rule makes sure a vessel that
keeps skirting a boundary on the other side is eventually handed over.

A report older than (or as old as) the vessel's last one changes nothing: satellite AIS
arrives late and the bus redelivers records, and neither may move a vessel backwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.core.types import Transition, TransitionEvent


@dataclass(frozen=True, slots=True)
class TransitionPolicy:
    """Hysteresis of cell changes.

    margin_m: 50 m is several times typical GNSS scatter (about 10 m at 95 %) yet less than
    the distance a vessel under way covers between two or three reports.
    confirm_reports: 6 consecutive reports on the other side of a boundary; for a vessel
    sitting on the boundary that happens once in ~60 reports by chance, hours at anchor.
    """

    margin_m: float = 50.0
    confirm_reports: int = 6


@dataclass(slots=True)
class VesselCell:
    """Committed cell of one vessel and the candidate cell it may be moving into."""

    cell: str | None
    office: str | None
    ts: float
    candidate: str | None = None
    candidate_reports: int = 0


Depth = Callable[[], float]


class TransitionTracker:
    """Per-vessel committed cells; `observe` one report at a time, in any vessel order."""

    def __init__(self, policy: TransitionPolicy | None = None) -> None:
        self.policy = policy or TransitionPolicy()
        self._vessels: dict[int, VesselCell] = {}

    def __len__(self) -> int:
        return len(self._vessels)

    def state(self, mmsi: int) -> VesselCell | None:
        return self._vessels.get(mmsi)

    def forget(self, mmsi: int) -> None:
        self._vessels.pop(mmsi, None)

    def observe(
        self,
        mmsi: int,
        ts: float,
        lat: float,
        lon: float,
        cell: str | None,
        office: str | None,
        depth_m: Depth,
    ) -> list[Transition]:
        """Events caused by one report in `cell` (None: outside every cell).

        `depth_m` is called only when the report is in another cell than the committed one:
        how far inside `cell` the report is (outside every cell when `cell` is None).
        """
        state = self._vessels.get(mmsi)
        if state is None:
            self._vessels[mmsi] = VesselCell(cell, office, ts)
            if cell is None:
                return []
            return transition_events(mmsi, ts, lat, lon, (None, None), (cell, office), True)
        if ts <= state.ts:
            return []
        state.ts = ts
        if cell == state.cell:
            state.office = office  # a reloaded grid may have handed the cell to another office
            state.candidate, state.candidate_reports = None, 0
            return []
        if cell != state.candidate:
            state.candidate, state.candidate_reports = cell, 0
        state.candidate_reports += 1
        if not self._confirmed(state, depth_m):
            return []
        old = (state.cell, state.office)
        state.cell, state.office = cell, office
        state.candidate, state.candidate_reports = None, 0
        return transition_events(mmsi, ts, lat, lon, old, (cell, office), False)

    def _confirmed(self, state: VesselCell, depth_m: Depth) -> bool:
        if state.candidate_reports >= self.policy.confirm_reports:
            return True
        return depth_m() >= self.policy.margin_m


def transition_events(
    mmsi: int,
    ts: float,
    lat: float,
    lon: float,
    old: tuple[str | None, str | None],
    new: tuple[str | None, str | None],
    initial: bool,
) -> list[Transition]:
    """The events of a committed change from `old` to `new` (cell, office): exits first."""
    if old[0] == new[0]:
        return []
    kinds: list[TransitionEvent] = []
    if old[0] is not None:
        kinds.append(TransitionEvent.CELL_EXIT)
    if new[0] is None:
        kinds.append(TransitionEvent.JURISDICTION_EXIT)
    if old[0] is None:
        kinds.append(TransitionEvent.JURISDICTION_ENTER)
    if new[0] is not None:
        kinds.append(TransitionEvent.CELL_ENTER)
    return [
        Transition(kind.value, mmsi, ts, old[0], new[0], old[1], new[1], lat, lon, initial)
        for kind in kinds
    ]
