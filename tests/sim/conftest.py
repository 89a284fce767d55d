"""A short simulated recording of the demo configuration, shared by the simulator tests."""

from __future__ import annotations

import io

import pytest

from services.demo import CONFIG_DIR
from services.sim.reception import Noise
from services.sim.scenario import Mix, demo_scenario
from services.sim.world import World, load_world
from services.sim.writer import write_recording

START = 1772409600.0  # 2026-03-02T00:00:00Z


@pytest.fixture(scope="session")
def world() -> World:
    return load_world(CONFIG_DIR)


def record(
    world: World, seed: int, minutes: float, noise: Noise | None = None, mix: Mix | None = None
) -> str:
    scenario = demo_scenario(world, seed, START, minutes * 60, mix)
    out = io.StringIO()
    write_recording(scenario, seed, out, f"test seed {seed}", noise)
    return out.getvalue()


@pytest.fixture(scope="session")
def recording(world: World) -> str:
    """20 minutes with the default reception noise."""
    return record(world, 7, 20)


@pytest.fixture(scope="session")
def clean_recording(world: World) -> str:
    """40 minutes without duplicates or damage: every report is there."""
    return record(world, 11, 40, Noise(duplicate=0.0, corrupt=0.0, truncate=0.0))
