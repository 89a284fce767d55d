"""Association of radar tracks with AIS vessels on simulated encounters: precision and
recall of at least 0.99 where greedy nearest-neighbour swaps identities, no flicker."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from services.radar.association import Gates, associate, greedy_nearest
from services.radar.fusion import FusionEngine
from tests.radar.scenes import Scene, ais_reports, crossings, overtakings, radar_config, scene

SPAN_S = 900.0


def run(s: Scene, seed: int) -> tuple[float, float, Counter[tuple[str, int]]]:
    """(precision, recall, association changes per track) over every report of the scene."""
    engine = FusionEngine(radar_config())
    ais = list(ais_reports(s, seed))
    k = 0
    right = made = due = 0
    changes: Counter[tuple[str, int]] = Counter()
    last: dict[tuple[str, int], int | None] = {}
    for t, reports in s.scans:
        while k < len(ais) and ais[k].ts <= t:
            engine.add_position(ais[k])
            k += 1
        for state in engine.scan("vts-test", t, reports).states:
            if state.removed:
                continue
            index = s.truth.get((state.radar, state.target, t))  # None: clutter
            true = None if index is None else s.mmsis[index]
            due += true is not None
            made += state.mmsi is not None
            right += state.mmsi is not None and state.mmsi == true
            key = (state.radar, state.target)
            if key in last and last[key] != state.mmsi:
                changes[key] += 1
            last[key] = state.mmsi
    return right / made, right / due, changes


def test_crossing_vessels_keep_their_identities() -> None:
    s = scene(crossings(10, SPAN_S), 3, SPAN_S)
    precision, recall, changes = run(s, 3)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)
    assert sum(changes.values()) <= 2  # re-acquisitions aside, nothing flips


def test_overtaking_vessels_keep_their_identities() -> None:
    s = scene(overtakings(10, SPAN_S), 4, SPAN_S)
    precision, recall, changes = run(s, 4)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)
    assert sum(changes.values()) <= 2


def test_a_vessel_without_ais_is_never_given_an_identity() -> None:
    tracks = crossings(4, SPAN_S) + overtakings(4, SPAN_S)
    s = scene(tracks, 5, SPAN_S, dark=4)  # the last two overtaking pairs have no AIS
    precision, recall, _ = run(s, 5)
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)


def test_global_assignment_beats_greedy_where_one_choice_forces_another() -> None:
    """Track 0 lies nearest vessel 1, but track 1 can only be vessel 1: greedy takes the
    nearest and leaves track 1 without its vessel, the global optimum gets both right."""
    tracks = np.array([[0.0, 0.0], [160.0, 0.0]])
    vessels = np.array([[-140.0, 0.0], [60.0, 0.0]])
    no_speed = np.full((2, 2), np.nan)
    best = associate(tracks, no_speed, vessels, no_speed, np.array([-1, -1]), Gates())
    assert best.vessel.tolist() == [0, 1]
    assert greedy_nearest(tracks, vessels, 300.0).tolist() == [1, -1]


def test_hysteresis_keeps_an_association_against_a_slightly_nearer_newcomer() -> None:
    tracks = np.array([[0.0, 0.0]])
    vessels = np.array([[120.0, 0.0], [-100.0, 0.0]])  # vessel 1 is nearer now
    no_speed = np.full((2, 2), np.nan)
    kept = associate(tracks, no_speed[:1], vessels, no_speed, np.array([0]), Gates())
    fresh = associate(tracks, no_speed[:1], vessels, no_speed, np.array([-1]), Gates())
    assert kept.vessel.tolist() == [0] and fresh.vessel.tolist() == [1]
    # far beyond the gate, the kept association holds up to keep_gate_m, then lets go
    near = associate(tracks, no_speed[:1], np.array([[1500.0, 0.0]]), no_speed[:1],
                     np.array([0]), Gates())  # fmt: skip
    far = associate(tracks, no_speed[:1], np.array([[2500.0, 0.0]]), no_speed[:1],
                    np.array([0]), Gates())  # fmt: skip
    assert near.vessel.tolist() == [0] and far.vessel.tolist() == [-1]
    assert not near.accounted[0]  # held by hysteresis, not "within the gate"


def test_velocity_gate_separates_vessels_at_one_point() -> None:
    tracks = np.array([[0.0, 0.0], [5.0, 0.0]])
    track_v = np.array([[5.0, 0.0], [0.0, 5.0]])  # east, north
    vessels = np.array([[3.0, 0.0], [1.0, 0.0]])
    vessel_v = np.array([[0.0, 5.1], [5.1, 0.0]])  # north, east
    a = associate(tracks, track_v, vessels, vessel_v, np.array([-1, -1]), Gates())
    assert a.vessel.tolist() == [1, 0]


def test_small_scans_gate_and_assign_as_with_kd_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """The distance matrix of a small scan finds the pairs (and the assignment) the k-d
    trees find for a large one: same code path otherwise, random scenes, kept pairs too."""
    import services.radar.association as association

    rng = np.random.default_rng(14)
    for _ in range(200):
        n, m = int(rng.integers(1, 40)), int(rng.integers(1, 300))
        track_xy = rng.uniform(-5000, 5000, (n, 2))
        vessel_xy = np.concatenate([track_xy, rng.uniform(-5000, 5000, (m, 2))])[:m]
        vessel_xy = vessel_xy + rng.normal(0, 150, vessel_xy.shape)
        track_v = rng.normal(0, 3, (n, 2))
        vessel_v = rng.normal(0, 3, (m, 2))
        kept = np.where(rng.random(n) < 0.3, rng.integers(0, m, n), -1)
        brute = associate(track_xy, track_v, vessel_xy, vessel_v, kept)
        monkeypatch.setattr(association, "_BRUTE_FORCE_MAX", 0)
        trees = associate(track_xy, track_v, vessel_xy, vessel_v, kept)
        monkeypatch.undo()
        assert brute.vessel.tolist() == trees.vessel.tolist()
        assert brute.accounted.tolist() == trees.accounted.tolist()
        np.testing.assert_array_equal(brute.distance_m, trees.distance_m)


def test_groups_solved_as_one_assignment_per_group_would_solve_them() -> None:
    """The shortcut of assignment.py (the cheapest pair of a one-row or one-column group)
    changes no assignment: random candidate graphs, ties included, against scipy on each
    group's dense matrix."""
    from scipy.optimize import linear_sum_assignment

    from services.radar.assignment import groups, solve

    rng = np.random.default_rng(11)
    for _ in range(3000):
        n, m = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        dense = rng.choice([0.4, 0.8, 1.0])
        pairs = [(r, c) for r in range(n) for c in range(m) if rng.random() < dense]
        if not pairs:
            continue
        rows = np.array([p[0] for p in pairs], dtype=np.int64)
        cols = np.array([p[1] for p in pairs], dtype=np.int64)
        if rng.random() < 0.5:  # ties
            cost = rng.choice([0.25, 0.5, 1.0], len(pairs)) * rng.choice([1.0, rng.random()])
        else:
            cost = rng.exponential(2.0, len(pairs))
        want = set()
        for edges in groups(rows.tolist(), (cols + n).tolist(), n + m):
            r_ids, c_ids = sorted(set(rows[edges])), sorted(set(cols[edges]))
            matrix = np.full((len(r_ids), len(c_ids)), 1e9)
            for e in edges:
                matrix[r_ids.index(rows[e]), c_ids.index(cols[e])] = cost[e]
            for i, j in zip(*linear_sum_assignment(matrix), strict=True):
                if matrix[i, j] < 1e9:
                    want.add((int(r_ids[i]), int(c_ids[j])))
        assert set(solve(rows.tolist(), cols.tolist(), cost.tolist(), n)) == want


