"""A recording through `seagrid run ingest`, `run gridding` and `run alerts` processes, and
what they stored: the pieces the fault tests and bench/distributed.py share."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg
import redis

from services.core import topics
from tests.faults.harness import (
    REPO,
    SEAGRID,
    StageProcess,
    drained,
    group_lag,
    stage_env,
    wait_until,
)

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


def file_feed(recording: Path, speed: float | None = None) -> str:
    """A file feed of `recording`, as fast as it goes or at `speed` times its own pace."""
    pace = '"max"' if speed is None else str(speed)
    return f'[[feeds]]\nname = "archive"\nkind = "file"\npath = "{recording}"\nspeed = {pace}\n'


def stage_names() -> tuple[str, ...]:
    """The consumer stages to start, in order; persist on its own once `run persist` exists
    (CONTRACTS §10), else it runs inside `run gridding`."""
    from services.cli.run import BUILDERS

    return ("gridding", "alerts", *(("persist",) if "persist" in BUILDERS else ()))


def metrics_supported() -> bool:
    """Whether `seagrid run` takes `--metrics-port` on this branch (CONTRACTS §10)."""
    return _parses(["run", "ingest", "--metrics-port", "9100"])


def persist_alone_supported() -> bool:
    """Whether `seagrid run persist` exists (CONTRACTS §10)."""
    from services.cli.run import BUILDERS

    return "persist" in BUILDERS


def _parses(argv: list[str]) -> bool:
    from services.cli.main import build_parser

    parser = build_parser(argv[0])
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # argparse's usage message
            parser.parse_args(argv)
    except SystemExit:
        return False
    return True


def partitions_supported() -> bool:
    """Whether `seagrid run` takes `--partition I/N` on this branch (CONTRACTS §10)."""
    return _parses(["run", "gridding", "--partition", "0/2"])


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
    metrics: bool = False  # each process answers /metrics on a port of its own
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
        process = StageProcess(stage, self.config, env, extra, self.metrics)
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


def replay_reference(config: Path, recording: Path, out: Path) -> Stored:
    """`seagrid replay --speed max` of `recording`: accepted positions and final alerts, in
    the shape of `stored` (the reference every run of processes must give)."""
    alerts, positions = out / "alerts.jsonl", out / "positions.jsonl"
    args = [*SEAGRID, "replay", str(recording), "--config", str(config), "--speed", "max"]
    args += ["--alerts-out", str(alerts), "--positions-out", str(positions)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    accepted = set()
    for line in positions.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        t = round(datetime.fromisoformat(p["ts"]).timestamp(), 3)
        accepted.add((p["mmsi"], t, p["lat"], p["lon"]))
    records = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines()]
    return accepted, {a["id"]: (a["rule"], a["mmsi"], a["status"]) for a in records}


def assert_same_as_replay(
    got: Stored, expected: Stored, ignore_rules: frozenset[str] = frozenset()
) -> None:
    """The processes stored what the replay gives: the same alerts (ids name rule, vessel,
    subject and raise time; same final state) and every accepted position.

    Persist stores every gridded position; the replay writes those the rules accepted
    (position jumps removed), so the replay's are all stored and the rest are the jumps of
    vessels that raised position_jump (the cloned MMSI of the simulated traffic)."""
    positions, alerts = got
    expected_positions, expected_alerts = expected
    alerts = {k: v for k, v in alerts.items() if v[0] not in ignore_rules}
    expected_alerts = {k: v for k, v in expected_alerts.items() if v[0] not in ignore_rules}
    assert expected_positions <= positions, sorted(expected_positions - positions)[:5]
    jumpers = {mmsi for rule, mmsi, _ in alerts.values() if rule == "position_jump"}
    assert {p[0] for p in positions - expected_positions} <= jumpers
    missing = Counter(expected_alerts[k][0] for k in set(expected_alerts) - set(alerts))
    extra = Counter(alerts[k][0] for k in set(alerts) - set(expected_alerts))
    changed = [(expected_alerts[k], alerts[k]) for k in expected_alerts.keys() & alerts.keys()]
    changed = [(was, now) for was, now in changed if was != now]
    assert alerts == expected_alerts, (
        f"of {len(expected_alerts)} alerts, missing by rule {dict(missing)}, extra by rule "
        f"{dict(extra)}, changed (replay, processes) {changed[:5]}"
    )


def duplicate_positions(database_url: str) -> int:
    """Rows of `positions` stored more than once (a redelivered batch written twice)."""

    async def count() -> int:
        conn = await asyncpg.connect(database_url)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(*) - count(DISTINCT (mmsi, ts, lat, lon)) FROM positions"
                )
            )
        finally:
            await conn.close()

    return asyncio.run(count())


def published(client: redis.Redis) -> int:
    """Position records ingest has published so far, over every partition."""
    keys = list(client.scan_iter(f"{topics.POSITIONS}*", _type="STREAM"))
    return sum(int(client.xlen(k)) for k in keys)
