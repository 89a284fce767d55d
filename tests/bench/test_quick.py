"""Every bench in bench/ runs in its quick mode, so a bench that breaks fails the suite.

The full runs (minutes, on an otherwise idle machine) stay out of the tests; `--quick` uses
small sizes and takes seconds. Each must end with one JSON object naming itself, and its
figures must be real measurements (positive rates, nothing missing).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.stem for p in (REPO / "bench").glob("*.py"))
# The figure each bench must report (a positive number) besides its name.
FIGURES = {
    "alerts": ["items_per_s", "cq_pass_ms"],
    # run processes over a private redis-server and the local PostgreSQL
    "distributed": ["items_per_s", "baseline_items_per_s", "ratio", "catch_up_s"],
    "gridding": ["items_per_s", "baseline_items_per_s"],
    "ingest": ["items_per_s", "baseline_items_per_s", "ratio"],
    "map_tick": ["apply_ms_p50", "baseline_apply_ms_p50"],
    "pg_sink": ["items_per_s", "baseline_items_per_s"],
    "pipeline": ["items_per_s"],  # its baseline comes from git history, when there is one
    "ws_fanout": ["received", "messages_per_s", "p95_ms"],
}
# Benches whose quick mode needs a service or fixture of their own run in their package's tests.
OWN_TESTS = {
    "cases": "tests/cases/test_bench.py",  # PostgreSQL
    "fusion": "tests/radar/test_bench.py",
    "infocentre": "tests/infocentre/test_bench.py",
    "stats": "tests/stats/test_bench.py",  # PostgreSQL
}


def test_every_bench_is_covered() -> None:
    assert BENCHES == sorted([*FIGURES, *OWN_TESTS])
    for path in OWN_TESTS.values():
        assert "--quick" in (REPO / path).read_text(encoding="utf-8"), path


@pytest.mark.timeout(600)  # seconds of CPU each, but the machine may be busy
@pytest.mark.parametrize("bench", sorted(FIGURES))
def test_bench_runs_in_quick_mode(bench: str) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / f"{bench}.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=590,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == bench
    for name in FIGURES[bench]:
        value = result[name]
        assert isinstance(value, int | float) and value > 0, (name, value)
    if bench == "pipeline" and result["baseline_items_per_s"] is not None:
        assert result["baseline_items_per_s"] > 0 and result["ratio"] > 0
        assert set(result["shares"]) == {"ingest", "gridding", "alerts", "fusion", "other"}
