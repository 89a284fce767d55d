"""bench/cases.py --quick runs and ends with its JSON figures (CONTRACTS §7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PG_ADMIN_URL, REPO


@pytest.mark.postgres
def test_quick_bench_prints_its_figures() -> None:
    env = {**os.environ, "SEAGRID_DATABASE_URL": PG_ADMIN_URL}
    done = subprocess.run(
        [sys.executable, "bench/cases.py", "--quick"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["bench"] == "cases" and figures["cases"] == 2000
    for key in ("board_p95_ms", "overdue_p95_ms", "sweep_ms", "catchup_ms"):
        assert 0 < figures[key] < 10_000, key
    # the generated data has overdue open cases and pending instructions: the catch-up
    # sweep must escalate some, and the sweep 30 s after the last finds almost nothing
    assert figures["catchup_escalations"] > 50
