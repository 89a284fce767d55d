"""Radar tracks to AIS vessels, one radar's scan at a time: gated global assignment.

Pure numpy/scipy over local metres (see geometry.py), so the fusion engine, the tests and
bench/fusion.py run exactly the same code.

1. Gate: a pair is a candidate when the AIS position (dead-reckoned to the scan time) lies
   within `gate_m` of the radar plot and their velocities differ by at most `gate_ms`
   (unknown velocities do not gate). A pair associated in earlier scans stays a candidate
   up to `keep_gate_m` and twice the velocity gate: that is the hysteresis that lets an
   association survive noise, a crossing, and an AIS position drifting away from its echo.
2. Cost: squared normalised distance plus squared normalised velocity difference; a kept
   pair's cost is multiplied by `kept_weight` (1/4), so a newcomer must fit twice as well
   (in distance) to take a vessel over: no flicker between two similar candidates.
3. Assignment: `scipy.optimize.linear_sum_assignment` minimises the total cost, one vessel
   per track and one track per vessel *of this radar* (several radars may each hold the
   same vessel). Greedy nearest-neighbour pairs the first track with its nearest vessel
   even when that vessel is the only one a second track can have; in a crossing or an
   overtaking that swaps identities, the global optimum does not. The gated pairs split
   into many small independent groups (connected components of the candidate graph), so
   each group is solved on its own: a few hundred tiny problems instead of one 2,000 x
   2,000 matrix (assignment.py, which asks scipy only when a group's answer is not
   otherwise certain). Within a group, a missing pair costs `FORBIDDEN`, so the solution
   first maximises the number of gated pairs, then minimises their cost; forbidden pairs
   that remain are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.radar.assignment import solve

# Above this many track-vessel pairs a scan's gate query goes through k-d trees.
_BRUTE_FORCE_MAX = 250_000
KEPT_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class Gates:
    gate_m: float = 300.0
    gate_ms: float = 6.0 * 1852.0 / 3600.0
    keep_gate_m: float = 2000.0
    kept_weight: float = KEPT_WEIGHT


@dataclass(frozen=True, slots=True)
class Assignment:
    vessel: np.ndarray  # per track: the assigned vessel's index, or -1
    distance_m: np.ndarray  # per track: distance to the assigned vessel (NaN if none)
    accounted: np.ndarray  # per track: some vessel lies within gate_m (assigned or not)


def associate(
    track_xy: np.ndarray,
    track_v: np.ndarray,
    vessel_xy: np.ndarray,
    vessel_v: np.ndarray,
    kept: np.ndarray,
    gates: Gates = Gates(),
) -> Assignment:
    """Assign tracks (n x 2 positions, n x 2 velocities in m/s, NaN when unknown) to
    vessels (m x 2, m x 2). `kept[i]` is the vessel track i was associated with before
    (-1 for none)."""
    n, m = len(track_xy), len(vessel_xy)
    vessel = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    if n == 0 or m == 0:
        return Assignment(vessel, distance, np.zeros(n, dtype=bool))
    rows, cols, dist = _near_pairs(track_xy, vessel_xy, gates.gate_m)
    accounted = np.zeros(n, dtype=bool)
    accounted[rows] = True
    pairs = _with_kept(rows, cols, dist, track_xy, vessel_xy, kept, gates)
    for r, c in solve(*_costs(pairs, track_v, vessel_v, gates), n):
        vessel[r] = c
    assigned = vessel >= 0
    if assigned.any():
        idx = np.flatnonzero(assigned)
        delta = track_xy[idx] - vessel_xy[vessel[idx]]
        distance[idx] = np.hypot(delta[:, 0], delta[:, 1])
    return Assignment(vessel, distance, accounted)


# Candidate pairs as lists (a scan has a few dozen: per-pair arithmetic in Python costs
# less than a numpy call per step): track, vessel, distance, kept from earlier scans.
_Pairs = tuple[list[int], list[int], list[float], list[bool]]


def _costs(
    pairs: _Pairs, track_v: np.ndarray, vessel_v: np.ndarray, gates: Gates
) -> tuple[list[int], list[int], list[float]]:
    """The pairs within the velocity gate (twice as wide for a kept pair), with their cost.

    The arithmetic is numpy's elementwise arithmetic done per pair (`x ** 2` on an array is
    `x * x`), so the costs are the same floats.
    """
    rows, cols, dist, kept = pairs
    index = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    dv = _speed_difference(track_v[index[0]], vessel_v[index[1]]).tolist()
    gate_m, gate_ms, weight = gates.gate_m, gates.gate_ms, gates.kept_weight
    wide = 2.0 * gate_ms
    out_r: list[int] = []
    out_c: list[int] = []
    out_cost: list[float] = []
    for r, c, d, k, v in zip(rows, cols, dist, kept, dv, strict=True):
        if not v <= (wide if k else gate_ms):
            continue
        a, b = d / gate_m, v / gate_ms
        cost = a * a + b * b
        out_r.append(r)
        out_c.append(c)
        out_cost.append(cost * weight if k else cost)
    return out_r, out_c, out_cost


def _near_pairs(
    track_xy: np.ndarray, vessel_xy: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (track, vessel) pair within `radius`, with its distance.

    One scan holds tens of tracks against a few hundred vessels: the whole distance matrix
    is a few thousand numbers, cheaper to compute outright than to build two k-d trees and
    a sparse matrix for (which cost a third of the fusion stage's time). The distance is
    computed as a k-d tree does (sum of squared differences, then the root), so the pairs
    and their distances are the ones it found.
    """
    if len(track_xy) * len(vessel_xy) > _BRUTE_FORCE_MAX:
        from scipy.spatial import cKDTree  # here only: scipy takes a third of start-up

        found = cKDTree(track_xy).sparse_distance_matrix(
            cKDTree(vessel_xy), radius, output_type="coo_matrix"
        )
        return found.row.astype(np.int64), found.col.astype(np.int64), found.data.astype(float)
    dx = track_xy[:, 0:1] - vessel_xy[:, 0]
    dy = track_xy[:, 1:2] - vessel_xy[:, 1]
    d = np.sqrt(dx * dx + dy * dy)
    rows, cols = np.nonzero(d <= radius)
    return rows.astype(np.int64), cols.astype(np.int64), d[rows, cols]


