"""Reporting intervals of ITU-R M.1371 (Table 1 and 2), for the simulator's clock.

Simplified: a class A vessel changing course reports no faster than when steady, and the
class B "CS" unit uses the fixed 30 s / 3 min of the carrier-sense variant.
"""

from __future__ import annotations

from services.sim.track import AT_ANCHOR, MOORED, SART_ACTIVE

STATIC_INTERVAL = 360.0  # type 5 and type 24 A/B: every 6 minutes
# IEC 61097-14: an active AIS-SART sends its position every minute (a burst of eight, of
# which a shore receiver logs one) and the safety text "SART ACTIVE" every 4 minutes.
SART_POSITION_INTERVAL = 60.0
SART_TEXT_INTERVAL = 240.0


def class_a_interval(sog: float, status: int) -> float:
    """Seconds between position reports of a class A vessel."""
    if status in (AT_ANCHOR, MOORED) and sog <= 3.0:
        return 180.0
    if sog <= 14.0:
        return 10.0
    if sog <= 23.0:
        return 6.0
    return 2.0


def class_b_interval(sog: float) -> float:
    """Seconds between position reports of a class B (CS) unit."""
    return 180.0 if sog <= 2.0 else 30.0


def position_interval(ais_class: str, sog: float, status: int) -> float:
    """Seconds to the next position report for a vessel in this state."""
    if status == SART_ACTIVE:
        return SART_POSITION_INTERVAL
    if ais_class == "A":
        return class_a_interval(sog, status)
    return class_b_interval(sog)
