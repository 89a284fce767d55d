"""Identical alerts and accepted positions before and after the columnar hot path.

Every recording is replayed with the current code and both outputs compared, by line count
and SHA-256, with what the per-record design wrote (tests/replay_golden.py says how the
digests were made and how to regenerate them). The 12-hour simulated recording is
generated here (about half a minute of CPU) and replayed whole: marked `slow`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.replay_golden import (
    DEMO_RECORDING,
    GOLDEN,
    SIMULATED,
    real_recordings,
    replay_digests,
    simulate,
)

EXPECTED: dict[str, dict[str, object]] = json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("name", sorted(real_recordings()))
def test_real_recording_replays_as_before(name: str, shared_ais: Path, tmp_path: Path) -> None:
    assert shared_ais.is_dir()
    assert name in EXPECTED, f"{name}: no golden digests (run python -m tests.replay_golden)"
    assert replay_digests(real_recordings()[name], tmp_path) == EXPECTED[name]


def test_golden_covers_every_real_recording(shared_ais: Path) -> None:
    assert shared_ais.is_dir()
    assert set(real_recordings()) | {"demo", SIMULATED} == set(EXPECTED)


def test_demo_recording_replays_as_before(tmp_path: Path) -> None:
    assert replay_digests(DEMO_RECORDING, tmp_path) == EXPECTED["demo"]


@pytest.mark.slow
@pytest.mark.timeout(900)  # minutes of CPU on a loaded machine: simulation, then replay
def test_twelve_hour_recording_replays_as_before(tmp_path: Path) -> None:
    recording = simulate(tmp_path / "simulated.nmea")
    got = replay_digests(recording, tmp_path)
    assert got == EXPECTED[SIMULATED]
    assert got["positions"]["lines"] > 200_000  # type: ignore[index]