def _with_kept(
    rows: np.ndarray,
    cols: np.ndarray,
    dist: np.ndarray,
    track_xy: np.ndarray,
    vessel_xy: np.ndarray,
    kept: np.ndarray,
    gates: Gates,
) -> _Pairs:
    """The gated pairs and the kept pairs (up to keep_gate_m), flagged; a kept pair the gate
    found too is listed once, as kept."""
    kt = np.flatnonzero(kept >= 0)
    kv = kept[kt]
    delta = track_xy[kt] - vessel_xy[kv]
    kd = np.hypot(delta[:, 0], delta[:, 1])
    was = kept.tolist()
    out: _Pairs = ([], [], [], [])
    out_r, out_c, out_d, out_k = out
    for r, c, d in zip(rows.tolist(), cols.tolist(), dist.tolist(), strict=True):
        if was[r] != c:
            out_r.append(r)
            out_c.append(c)
            out_d.append(d)
            out_k.append(False)
    keep_gate = gates.keep_gate_m
    for r, c, d in zip(kt.tolist(), kv.tolist(), kd.tolist(), strict=True):
        if d <= keep_gate:
            out_r.append(r)
            out_c.append(c)
            out_d.append(d)
            out_k.append(True)
    return out


def _speed_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| per row in m/s; 0 where either velocity is unknown (no velocity gate)."""
    d = np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])
    return np.where(np.isnan(d), 0.0, d)


def greedy_nearest(track_xy: np.ndarray, vessel_xy: np.ndarray, gate_m: float) -> np.ndarray:
    """The baseline (bench/fusion.py, tests): each track in turn takes its nearest free
    vessel within the gate. Per track: the vessel index or -1."""
    n = len(track_xy)
    vessel = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(vessel_xy) == 0:
        return vessel
    from scipy.spatial import cKDTree

    taken = np.zeros(len(vessel_xy), dtype=bool)
    tree = cKDTree(vessel_xy)
    k = min(8, len(vessel_xy))
    dist, idx = tree.query(track_xy, k=k, distance_upper_bound=gate_m)
    dist, idx = dist.reshape(n, k), idx.reshape(n, k)
    for i in range(n):
        for d, j in zip(dist[i], idx[i], strict=True):
            if np.isinf(d):
                break
            if not taken[j]:
                taken[j] = True
                vessel[i] = j
                break
    return vessel
