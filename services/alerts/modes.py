"""Modes in the rule engine: which are in force at an event time, and what they change.

A mode switched on everywhere overrides the engine's thresholds; one switched on for an
area does so through a zone of kind `mode` over that area, carrying the overrides as zone
properties. That is the path zone thresholds already take: the zone rules (speeding,
anchoring, anchor drag...) use the thresholds of the zone they are in, and close quarters
takes the largest CPA/TCPA of the zones a vessel is in (`ZoneIndex.threshold_at`). Rules
with one global pass (ais_gap, position_jump) follow only modes switched on everywhere.

A rule a mode switches off is still evaluated; its "holds" observations are turned into
"ended" ones where the mode is in force, so alerts it had raised clear rather than hang.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from services.alerts.model import Observation
from services.alerts.thresholds import _GLOBAL_ONLY, Thresholds
from services.core.config_zones import Zone
from services.infocentre.model import ModeActivation
from services.infocentre.modes import ModeSpec


class ModeState:
    def __init__(self, specs: dict[str, ModeSpec]) -> None:
        self.specs = specs
        self.activations: tuple[ModeActivation, ...] = ()
        self.current: tuple[ModeActivation, ...] = ()
        self._key: frozenset[str] | None = frozenset()

    def set(self, activations: Sequence[ModeActivation]) -> None:
        """New activations (unknown mode names are kept but do nothing)."""
        self.activations = tuple(activations)
        self._key = None  # force the next `changed` to say yes

    def changed(self, now: float) -> bool:
        """Update the modes in force at `now`; True when the set differs from before."""
        current = tuple(a for a in self.activations if a.in_force(now) and a.mode in self.specs)
        key = frozenset(a.id for a in current)
        if key == self._key:
            return False
        self.current, self._key = current, key
        return True

    def names(self) -> list[str]:
        return sorted({a.mode for a in self.current})

    def thresholds(self, base: Thresholds) -> Thresholds:
        """`base` with the overrides of the modes in force everywhere (sorted by name, so
        two modes setting one threshold give the same result every run: the last wins)."""
        out = base
        for a in sorted(self._everywhere(), key=lambda a: a.mode):
            out = out.with_overrides(self.specs[a.mode].thresholds, f"mode {a.mode}")
        return out

    def zones(self) -> list[Zone]:
        """One `mode` zone per activation in force for an area, with its overrides."""
        found = []
        for a in self.current:
            if a.area is None:
                continue
            params = {
                k: v for k, v in self.specs[a.mode].thresholds.items() if k not in _GLOBAL_ONLY
            }
            found.append(Zone(f"mode:{a.id}", "mode", a.mode, a.area, params=params))
        return found

    def filter(self, observations: list[Observation]) -> list[Observation]:
        """Observations with the switched-off rules' "holds" turned into "ended"."""
        if not any(self.specs[a.mode].rules_off for a in self.current):
            return observations
        return [self._maybe_off(o) for o in observations]

    def shelter_types(self, lat: float, lon: float) -> frozenset[int]:
        """Ship types that must be in a shelter here now (typhoon modes in force)."""
        types: frozenset[int] = frozenset()
        for a in self.current:
            spec = self.specs[a.mode]
            if spec.shelter_ship_types and _covers(a, lat, lon):
                types |= spec.shelter_ship_types
        return types

    def _everywhere(self) -> list[ModeActivation]:
        return [a for a in self.current if a.area is None]

    def _maybe_off(self, obs: Observation) -> Observation:
        if not obs.active:
            return obs
        for a in self.current:
            if obs.rule in self.specs[a.mode].rules_off and _covers(a, obs.lat, obs.lon):
                return Observation(
                    obs.rule, obs.mmsi, obs.ts, False, obs.lat, obs.lon, obs.cell, obs.zone,
                    obs.other_mmsi,
                )  # fmt: skip
        return obs


def _covers(activation: ModeActivation, lat: float, lon: float) -> bool:
    return activation.area is None or bool(shapely.intersects_xy(activation.area, lon, lat))
