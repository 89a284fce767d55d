"""Domain types shared by every stage.

They are frozen dataclasses with plain field types (int, float, str, None) so the codec can
turn them into JSON and back without a schema of its own. Times are event times in Unix
seconds (float, UTC): the time of the report (tag block or prefix), or the receive time when
the line carries none (CONTRACTS §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MmsiClass(StrEnum):
    """What kind of station an MMSI belongs to (ITU-R M.585)."""

    SHIP = "ship"
    BASE_STATION = "base_station"
    ATON = "aton"
    SAR_AIRCRAFT = "sar_aircraft"
    SART = "sart"
    MOB = "mob"
    EPIRB = "epirb"
    HANDHELD = "handheld"
    CRAFT_ASSOCIATED = "craft_associated"
    GROUP = "group"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Position:
    """One accepted position report (AIS types 1, 2, 3, 18, 19, 27 and own-ship VDO)."""

    mmsi: int
    ts: float
    lat: float
    lon: float
    speed: float | None = None
    course: float | None = None
    heading: int | None = None
    status: int | None = None
    turn: float | None = None
    msg_type: int = 1
    source: str = ""
    mmsi_class: str = MmsiClass.SHIP.value


@dataclass(frozen=True, slots=True)
class VesselStatic:
    """Static and voyage data from types 5, 19 and 24 (part A or B).

    Fields a message does not carry are None; merging into the vessel state keeps the
    previous value for them, which is how 24A and 24B combine.
    """

    mmsi: int
    ts: float
    msg_type: int
    shipname: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    to_bow: int | None = None
    to_stern: int | None = None
    to_port: int | None = None
    to_starboard: int | None = None
    draught: float | None = None
    destination: str | None = None
    eta: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class CellPosition:
    """A Position with the grid cell and office it fell in (topic CELL_POSITIONS).

    `cell` and `office` are None outside every cell, i.e. outside the jurisdiction. This is
    pure geometry, without hysteresis: the position is where it is. Which cell a vessel
    *belongs to* for responsibility changes only with a `Transition`.
    """

    mmsi: int
    ts: float
    lat: float
    lon: float
    cell: str | None
    office: str | None
    speed: float | None = None
    course: float | None = None
    heading: int | None = None
    status: int | None = None
    turn: float | None = None
    msg_type: int = 1
    source: str = ""
    mmsi_class: str = MmsiClass.SHIP.value


class TransitionEvent(StrEnum):
    CELL_ENTER = "cell_enter"
    CELL_EXIT = "cell_exit"
    JURISDICTION_ENTER = "jurisdiction_enter"
    JURISDICTION_EXIT = "jurisdiction_exit"


@dataclass(frozen=True, slots=True)
class Transition:
    """A vessel's committed cell changed (topic TRANSITIONS), after hysteresis.

    A move between two cells gives `cell_exit` then `cell_enter`, both carrying the old and
    new cell and office; entering from outside gives `jurisdiction_enter` then `cell_enter`,
    leaving gives `cell_exit` then `jurisdiction_exit`. `initial` marks the events of the
    first report of a vessel seen inside the jurisdiction (it was not seen crossing in).
    """

    event: str
    mmsi: int
    ts: float
    old_cell: str | None
    new_cell: str | None
    old_office: str | None
    new_office: str | None
    lat: float
    lon: float
    initial: bool = False


# The static and voyage fields of VesselStatic, in one place for every merge (the vessel
# picture in memory, the `vessels` table): None in a message means "not in this message".
STATIC_FIELDS = (
    "shipname",
    "callsign",
    "imo",
    "ship_type",
    "to_bow",
    "to_stern",
    "to_port",
    "to_starboard",
    "draught",
    "destination",
    "eta",
)
