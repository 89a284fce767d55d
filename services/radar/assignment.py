"""The assignment step of association (association.py): candidate pairs of one scan in,
one vessel per track and one track per vessel out, at minimum total cost.

The pairs split into many small independent groups (connected components of the candidate
graph, found by union-find), each solved on its own. The answer is, by definition, the one
`scipy.optimize.linear_sum_assignment` gives on the group's dense matrix (a missing pair
costing `FORBIDDEN`, so that the number of gated pairs is maximised first, then their cost
minimised; forbidden pairs that remain are dropped). A group of one pair, or of one track
between vessels (one vessel between tracks) with a single cheapest pair, is that pair
without asking: its only optimum. Trying every assignment of the other small groups in
Python (with a margin for scipy's rounding near `FORBIDDEN`) was measured too: about twice
scipy's cost per group (its matrix built as lists), so scipy keeps them.

scipy's solver is a small C extension, `scipy.optimize._lsap`, which is what
`scipy.optimize.linear_sum_assignment` is; importing it through `scipy.optimize` imports
all of scipy.optimize (linprog, linalg, sparse, fft, special): 0.6 s of CPU, a twentieth
of replaying twelve hours. So `_solver` loads the extension file alone, and falls back on
the ordinary import wherever that cannot be done (tests/radar/test_association.py holds
the two to the same function).
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FORBIDDEN = 1e9

Pairs = list[tuple[int, int]]


def solve(r_list: list[int], c_list: list[int], costs: list[float], n: int) -> Pairs:
    """Minimum-cost assignment over candidate pairs (track `r_list[i]`, vessel `c_list[i]`,
    `costs[i]`), `n` tracks; the (track, vessel) pairs kept."""
    if not r_list:
        return []
    out: Pairs = []
    for edges in groups(r_list, [c + n for c in c_list], n + max(c_list) + 1):
        if len(edges) == 1:
            out.append((r_list[edges[0]], c_list[edges[0]]))
            continue
        best = _single_line_best(edges, r_list, c_list, costs)
        if best is not None:
            out.append((r_list[best], c_list[best]))
            continue
        out += _dense([(r_list[e], c_list[e], costs[e]) for e in edges])
    return out


def groups(a: list[int], b: list[int], size: int) -> list[list[int]]:
    """The edges (a[i], b[i]) between nodes 0 .. size-1, grouped by connected component,
    as lists of edge indices.

    Union-find over the few dozen candidate pairs of a scan (a list of parents: the nodes
    are a scan's tracks and vessels, a few hundred): building a sparse graph for scipy's
    connected_components costs far more than the search itself at this size.
    """
    parent = list(range(size))
    for x, y in zip(a, b, strict=True):
        while parent[x] != x:
            x = parent[x]
        while parent[y] != y:
            y = parent[y]
        if x < y:
            parent[y] = x
        elif y < x:
            parent[x] = y
    found: dict[int, list[int]] = {}
    for i, x in enumerate(a):
        while parent[x] != x:
            x = parent[x]
        found.setdefault(x, []).append(i)
    return list(found.values())


def _single_line_best(
    edges: list[int], rows: list[int], cols: list[int], costs: list[float]
) -> int | None:
    """The edge of a one-row (or one-column) group with the unique lowest cost, else None."""
    first = edges[0]
    if any(rows[e] != rows[first] for e in edges) and any(cols[e] != cols[first] for e in edges):
        return None
    group_costs = [costs[e] for e in edges]
    lowest = min(group_costs)
    if group_costs.count(lowest) > 1:
        return None
    return edges[group_costs.index(lowest)]


def _dense(group: list[tuple[int, int, float]]) -> Pairs:
    """scipy's answer on the group's dense matrix."""
    r_ids = sorted({r for r, _, _ in group})
    c_ids = sorted({c for _, c, _ in group})
    r_at = {r: i for i, r in enumerate(r_ids)}
    c_at = {c: i for i, c in enumerate(c_ids)}
    # built as lists: numpy's per-element indexing costs more than the solver on a 3 x 3
    matrix = [[FORBIDDEN] * len(c_ids) for _ in r_ids]
    for r, c, k in group:
        matrix[r_at[r]][c_at[c]] = k
    sel_r, sel_c = _solver()(np.array(matrix))
    return [
        (r_ids[i], c_ids[j])
        for i, j in zip(sel_r.tolist(), sel_c.tolist(), strict=True)
        if matrix[i][j] < FORBIDDEN
    ]


@functools.cache
def _solver() -> Callable[[np.ndarray], Any]:
    """`scipy.optimize.linear_sum_assignment`, loaded without the rest of scipy.optimize."""
    try:
        import scipy

        folder = Path(scipy.__path__[0]) / "optimize"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = folder / f"_lsap{suffix}"
            if path.is_file():
                spec = importlib.util.spec_from_file_location("scipy.optimize._lsap", path)
                if spec is None or spec.loader is None:
                    break
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                return module.linear_sum_assignment  # type: ignore[no-any-return]
    except (ImportError, OSError, AttributeError):
        pass
    from scipy.optimize import linear_sum_assignment

    solver: Callable[[np.ndarray], Any] = linear_sum_assignment
    return solver
