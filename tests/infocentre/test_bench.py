"""bench/infocentre.py --quick runs and ends with its JSON figures (CONTRACTS §7)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_quick_prints_its_figures_last() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "infocentre.py"), "--quick"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["bench"] == "infocentre"
    assert figures["live_apply_ms"] > 0 and figures["baseline_restart_ms"] > 0
    assert figures["import_rows_per_s"] > 0 and 0 < figures["import_ratio"]
    assert figures["rules_positions_per_s_live"] > 0
