from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.core.db import open_database

TRAFFIC = "traffic_presence, traffic_density, traffic_vessel_last"


@pytest.fixture
async def pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_database(pg_url)
    await pool.execute(f"TRUNCATE positions, vessels, {TRAFFIC}")
    yield pool
    await pool.close()
