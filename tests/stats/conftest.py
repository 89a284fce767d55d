from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.core.db import open_database
from services.stats.retention import partitions

TRAFFIC = "traffic_presence, traffic_density, traffic_vessel_last"


@pytest.fixture
async def pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_database(pg_url)
    await pool.execute(f"TRUNCATE positions, vessels, {TRAFFIC}")
    for name in (await partitions(pool)).values():  # other tests' days, empty now
        await pool.execute(f'DROP TABLE "{name}"')
    yield pool
    await pool.close()
