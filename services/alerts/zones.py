"""The rule zones as one spatial index: which zones a batch of points is in, how far a point
is from a zone's boundary, and where a straight course first enters a zone.

Membership is asked for every position, so it is answered for a whole batch in one STRtree
query (Shapely 2, vectorised); the rarer questions (distance for hysteresis, ray crossing for
predicted_entry) only for the few points that need them. Each zone carries its own
Thresholds, with the zone's overrides applied once here rather than per position.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
import shapely

from services.alerts.geo import metres_per_degree_lon
from services.alerts.thresholds import Thresholds
from services.core.config import Zone

# A vessel entering one of these is a zone_entry (waterworks only while active).
ENTRY_KINDS = frozenset({"restricted", "waterworks"})
NO_ZONES: tuple[int, ...] = ()

FloatArray = npt.NDArray[np.float64]


class ZoneIndex:
    """An immutable index over the zones of one zones.geojson."""

    def __init__(self, zones: Sequence[Zone], thresholds: Thresholds) -> None:
        self.zones = tuple(zones)
        self.thresholds = tuple(thresholds.for_zone(z) for z in self.zones)
        self.index = {z.id: i for i, z in enumerate(self.zones)}
        self.is_entry = tuple(z.kind in ENTRY_KINDS for z in self.zones)
        self._geoms = np.array([z.geometry for z in self.zones], dtype=object)
        self._boundaries = shapely.boundary(self._geoms)
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        self._entry_ids = np.array([i for i, e in enumerate(self.is_entry) if e], dtype=np.int64)
        self.bounds = _bounds(self._geoms)
        self.entry_bounds = _bounds(self._geoms[self._entry_ids])
        self._overrides = _overrides(self.zones, self.thresholds)

    def __len__(self) -> int:
        return len(self.zones)

    def of_kind(self, hits: tuple[int, ...], kind: str) -> Iterator[tuple[Zone, Thresholds]]:
        """The zones of `kind` among `hits` (from `lookup`), each with its thresholds."""
        for z in hits:
            zone = self.zones[z]
            if zone.kind == kind:
                yield zone, self.thresholds[z]

    def lookup(self, lon: FloatArray, lat: FloatArray) -> list[tuple[int, ...]]:
        """For each point, the indices of the zones containing it (boundary included)."""
        out: list[tuple[int, ...]] = [NO_ZONES] * len(lon)
        if not len(self.zones) or not len(lon):
            return out
        minx, miny, maxx, maxy = self.bounds
        near = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
        if not near.size:
            return out
        points, zones = self._tree.query(
            shapely.points(lon[near], lat[near]), predicate="intersects"
        )
        for p, z in zip(near[points].tolist(), zones.tolist(), strict=True):
            out[p] = (*out[p], z)
        return out

    def threshold_at(
        self, name: str, lon: FloatArray, lat: FloatArray, default: float
    ) -> FloatArray:
        """For each point, threshold `name` as the zones containing it set it, else `default`.

        Where zones that set it overlap, the largest value wins: for the distance and time
        thresholds this is asked for (close quarters) the larger one is the cautious one.
        One STRtree query over the zones that set `name`, so a whole pass costs one call.
        """
        out = np.full(len(lon), default, dtype=np.float64)
        found = self._overrides.get(name)
        if found is None or not len(lon):
            return out
        tree, values = found
        points, zones = tree.query(shapely.points(lon, lat), predicate="intersects")
        if points.size:
            best = np.full(len(lon), -np.inf)
            np.maximum.at(best, points, values[zones])
            out = np.where(np.isfinite(best), best, out)
        return out

    def depth_m(self, index: int, lat: float, lon: float) -> float:
        """Distance (metres) from the point to zone `index`'s boundary, inside or out.

        Degrees are converted with the smaller of the two scales, so the figure is never
        more than the true distance: hysteresis built on it errs on the side of waiting.
        """
        degrees = float(shapely.distance(self._boundaries[index], shapely.Point(lon, lat)))
        return degrees * metres_per_degree_lon(lat)

    def contains(self, index: int, lat: float, lon: float) -> bool:
        return bool(shapely.intersects_xy(self._geoms[index], lon, lat))

    def left(self, zone_id: str, lat: float, lon: float, margin_m: float) -> bool:
        """Whether the point is outside the zone by more than `margin_m` (or the zone is gone).

        The hysteresis of every zone rule: a vessel yawing on a boundary stays "in".
        """
        index = self.index.get(zone_id)
        if index is None:
            return True
        if self.contains(index, lat, lon):
            return False
        return margin_m <= 0 or self.depth_m(index, lat, lon) >= margin_m

    def entries(
        self, lon0: FloatArray, lat0: FloatArray, lon1: FloatArray, lat1: FloatArray
    ) -> list[tuple[int, int, float]]:
        """(segment, entry zone, fraction of the segment before it enters the zone).

        Segments are straight in lon/lat, which over a few nautical miles is the rhumb line
        a vessel holding its course over ground follows. Only restricted and waterworks
        zones are considered; whether a waterworks zone is active is the caller's question.
        """
        if not self._entry_ids.size or not len(lon0):
            return []
        lines = shapely.linestrings(
            np.stack([np.column_stack((lon0, lat0)), np.column_stack((lon1, lat1))], axis=1)
        )
        segs, zones = self._tree.query(lines, predicate="intersects")
        keep = np.isin(zones, self._entry_ids)
        found: list[tuple[int, int, float]] = []
        for s, z in zip(segs[keep].tolist(), zones[keep].tolist(), strict=True):
            line = lines[s]
            crossing = shapely.get_coordinates(shapely.intersection(line, self._geoms[z]))
            if not len(crossing):
                continue
            along = shapely.line_locate_point(line, shapely.points(crossing), normalized=True)
            found.append((s, z, float(np.min(along))))
        return found


def _overrides(
    zones: tuple[Zone, ...], thresholds: tuple[Thresholds, ...]
) -> dict[str, tuple[shapely.STRtree, FloatArray]]:
    """Threshold name -> (STRtree of the zones that set it, their values in tree order)."""
    fields = {f.name for f in dataclasses.fields(Thresholds)}
    names = {k for z in zones for k in z.params if k in fields}
    out: dict[str, tuple[shapely.STRtree, FloatArray]] = {}
    for name in sorted(names):
        ids = [i for i, z in enumerate(zones) if name in z.params]
        tree = shapely.STRtree([zones[i].geometry for i in ids])
        out[name] = (tree, np.array([getattr(thresholds[i], name) for i in ids], dtype=float))
    return out


def _bounds(geoms: npt.NDArray[np.object_]) -> tuple[float, float, float, float]:
    """Total bounds, or an empty box (min > max) that nothing falls in."""
    if not len(geoms):
        return (0.0, 0.0, -1.0, -1.0)
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
    return minx, miny, maxx, maxy
