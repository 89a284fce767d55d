"""A recording through `seagrid run ingest`, `run gridding` and `run alerts` processes, and
what they stored: the pieces the fault tests and bench/distributed.py share."""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import redis

from services.core import topics
from tests.faults.harness import REPO, StageProcess, drained, groups_exist, stage_env, wait_until

DEMO_CONFIG = REPO / "services" / "demo" / "config"
DEMO_RECORDING = REPO / "services" / "demo" / "recording.nmea"
PIPELINE_TOPICS = [
    topics.POSITIONS,
    topics.STATIC,
    topics.MESSAGES,
    topics.CELL_POSITIONS,
    topics.ALERTS,
]


def head(path: Path, lines: int, out: Path) -> Path:
    """The first `lines` lines of `path` as a file of their own."""
    with path.open("rb") as source:
        out.write_bytes(b"".join(line for _, line in zip(range(lines), source, strict=False)))
    return out


def config_with_feeds(workdir: Path, feeds: str, base: Path = DEMO_CONFIG) -> Path:
    """A copy of `base` with `feeds` (TOML `[[feeds]]` tables) appended."""
    config = workdir / "config"
    shutil.copytree(base, config)
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n" + feeds)
    return config


def file_feed(recording: Path) -> str:
    return f'[[feeds]]\nname = "archive"\nkind = "file"\npath = "{recording}"\nspeed = "max"\n'


@dataclass
class Pipeline:
    """ingest, gridding (with persist) and alerts processes over one Redis and database."""

    config: Path
    redis_url: str
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, StageProcess] = field(default_factory=dict)

    def start(self, stages: tuple[str, ...] = ("gridding", "alerts", "ingest")) -> None:
        """Consumers first (their groups must exist before ingest publishes), then ingest."""
        client = redis.Redis.from_url(self.redis_url)
        for stage in stages:
            database = None if stage == "ingest" else self.database_url
            env = stage_env(self.redis_url, database, **self.extra_env)
            process = StageProcess(stage, self.config, env)
            process.start()
            self.processes[stage] = process
            if stage != "ingest":
                wait_until(
                    lambda p=process, s=stage: _ready(client, p, s),
                    60,
                    f"run {stage} to create its consumer groups",
                )

    def wait_drained(self, quiet: float = 3.0, timeout: float = 300.0) -> float:
        """Until every group has handled everything for `quiet` seconds; the time it took."""
        client = redis.Redis.from_url(self.redis_url)
        started = time.monotonic()
        since: float | None = None

        def settled() -> bool:
            nonlocal since
            for name, process in self.processes.items():
                process.assert_alive(or_done=name == "ingest")
            if not client.exists(topics.POSITIONS) or not drained(client, PIPELINE_TOPICS):
                since = None
                return False
            since = since or time.monotonic()
            return time.monotonic() - since >= quiet

        wait_until(settled, timeout, "the pipeline to drain", every=0.25)
        return time.monotonic() - started - quiet

    def stop(self) -> dict[str, int]:
        """SIGTERM in pipeline order (upstream first, each flushes); exit status by stage."""
        return {name: p.stop() for name, p in self.processes.items()}


# What a stage's consumer groups are, to know it is ready (created before ingest publishes).
READY_GROUPS = {
    "gridding": [(topics.POSITIONS, "gridding"), (topics.CELL_POSITIONS, "persist")],
    "alerts": [(topics.CELL_POSITIONS, "alerts"), (topics.ALERTS, "dispatcher")],
}


def _ready(client: redis.Redis, process: StageProcess, stage: str) -> bool:
    process.assert_alive()
    return groups_exist(client, READY_GROUPS.get(stage, []))


Stored = tuple[set[tuple[int, float, float, float]], dict[str, tuple[str, int | None, str]]]


def stored(database_url: str) -> Stored:
    """What the processes stored: positions as (mmsi, Unix time to the ms, lat, lon) and the
    alerts as id -> (rule, mmsi, status)."""
    return asyncio.run(_stored(database_url))


async def _stored(url: str) -> Stored:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT mmsi, extract(epoch FROM ts)::float8 AS t, lat, lon FROM positions"
        )
        alerts = await conn.fetch("SELECT id, rule, mmsi, status FROM alerts")
    finally:
        await conn.close()
    positions = {(r["mmsi"], round(r["t"], 3), r["lat"], r["lon"]) for r in rows}
    return positions, {r["id"]: (r["rule"], r["mmsi"], r["status"]) for r in alerts}
