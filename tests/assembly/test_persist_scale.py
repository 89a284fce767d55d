"""`seagrid run persist` scales by consumers in its group: two processes share the records
of one stream, and every row is stored once, also when records come again."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core import topics
from tests.assembly.feeding import cell_positions, has, publish, stage_env, stored, until
from tests.assembly.procs import RedisServer, Stage, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_two_persist_processes_share_the_group_and_store_each_row_once(
    tmp_path: Path, own_db: str, private_redis: RedisServer
) -> None:
    env = stage_env(private_redis.url, own_db, SEAGRID_DATABASE__BATCH_SIZE="250")
    writers = [Stage("persist", tmp_path, env) for _ in range(2)]
    handled = 'seagrid_records_handled_total{stage="persist"}'
    try:
        for writer in writers:
            wait_for(writer.healthy, 60, "persist healthy")
        records = cell_positions(0, 6000)
        for i in range(0, len(records), 250):  # a steady trickle, so that both get some
            await publish(private_redis.url, topics.CELL_POSITIONS, records[i : i + 250])
        await until(lambda: has(own_db, 6000), 60, "every record stored")
        shares = [w.metrics()[handled] for w in writers]
        assert sum(shares) == 6000 and min(shares) > 0, shares
        # the same records again (a producer's retry, a redelivery): no row twice
        await publish(private_redis.url, topics.CELL_POSITIONS, records[:1000])
        wait_for(lambda: sum(w.metrics()[handled] for w in writers) == 7000, 30, "handled")
        for writer in writers:
            assert writer.stop() == 0, writer.log()
    finally:
        for writer in writers:
            writer.stop()
    assert await stored(own_db) == 6000
