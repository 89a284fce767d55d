"""Rules about who a station is rather than how it moves: watchlist and distress.

Distress (always critical): an AIS-SART, MOB device or EPIRB-AIS by MMSI (ITU-R M.585:
970, 972, 974), navigational status 14 ("AIS-SART active"), or a safety-related message
(types 12 and 14) whose text reports distress. The same devices in test mode transmit
status 15 and the text "SART TEST" / "MOB TEST" (IEC 61097-14): those are not distress.
"""

from __future__ import annotations

import re
from typing import Any

from services.alerts.model import Observation, Rule, Severity
from services.alerts.rules.emit import ended, held
from services.alerts.thresholds import Thresholds
from services.alerts.track import Track
from services.alerts.zones import ZoneIndex
from services.core.types import CellPosition, MmsiClass
from services.infocentre.model import Category, WatchEntry

WATCHLIST = Rule.WATCHLIST.value
SUSPENDED_MOVING = Rule.SUSPENDED_MOVING.value
TYPHOON_SHELTER = Rule.TYPHOON_SHELTER.value
SUSPENDED = Category.SUSPENDED.value
DISTRESS = Rule.DISTRESS.value
CRITICAL = Severity.CRITICAL.value

DISTRESS_CLASSES = frozenset({MmsiClass.SART.value, MmsiClass.MOB.value, MmsiClass.EPIRB.value})
STATUS_SART_ACTIVE = 14
STATUS_SART_TEST = 15
SAFETY_TYPES = frozenset({12, 14})
# Words that report distress in a safety text; "TEST" anywhere makes it a test.
_DISTRESS_TEXT = re.compile(
    r"\b(SART ACTIVE|MOB ACTIVE|EPIRB ACTIVE|MAYDAY|DISTRESS|SOS|MAN OVERBOARD|遇险|求救)",
    re.IGNORECASE,
)
_TEST_TEXT = re.compile(r"\bTEST", re.IGNORECASE)


def check_watchlist(
    track: Track,
    pos: CellPosition,
    entry: WatchEntry | None,
    th: Thresholds,
    out: list[Observation],
) -> None:
    """`watchlist`: active while an entry in force has its vessel inside the jurisdiction.
    `suspended_moving` (critical): a vessel suspended from sailing moves, wherever it is.

    An entry removed or past its expiry ends both at the vessel's next report: expiry is
    event time, so it needs no one to act and a replay gives the same alerts.
    """
    if entry is None or not entry.in_force(pos.ts):
        ended(track, WATCHLIST, pos, out)
        ended(track, SUSPENDED_MOVING, pos, out)
        return
    details: dict[str, Any] = {"reason": entry.reason, "category": entry.category}
    if pos.cell is not None:
        out.append(held(track, WATCHLIST, pos, severity=Severity.INFO.value, details=details))
    else:
        ended(track, WATCHLIST, pos, out)
    moving = pos.speed is not None and pos.speed >= th.watchlist_suspended_moving_kn
    if entry.category == SUSPENDED and moving:
        details = {**details, "speed": pos.speed}
        out.append(held(track, SUSPENDED_MOVING, pos, severity=CRITICAL, details=details))
    else:
        ended(track, SUSPENDED_MOVING, pos, out)


def check_shelter(
    track: Track,
    pos: CellPosition,
    ship_type: int | None,
    types: frozenset[int] | None,
    zones: ZoneIndex,
    hits: tuple[int, ...],
    out: list[Observation],
) -> None:
    """Typhoon mode: a vessel of a shelter type inside the jurisdiction and outside every
    designated shelter (zones with `typhoon_shelter: true`; every `anchorage` when the
    configuration designates none) is flagged to the office of its cell."""
    if types and ship_type in types and pos.cell is not None and not _sheltered(zones, hits):
        details = {"ship_type": ship_type}
        out.append(held(track, TYPHOON_SHELTER, pos, details=details))
    else:
        ended(track, TYPHOON_SHELTER, pos, out)


def _sheltered(zones: ZoneIndex, hits: tuple[int, ...]) -> bool:
    designated = [z for z in zones.zones if z.params.get("typhoon_shelter") is True]
    for z in hits:
        zone = zones.zones[z]
        if zone.params.get("typhoon_shelter") is True:
            return True
        if not designated and zone.kind == "anchorage":
            return True
    return False


def check_distress_position(track: Track, pos: CellPosition, out: list[Observation]) -> None:
    """A distress beacon's or a vessel's own report says distress."""
    if pos.status == STATUS_SART_TEST:
        return
    if pos.mmsi_class in DISTRESS_CLASSES or pos.status == STATUS_SART_ACTIVE:
        details = {"source": "position", "mmsi_class": pos.mmsi_class, "status": pos.status}
        out.append(held(track, DISTRESS, pos, severity=CRITICAL, details=details))


def distress_text(fields: dict[str, Any]) -> str | None:
    """The text of a safety message that reports distress, else None."""
    if fields.get("msg_type") not in SAFETY_TYPES:
        return None
    text = fields.get("text")
    if not isinstance(text, str) or _TEST_TEXT.search(text):
        return None
    return text if _DISTRESS_TEXT.search(text) else None
