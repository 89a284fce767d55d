"""A recording through `seagrid run ingest`, `run gridding` and `run alerts` processes, and
what they stored: the pieces the fault tests and bench/distributed.py share."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import redis

from services.core import topics
from tests.faults.harness import REPO, StageProcess, drained, group_lag, stage_env, wait_until

DEMO_CONFIG = REPO / "services" / "demo" / "config"
DEMO_RECORDING = REPO / "services" / "demo" / "recording.nmea"


def head(path: Path, lines: int, out: Path) -> Path:
    """The first `lines` lines of `path` as a file of their own."""
    with path.open("rb") as source:
        out.write_bytes(b"".join(line for _, line in zip(range(lines), source, strict=False)))
    return out


def config_with_feeds(
    workdir: Path, feeds: str, base: Path = DEMO_CONFIG, partitions: int = 1, name: str = "config"
) -> Path:
    """A copy of `base` with `feeds` (TOML `[[feeds]]` tables) appended and, for more than
    one partition, `[bus] partitions = N`, which every process reads (CONTRACTS §10)."""
    config = workdir / name
    shutil.copytree(base, config)
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n" + feeds)
        if partitions > 1:
            toml.write(f"\n[bus]\npartitions = {partitions}\n")
    return config


def file_feed(recording: Path) -> str:
    return f'[[feeds]]\nname = "archive"\nkind = "file"\npath = "{recording}"\nspeed = "max"\n'


def stage_names() -> tuple[str, ...]:
    """The consumer stages to start, in order; persist on its own once `run persist` exists
    (CONTRACTS §10), else it runs inside `run gridding`."""
    from services.cli.run import BUILDERS

    return ("gridding", "alerts", *(("persist",) if "persist" in BUILDERS else ()))


def partitions_supported() -> bool:
    """Whether `seagrid run` takes `--partition I/N` on this branch (CONTRACTS §10)."""
    from services.cli.main import build_parser

    parser = build_parser("run")
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # argparse's usage message
            parser.parse_args(["run", "gridding", "--partition", "0/2"])
    except SystemExit:
        return False
    return True


@dataclass
class Pipeline:
    """ingest, gridding (with persist, or persist alone) and alerts processes over one Redis
    and database; with `partitions` > 1, that many gridding and alerts processes, each given
    `--partition I/N` (CONTRACTS §10)."""

    config: Path
    redis_url: str
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    partitions: int = 1
    processes: dict[str, StageProcess] = field(default_factory=dict)

    def start(self, with_ingest: bool = True) -> None:
        """Consumers first (their groups must exist before ingest publishes), then ingest."""
        for stage in stage_names():
            if stage in ("gridding", "alerts") and self.partitions > 1:
                for i in range(self.partitions):
                    self._launch(f"{stage}-{i}", stage, ("--partition", f"{i}/{self.partitions}"))
            else:
                self._launch(stage, stage, ())
        client = redis.Redis.from_url(self.redis_url)
        for name, process in self.processes.items():
            stage = process.stage
            wait_until(
                lambda p=process, s=stage: _ready(client, p, s),
                60,
                f"{name} to start its consumers",
            )
        if with_ingest:
            self.start_ingest()

    def start_ingest(self) -> StageProcess:
        return self._launch("ingest", "ingest", (), database=False)

    def _launch(
        self, name: str, stage: str, extra: tuple[str, ...], database: bool = True
    ) -> StageProcess:
        env = stage_env(self.redis_url, self.database_url if database else None, **self.extra_env)
        process = StageProcess(stage, self.config, env, extra)
        process.start()
        self.processes[name] = process
        return process

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            process.assert_alive(or_done=name == "ingest")

    def is_drained(self, client: redis.Redis) -> bool:
        """Ingest has published positions and every group of every stream has read and
        acknowledged everything (consumers create their streams empty when they start)."""
        self.check_alive()
        streams = [k.decode() for k in client.scan_iter("seagrid.*", _type="STREAM")]
        published = any(client.xlen(s) for s in streams if s.startswith(topics.POSITIONS))
        return published and drained(client, streams)

    def wait_drained(self, quiet: float = 3.0, timeout: float = 300.0) -> float:
        """Until every group has handled everything for `quiet` seconds; the time it took."""
        client = redis.Redis.from_url(self.redis_url)
        started = time.monotonic()
        since: float | None = None

        def settled() -> bool:
            nonlocal since
            if not self.is_drained(client):
                since = None
                return False
            since = since or time.monotonic()
            return time.monotonic() - since >= quiet

        wait_until(settled, timeout, "the pipeline to drain", every=0.25)
        return time.monotonic() - started - quiet

    def stop(self) -> dict[str, int]:
        """SIGTERM, ingest first (upstream first, each flushes); exit status by process."""
        order = sorted(self.processes, key=lambda name: name != "ingest")
        return {name: self.processes[name].stop() for name in order}


def input_span(client: redis.Redis) -> tuple[float, float]:
    """Unix times of the first and the last record ingest published (on any partition):
    a stream entry's id is the Redis server's clock in milliseconds when it was added."""
    inputs = (topics.POSITIONS, topics.STATIC, topics.MESSAGES)
    first, last = float("inf"), 0.0
    for key in client.scan_iter("seagrid.*", _type="STREAM"):
        if key.decode().startswith(inputs) and client.xlen(key):
            [(head_id, _)] = client.xrange(key, count=1)
            [(tail_id, _)] = client.xrevrange(key, count=1)
            first = min(first, int(head_id.split(b"-")[0]) / 1000)
            last = max(last, int(tail_id.split(b"-")[0]) / 1000)
    return first, last


def _ready(client: redis.Redis, process: StageProcess, stage: str) -> bool:
    """The process has a consumer group (named after its stage) on some stream, or says it
    runs: groups read from the stream's start, so nothing published before is missed."""
    process.assert_alive()
    if "running " in process.tail(4000):
        return True
    for key in client.scan_iter("seagrid.*", _type="STREAM"):
        if any(name.startswith(stage) for name in group_lag(client, key.decode())):
            return True
    return False


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
