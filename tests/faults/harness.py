"""Fault-test harness: private Redis and PostgreSQL servers, and `seagrid run` OS processes.

The shared Redis and PostgreSQL of the machine serve everyone, so a test that stops or
restarts a server starts its own: `PrivateRedis` (redis-server on a free port, nothing kept
on disk: `--save "" --appendonly no`, like the dev server) and `PrivatePostgres` (initdb into
a temporary directory, pg_ctl on a free port, trust authentication). `StageProcess` runs one
`seagrid run STAGE` against them and can be killed with SIGKILL, stopped with SIGTERM and
started again; `rss_kb` reads a process's resident memory from /proc for the soak test.
Fault tests that need the issue #13 features (kill -9 and restart with partitions, PostgreSQL
down, Redis restarted) are built from the same pieces: `redis.restart()`, `pg.stop()` /
`pg.start()`, `process.kill9()` / `process.start()`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import redis

REPO = Path(__file__).resolve().parents[2]
SEAGRID = [sys.executable, "-m", "services.cli.main"]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], T], timeout: float, what: str, every: float = 0.2) -> T:
    """The first truthy value of `check()`; AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def rss_kb(pid: int) -> int:
    """Resident memory of `pid` in KiB (VmRSS of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for process {pid}")


class PrivateRedis:
    """A redis-server of the test's own, on a free port; nothing persisted."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.workdir), "--loglevel", "warning"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, 10, f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again: with nothing persisted, every stream and group is gone."""
        self.stop()
        self.start()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory), trust
    authentication. PostgreSQL refuses to run as root: as root (CI containers) the cluster
    belongs to the `postgres` user and its commands run through `runuser`."""

    def __init__(self, workdir: Path | None = None) -> None:
        del workdir  # pytest's tmp dirs are private to root: the server could not enter them
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise RuntimeError("no /usr/lib/postgresql/*/bin/initdb: PostgreSQL not installed")
        self.bin = Path(binaries[-1]).parent
        self.workdir = Path(tempfile.mkdtemp(prefix="seagrid-pg-"))
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.data = self.workdir / "data"
        self.port = free_port()
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: object) -> str:
        done = subprocess.run(
            [*self.as_owner, *map(str, args)], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def init(self) -> None:
        args = [self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust"]
        self._run(*args, "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.workdir} -c fsync=off"
        args = [self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l"]
        args += [self.workdir / "log", "-w", "-t", "60", "start"]
        self._run(*args)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            args = [self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"]
            self._run(*args)
            self.running = False

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run `sql` with psql; its unaligned output."""
        args = [self.bin / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        args += ["-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]
        return self._run(*args)

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)


class StageProcess:
    """`seagrid run STAGE --config DIR [extra ...]` as an OS process, restartable."""

    def __init__(
        self,
        stage: str,
        config: Path,
        env: dict[str, str],
        extra: tuple[str, ...] = (),
        metrics: bool = False,
    ) -> None:
        self.stage, self.config, self.env, self.extra = stage, config, env, extra
        self.proc: subprocess.Popen[bytes] | None = None
        name = f"{stage}-{'-'.join(extra) or 'all'}.log".replace("/", "_")
        self.log = config.parent / name
        self.starts = 0
        self.metrics_port = free_port() if metrics else None
        if self.metrics_port is not None:  # `--metrics-port` (CONTRACTS §10), same on restart
            self.extra = (*extra, "--metrics-port", str(self.metrics_port))

    def metrics(self) -> dict[str, float]:
        """GET /metrics (Prometheus text) as {name{labels}: value}; empty when unanswered."""
        assert self.metrics_port is not None, f"{self.stage} was started without metrics"
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            return {}
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    values[name] = float(value)
        return values

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.stage} is not running"
        return self.proc.pid

    def start(self) -> None:
        args = [*SEAGRID, "run", self.stage, "--config", str(self.config), *self.extra]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, env=self.env, stdout=log, stderr=log)
        self.starts += 1

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self, or_done: bool = False) -> None:
        """Still running (or, with `or_done`, finished with exit status 0: an ingest whose
        only feeds are files stops at their end)."""
        if or_done and self.proc is not None and self.proc.poll() == 0:
            return
        assert self.alive(), f"{self.stage} exited: {self.tail()}"

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait; the exit status (the stage flushes what it holds first)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)


def stage_env(redis_url: str, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a stage process: only the test's servers, retention off (the
    recordings are older than the 180-day retention, which would drop their partitions)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env.update(
        SEAGRID_REDIS_URL=redis_url,
        PYTHONPATH=path,
        SEAGRID_DATABASE__RETENTION_DAYS="0",
    )
    if database_url is not None:
        env["SEAGRID_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def group_lag(client: redis.Redis, topic: str) -> dict[str, int]:
    """Per consumer group of `topic`: records not yet read plus read but not acknowledged."""
    try:
        groups = client.xinfo_groups(topic)
    except redis.ResponseError:  # no such stream yet
        return {}
    return {g["name"].decode(): int(g.get("lag") or 0) + int(g["pending"]) for g in groups}


def groups_exist(client: redis.Redis, wanted: list[tuple[str, str]]) -> bool:
    return all(group in group_lag(client, topic) for topic, group in wanted)


def drained(client: redis.Redis, topics_: list[str]) -> bool:
    """Every group of every topic has read and acknowledged everything."""
    return all(sum(group_lag(client, t).values()) == 0 for t in topics_)
