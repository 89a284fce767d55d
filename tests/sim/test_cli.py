"""`seagrid simulate` as an operator runs it, and the bundled demo recording."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.demo import RECORDING

REPO = Path(__file__).resolve().parents[2]


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "simulate", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_writes_a_reproducible_recording(tmp_path):
    a, b = tmp_path / "a.nmea", tmp_path / "b.nmea"
    for out in (a, b):
        proc = simulate(
            "--duration", "4m", "--seed", "3", "--start", "2026-05-01T10:00:00Z", "--out", str(out)
        )
        assert proc.returncode == 0, proc.stderr
        assert "SIMULATED" in proc.stderr and "lines" in proc.stderr
    assert a.read_text().splitlines()[3:] == b.read_text().splitlines()[3:]
    first = next(line for line in a.read_text().splitlines() if not line.startswith("#"))
    assert ",c:1777629600*" in first  # 2026-05-01T10:00:00Z


@pytest.mark.parametrize("duration", ["2x", "0m", ""])
def test_bad_duration_is_refused(tmp_path, duration):
    proc = simulate("--duration", duration, "--out", str(tmp_path / "x.nmea"))
    assert proc.returncode == 2
    assert "duration" in proc.stderr
    assert not (tmp_path / "x.nmea").exists()


def test_config_without_routes_is_refused_by_name(tmp_path):
    (tmp_path / "cfg").mkdir()
    proc = simulate(
        "--config", str(tmp_path / "cfg"), "--duration", "1m", "--out", str(tmp_path / "x.nmea")
    )
    assert proc.returncode == 2
    assert "land.geojson: missing" in proc.stderr
    assert not (tmp_path / "x.nmea").exists()


def test_bundled_recording_is_simulated_small_and_busy():
    text = RECORDING.read_text(encoding="ascii")
    assert RECORDING.stat().st_size < 8_000_000
    header = [line for line in text.splitlines()[:5] if line.startswith("#")]
    assert header[0].startswith("# SIMULATED AIS TRAFFIC")
    assert "seagrid simulate --duration 7200s --seed 1" in header[2]
    assert "--loop" in header[2]  # the demo plays it in a loop (tests/demo/test_demo_loop.py)


def test_bundled_recording_is_what_the_documented_command_writes(tmp_path):
    out = tmp_path / "recording.nmea"
    proc = simulate("--duration", "2h", "--seed", "1", "--loop", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    vessels = int(re.search(r"(\d+) vessels", proc.stderr).group(1))
    assert 150 <= vessels <= 300
    assert out.read_bytes() == RECORDING.read_bytes()
