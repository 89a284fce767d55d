"""Modes in the rule engine: which are in force at an event time, and what they change.

A mode switched on everywhere overrides the engine's thresholds; one switched on for an
area does so through a zone of kind `mode` over that area, carrying the overrides as zone
properties. That is the path zone thresholds already take: the zone rules (speeding,
anchoring, anchor drag...) use the thresholds of the zone they are in, and close quarters
takes the largest CPA/TCPA of the zones a vessel is in (`ZoneIndex.threshold_at`).

ais_gap and position_jump do not look at zones: one sets a deadline when a vessel reports,
the other compares a position with the track's last one. They take their thresholds from
`ModeState.at(lat, lon)`: the engine's (modes in force everywhere) with the overrides of
the area modes whose area holds the vessel's last accepted position. A gap deadline is set
at each report, so a mode switched on while a vessel is already silent applies from its
next report; a jump is judged with the mode in force at the track's position.

Every alert records the modes in force where and when it was raised (`names_at`; the
lifecycle keeps them in `details.modes`), so an operator reading it, and a report a month
later, know which rule set produced it.

A rule a mode switches off is still evaluated; its "holds" observations are turned into
"ended" ones where the mode is in force, so alerts it had raised clear rather than hang.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import shapely

from services.alerts.model import Observation
from services.alerts.thresholds import _GLOBAL_ONLY, PER_VESSEL, Thresholds
from services.core.config_zones import Zone
from services.infocentre.model import ModeActivation
from services.infocentre.modes import ModeSpec


class ModeState:
    def __init__(self, specs: dict[str, ModeSpec]) -> None:
        self.specs = specs
        self.activations: tuple[ModeActivation, ...] = ()
        self.current: tuple[ModeActivation, ...] = ()
        self._key: frozenset[str] | None = frozenset()
        # area activations in force whose mode sets a per-vessel ais_gap/position_jump threshold
        self._local: tuple[tuple[ModeActivation, dict[str, float]], ...] = ()
        self._local_cache: dict[tuple[int, ...], Thresholds] = {}
        self._local_base: Thresholds | None = None

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
        self._local = tuple(
            (a, local)
            for a in current
            if a.area is not None
            and (
                local := {k: v for k, v in self.specs[a.mode].thresholds.items() if k in PER_VESSEL}
            )
        )
        self._local_cache.clear()
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

    def at(self, base: Thresholds, lat: float, lon: float) -> Thresholds:
        """`base` (the engine's thresholds) with the ais_gap/position_jump overrides of the
        area modes in force at (lat, lon); `base` itself where there are none (the usual
        case costs one test)."""
        if not self._local:
            return base
        if base is not self._local_base:
            self._local_cache.clear()
            self._local_base = base
        here = tuple(n for n, (a, _) in enumerate(self._local) if _covers(a, lat, lon))
        if not here:
            return base
        found = self._local_cache.get(here)
        if found is None:
            found = base
            for n in sorted(here, key=lambda n: self._local[n][0].mode):
                a, local = self._local[n]
                found = found.with_overrides(local, f"mode {a.mode}")
            self._local_cache[here] = found
        return found

    def names_at(self, lat: float, lon: float) -> tuple[str, ...]:
        """The modes in force at (lat, lon) now, sorted (empty in normal supervision)."""
        if not self.current:
            return ()
        return tuple(sorted({a.mode for a in self.current if _covers(a, lat, lon)}))

    def stamp(self, observations: list[Observation]) -> list[Observation]:
        """Active observations with the modes in force where they happened (`modes`)."""
        if not self.current:
            return observations
        out = []
        for obs in observations:
            names = self.names_at(obs.lat, obs.lon) if obs.active else ()
            out.append(replace(obs, modes=names) if names else obs)
        return out

    def zones(self) -> list[Zone]:
        """One `mode` zone per activation in force for an area, with its overrides."""
        found = []
        for a in self.current:
            if a.area is None:
                continue
            params = {
                k: v
                for k, v in self.specs[a.mode].thresholds.items()
                if k not in _GLOBAL_ONLY and k not in PER_VESSEL
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
                    obs.other_mmsi, modes=obs.modes,
                )  # fmt: skip
        return obs


def _covers(activation: ModeActivation, lat: float, lon: float) -> bool:
    return activation.area is None or bool(shapely.intersects_xy(activation.area, lon, lat))