def test_the_solver_is_scipys_without_scipy_optimize() -> None:
    """assignment.py loads scipy's C solver alone: same function, same answers, and
    scipy.optimize not imported for it (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from services.radar.assignment import _solver\n"
        "m = np.array([[4.0, 1, 3], [2, 0, 5], [3, 2, 2]])\n"
        "rows, cols = _solver()(m)\n"
        "print(_solver().__name__, rows.tolist(), cols.tolist(), 'scipy.optimize' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [
        "linear_sum_assignment",
        "[0,",
        "1,",
        "2]",
        "[1,",
        "0,",
        "2]",
        "False",
    ]
    from scipy.optimize import linear_sum_assignment

    from services.radar.assignment import _solver

    rng = np.random.default_rng(2)
    for _ in range(200):
        m = rng.choice([0.5, 1.0, 2.0, 1e9], (int(rng.integers(1, 6)), int(rng.integers(1, 6))))
        got, want = _solver()(m), linear_sum_assignment(m)
        assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))


def _reference(
    track_xy: np.ndarray,
    track_v: np.ndarray,
    vessel_xy: np.ndarray,
    vessel_v: np.ndarray,
    kept: np.ndarray,
    gates: Gates,
) -> tuple[list[int], list[float], list[bool]]:
    """associate() as it was, array step by array step (before the per-pair lists)."""
    from scipy.optimize import linear_sum_assignment

    n = len(track_xy)
    dx, dy = track_xy[:, 0:1] - vessel_xy[:, 0], track_xy[:, 1:2] - vessel_xy[:, 1]
    d = np.sqrt(dx**2 + dy**2)
    rows, cols = np.nonzero(d <= gates.gate_m)
    dist = d[rows, cols]
    accounted = np.zeros(n, dtype=bool)
    accounted[rows] = True
    kt = np.flatnonzero(kept >= 0)
    kv = kept[kt]
    delta = track_xy[kt] - vessel_xy[kv]
    kd = np.hypot(delta[:, 0], delta[:, 1])
    near = kd <= gates.keep_gate_m
    fresh = kept[rows] != cols
    rows = np.concatenate([rows[fresh], kt[near]])
    cols = np.concatenate([cols[fresh], kv[near]])
    dist = np.concatenate([dist[fresh], kd[near]])
    is_kept = np.concatenate([np.zeros(int(fresh.sum()), bool), np.ones(int(near.sum()), bool)])
    a, b = track_v[rows], vessel_v[cols]
    dv = np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])
    dv = np.where(np.isnan(dv), 0.0, dv)
    ok = dv <= np.where(is_kept, 2.0 * gates.gate_ms, gates.gate_ms)
    rows, cols, dist, dv, is_kept = rows[ok], cols[ok], dist[ok], dv[ok], is_kept[ok]
    cost = (dist / gates.gate_m) ** 2 + (dv / gates.gate_ms) ** 2
    cost = np.where(is_kept, cost * gates.kept_weight, cost)
    vessel = np.full(n, -1)
    if len(rows):  # one dense problem: same optimum as group by group, bar exact ties
        r_ids, c_ids = np.unique(rows), np.unique(cols)
        matrix = np.full((len(r_ids), len(c_ids)), 1e9)
        matrix[np.searchsorted(r_ids, rows), np.searchsorted(c_ids, cols)] = cost
        for i, j in zip(*linear_sum_assignment(matrix), strict=True):
            if matrix[i, j] < 1e9:
                vessel[r_ids[i]] = c_ids[j]
    distance = np.full(n, np.nan)
    idx = np.flatnonzero(vessel >= 0)
    delta = track_xy[idx] - vessel_xy[vessel[idx]]
    distance[idx] = np.hypot(delta[:, 0], delta[:, 1])
    return vessel.tolist(), distance.tolist(), accounted.tolist()


def test_pairs_and_costs_as_lists_give_the_array_steps_answer() -> None:
    """Random busy scenes (continuous costs, so no exact ties): the same assignment,
    distances to the last bit, and accounted flags as the array-by-array computation."""
    rng = np.random.default_rng(23)
    gates = Gates()
    for _ in range(300):
        n, m = int(rng.integers(1, 25)), int(rng.integers(1, 60))
        vessel_xy = rng.uniform(-3000, 3000, (m, 2))
        near = vessel_xy[rng.integers(0, m, n)]
        track_xy = near + rng.normal(0, 250, (n, 2))
        vessel_v = rng.normal(0, 5, (m, 2))
        vessel_v[rng.random(m) < 0.1] = np.nan
        track_v = vessel_v[rng.integers(0, m, n)] + rng.normal(0, 2, (n, 2))
        track_v[rng.random(n) < 0.1] = np.nan
        kept = np.where(rng.random(n) < 0.5, rng.integers(0, m, n), -1)
        got = associate(track_xy, track_v, vessel_xy, vessel_v, kept, gates)
        want = _reference(track_xy, track_v, vessel_xy, vessel_v, kept, gates)
        assert got.vessel.tolist() == want[0]
        assert np.array_equal(got.distance_m, np.array(want[1]), equal_nan=True)
        assert got.accounted.tolist() == want[2]
