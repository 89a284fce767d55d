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
from services.alerts.track import Track
from services.core.types import CellPosition, MmsiClass

WATCHLIST = Rule.WATCHLIST.value
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


def check_watchlist(track: Track, pos: CellPosition, reason: str, out: list[Observation]) -> None:
    """Active while a watchlisted vessel is inside the jurisdiction (a cell)."""
    if pos.cell is not None:
        out.append(
            held(track, WATCHLIST, pos, severity=Severity.INFO.value, details={"reason": reason})
        )
    else:
        ended(track, WATCHLIST, pos, out)


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
