"""Stage processes under faults: a database outage under persist, a Redis restart under
every process. Each stage is a real `seagrid run` process over a redis-server of the
test's own (restartable, keeping nothing on disk) and the local PostgreSQL; the test feeds
the streams through the public bus and checks what reaches the database."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest

from services.assembly.probe import stream_labels
from services.core import topics
from tests.assembly.feeding import (
    START,
    cell_positions,
    has,
    position_time,
    positions,
    publish,
    stage_env,
    stored,
    until,
)
from tests.assembly.procs import REPO, SMALL_CONFIG, Proxy, RedisServer, Stage, free_port, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


async def test_persist_buffers_through_a_database_outage_then_stores_everything(
    tmp_path: Path, own_db: str, private_redis: RedisServer
) -> None:
    """PostgreSQL unreachable (a proxy in front of it killed) while records keep coming:
    persist holds up to its buffer, then stops reading so the rest waits in Redis, shows
    both on /metrics and /healthz, and once the database is back stores every record."""
    pg_port = int(own_db.rsplit(":", 1)[1].split("/", 1)[0])
    proxy = Proxy(pg_port)
    proxy.start()
    via_proxy = own_db.replace(f":{pg_port}/", f":{proxy.port}/")
    buffer, batch = 1000, 200
    persist = Stage(
        "persist",
        tmp_path,
        stage_env(
            private_redis.url,
            via_proxy,
            SEAGRID_DATABASE__BUFFER_SIZE=str(buffer),
            SEAGRID_DATABASE__BATCH_SIZE=str(batch),
        ),
    )
    try:
        wait_for(persist.healthy, 60, "persist healthy")
        await publish(private_redis.url, topics.CELL_POSITIONS, cell_positions(0, 500))
        await until(lambda: has(own_db, 500), 30, "first 500 stored")

        proxy.stop()  # the database is gone: connections cut, new ones refused
        outage = time.monotonic()
        await publish(private_redis.url, topics.CELL_POSITIONS, cell_positions(500, 4000))
        held = "seagrid_persist_buffer_records"
        wait_for(lambda: persist.metrics()[held] >= buffer, 30, "buffer full")
        time.sleep(2.0)  # it stays full: persist reads no more while the database is down
        figures = persist.metrics()
        lag = f'seagrid_bus_lag{{topic="{topics.CELL_POSITIONS}",group="persist"}}'
        assert buffer <= figures[held] <= buffer + batch  # bounded: one read past full
        assert figures["seagrid_persist_buffer_capacity"] == buffer
        assert figures[lag] >= 4000 - figures[held]  # back-pressure: the rest waits in Redis
        status, body = persist.health()
        assert status == 503 and '"database":"failed' in body, body
        assert persist.alive()
        wait_for(lambda: time.monotonic() - outage > 30, 35, "a 30 s outage")

        proxy.start()  # the database is back
        await until(lambda: has(own_db, 4500), 90, "every record stored after the outage")
        wait_for(lambda: persist.metrics()[lag] == 0, 30, "lag back to zero")
        wait_for(persist.healthy, 30, "healthy again")
        figures = persist.metrics()
        assert figures[held] == 0
        pending = f'seagrid_bus_pending{{topic="{topics.CELL_POSITIONS}",group="persist"}}'
        wait_for(lambda: persist.metrics()[pending] == 0, 30, "everything acknowledged")
        assert persist.stop() == 0, persist.log()
    finally:
        persist.stop()
        proxy.stop()
    assert await stored(own_db) == 4500  # nothing lost, nothing twice
    log = persist.log()
    assert log.count("cannot write to the database") == 1, log
    assert "database writable again" in log


async def test_every_process_reconnects_after_a_redis_restart(
    tmp_path: Path, own_db: str, private_redis: RedisServer
) -> None:
    """Every stage process over a Redis that restarts empty (nothing on disk): each
    reconnects by itself, logs the outage once, recreates its groups and carries on."""
    udp = free_port()
    config = _config_with_udp_feed(tmp_path, udp)
    env = stage_env(
        private_redis.url,
        own_db,
        SEAGRID_BUS_RECONNECT="120",
        SEAGRID_SECRET_KEY="k" * 64,
        SEAGRID_WEB__PORT=str(free_port()),
    )
    names = ("persist", "gridding", "alerts", "ingest", "web")
    stages = {name: Stage(name, tmp_path, env, config=config) for name in names}
    handled = 'seagrid_records_handled_total{stage="%s"}'
    try:
        for stage in stages.values():
            wait_for(stage.healthy, 60, f"{stage.name} healthy")
        await publish(private_redis.url, topics.POSITIONS, positions(0, 600))
        await until(lambda: has(own_db, 600, since=START), 60, "first wave stored")
        alerts = stages["alerts"]
        wait_for(lambda: alerts.metrics()[handled % "alerts"] >= 600, 30, "alerts saw wave 1")

        # a wave still in flight (in the streams, between the stages) when Redis goes
        await publish(private_redis.url, topics.POSITIONS, positions(600, 600))
        private_redis.stop()
        time.sleep(3.0)  # longer than redis-py's own few retries: every process notices
        for stage in stages.values():
            assert stage.alive(), stage.log()
            assert stage.health()[0] == 503
        private_redis.start()  # empty: no streams, no groups

        await publish(private_redis.url, topics.POSITIONS, positions(1200, 600))
        _send_udp(udp, DEMO_LINES)  # and ingest carries on with its feed
        after = position_time(1200)
        await until(lambda: has(own_db, 600, since=after), 60, "the wave after the restart")
        wait_for(lambda: alerts.metrics()[handled % "alerts"] >= 1200, 30, "alerts: wave 3")
        ingest = stages["ingest"]
        wait_for(lambda: ingest.metrics()[handled % "ingest"] > 0, 30, "ingest read its feed")
        assert await stored(own_db) > await stored(own_db, since=START)  # the feed's, stored
        for stage in stages.values():
            wait_for(stage.healthy, 30, f"{stage.name} healthy again")
            assert stage.metrics()["seagrid_bus_outages_total"] == 1, stage.name
        in_flight = await stored(own_db, since=position_time(600), before=after)
        before_restart = await stored(own_db, since=START, before=position_time(600))
        print(  # noqa: T201 - the report the issue asks for
            f"redis restart: before it 600/600 stored, in flight {in_flight}/600 stored "
            f"({600 - in_flight} lost with the empty Redis), after it "
            f"{await stored(own_db, since=after)}/600 stored"
        )
        assert before_restart == 600
        assert await stored(own_db, since=after) == 600  # nothing lost once Redis is back
        for stage in stages.values():
            assert stage.stop() == 0, stage.log()
    finally:
        for stage in stages.values():
            stage.stop()
    for stage in stages.values():
        log = stage.log()
        assert log.count("reconnecting (for up to") == 1, log
        assert log.count("reachable again") == 1, log
        if stage.name != "ingest":  # ingest only publishes: it has no group to recreate
            assert "recreating" in log, log


# Real (simulated) Quanzhou traffic from the bundled recording, for ingest's UDP feed.
DEMO_LINES = (REPO / "services" / "demo" / "recording.nmea").read_bytes().splitlines()[:300]


def _config_with_udp_feed(tmp_path: Path, port: int) -> Path:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'\n[[feeds]]\nname = "udp"\nkind = "udp"\nport = {port}\n')
    return config


def _send_udp(port: int, lines: list[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for line in lines:
            sock.sendto(line + b"\r\n", ("127.0.0.1", port))
            time.sleep(0.001)  # a receiver's pace, not a flood: UDP drops what overflows


async def test_every_run_process_answers_healthz_and_metrics(
    tmp_path: Path, own_db: str, private_redis: RedisServer
) -> None:
    """`--metrics-port` of each stage process: /healthz names its checks, /metrics shows
    the lag of the groups it reads, records handled and (persist) the buffer's use."""
    config = _config_with_udp_feed(tmp_path, free_port())
    env = stage_env(private_redis.url, own_db)
    names = ("ingest", "gridding", "persist", "alerts")
    stages = {name: Stage(name, tmp_path, env, config=config) for name in names}
    try:
        for stage in stages.values():
            wait_for(stage.healthy, 60, f"{stage.name} healthy")
            status, body = stage.health()
            assert status == 200 and '"bus":"ok"' in body
            figures = stage.metrics()
            assert f'seagrid_records_handled_total{{stage="{stage.name}"}}' in figures
            assert figures["seagrid_bus_outages_total"] == 0
        assert '"database":"ok"' in stages["persist"].health()[1]
        persist = stages["persist"].metrics()
        assert persist["seagrid_persist_buffer_capacity"] == 50_000
        assert persist["seagrid_persist_buffer_records"] == 0
        lags = {k for k in stages["gridding"].metrics() if k.startswith("seagrid_bus_lag{")}
        assert lags == {
            f'seagrid_bus_lag{{topic="{topics.POSITIONS}",group="gridding"}}',
            f'seagrid_bus_lag{{topic="{topics.STATIC}",group="gridding"}}',
        }
        alerts = stages["alerts"].metrics()
        assert f'seagrid_bus_lag{{topic="{topics.ALERTS}",group="dispatcher"}}' in alerts
        for stage in stages.values():
            assert stage.stop() == 0, stage.log()
    finally:
        for stage in stages.values():
            stage.stop()


def test_partitioned_streams_are_labelled_by_partition() -> None:
    """A stage reading `T.N` streams shows its lag per partition, whatever T is."""
    assert stream_labels("seagrid.positions.3", "gridding") == (
        ("topic", "seagrid.positions.3"),
        ("group", "gridding"),
        ("partition", "3"),
    )
    assert stream_labels("seagrid.positions", "gridding") == (
        ("topic", "seagrid.positions"),
        ("group", "gridding"),
    )
