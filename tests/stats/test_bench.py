"""bench/stats.py --quick runs end to end and ends with its JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


@pytest.mark.timeout(300)
def test_quick_run_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "stats.py"), "--quick"],
        cwd=REPO, capture_output=True, text=True, timeout=290,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "stats" and result["positions"] == 100_000
    assert result["incremental_us_per_position"] > 0 and result["recompute_month_s"] > 0
    assert result["raw_mb_per_million"] > result["aggregates_mb_per_million"] > 0
    assert result["lag_max_s"] > 0 and result["live_rate"] > 0
