"""bench/fusion.py --quick runs and its last line is the JSON the contract asks for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fusion.py"


def test_quick_fusion_bench_prints_scan_time_and_accuracy() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "fusion" and result["tracks"] == 200
    assert result["scan_ms"] > 0 and result["baseline_ms"] > 0
    # global assignment with hysteresis beats greedy nearest-neighbour on the same scan
    assert result["accuracy"] >= 0.98 and result["accuracy"] > result["baseline_accuracy"]
