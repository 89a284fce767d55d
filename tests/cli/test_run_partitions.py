"""`seagrid run STAGE --partition I/N`: the flag against `[bus] partitions`, as real
processes (they stop at start-up, before opening Redis or PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL

REPO = Path(__file__).resolve().parents[2]
SMALL_CONFIG = REPO / "tests" / "gridding" / "data" / "quanzhou-small"
SEAGRID = [sys.executable, "-m", "services.cli.main"]


def _config(tmp_path: Path, bus: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write(f"\n[bus]\n{bus}\n")
    return config


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SEAGRID_REDIS_URL=REDIS_URL, PYTHONPATH=str(REPO))
    env.pop("SEAGRID_DATABASE_URL", None)
    return subprocess.run(
        [*SEAGRID, "run", *args, "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("bus", "args", "message"),
    [
        (
            "partitions = 2",
            ["alerts"],
            "seagrid run alerts: [bus] partitions = 2: give --partition I/2 (I in 0..1)",
        ),
        (
            "partitions = 2",
            ["gridding", "--partition", "0/3"],
            "seagrid run gridding: --partition 0/3 splits into 3 partitions but "
            "[bus] partitions = 2 in seagrid.toml: producers would write streams this "
            "process never reads",
        ),
        (
            "partitions = 2",
            ["ingest", "--partition", "0/2"],
            "seagrid run ingest: --partition applies to gridding and alerts only, not ingest",
        ),
        (
            "partitions = 2",
            ["alerts", "--partition", "2/2"],
            "seagrid run alerts: partition index must be 0..1 for 2 partitions, got 2",
        ),
        (
            'partitions = "two"',
            ["web"],
            "seagrid run web: [bus] partitions must be an integer 1..64, got 'two'",
        ),
    ],
)
def test_a_partition_that_cannot_work_is_refused_on_one_line(
    tmp_path: Path, bus: str, args: list[str], message: str
) -> None:
    result = _run(_config(tmp_path, bus), *args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [message]


def test_a_valid_partition_gets_past_the_flag_checks(tmp_path: Path) -> None:
    """With the flag right, start-up goes on and stops at the next missing thing (alerts
    needs the database; gridding, which needs none since persist runs alone, would run)."""
    result = _run(_config(tmp_path, "partitions = 2"), "alerts", "--partition", "1/2")
    assert result.returncode == 1
    assert "SEAGRID_DATABASE_URL is not set" in result.stderr
