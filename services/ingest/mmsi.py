"""What kind of station an MMSI belongs to (ITU-R M.585), from its digits alone.

The distinction matters downstream: distress rules look for SART/MOB/EPIRB, gridding should
not treat base stations or AtoN as vessels, and an invalid MMSI is a data-quality signal.
A Maritime Identification Digits (MID) block starts with 2-7.
"""

from __future__ import annotations

from functools import lru_cache

from services.core.types import MmsiClass

_MID_FIRST = frozenset("234567")
_PREFIXES: tuple[tuple[str, MmsiClass], ...] = (
    ("970", MmsiClass.SART),
    ("972", MmsiClass.MOB),
    ("974", MmsiClass.EPIRB),
)
# (prefix, class): the MID follows the prefix.
_MID_PREFIXES: tuple[tuple[str, MmsiClass], ...] = (
    ("111", MmsiClass.SAR_AIRCRAFT),
    ("00", MmsiClass.BASE_STATION),
    ("99", MmsiClass.ATON),
    ("98", MmsiClass.CRAFT_ASSOCIATED),
    ("8", MmsiClass.HANDHELD),
    ("0", MmsiClass.GROUP),
    ("", MmsiClass.SHIP),
)


@lru_cache(maxsize=65536)
def classify(mmsi: int) -> MmsiClass:
    """The station class of `mmsi`; MmsiClass.INVALID when it fits no M.585 pattern."""
    if not 0 < mmsi <= 999_999_999:
        return MmsiClass.INVALID
    digits = f"{mmsi:09d}"
    for prefix, cls in _PREFIXES:
        if digits.startswith(prefix):
            return cls
    for prefix, cls in _MID_PREFIXES:
        if digits.startswith(prefix):
            return cls if digits[len(prefix)] in _MID_FIRST else MmsiClass.INVALID
    return MmsiClass.INVALID  # pragma: no cover - "" matches every string
