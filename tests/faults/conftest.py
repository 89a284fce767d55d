"""Private servers for the fault tests (harness.py says why they are private)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import PrivatePostgres, PrivateRedis


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    """One cluster per module (initdb takes seconds); each test makes its own database."""
    server = PrivatePostgres()
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.destroy()
