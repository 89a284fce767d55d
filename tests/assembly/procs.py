"""Real processes for the fault tests: a private redis-server, a TCP proxy in front of
PostgreSQL, and `seagrid run STAGE` processes with their `--metrics-port`.

Each stage process logs to a file (a pipe nobody reads would fill and block it) and is
probed over HTTP like an orchestrator would probe it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parents[2]
SEAGRID = [sys.executable, "-m", "services.cli.main"]
SMALL_CONFIG = REPO / "tests" / "gridding" / "data" / "quanzhou-small"
_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][\w:]*)(?P<labels>\{[^}]*\})? (?P<value>\S+)$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: object, timeout: float, what: str, step: float = 0.2) -> None:
    """Poll `condition()` until true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(step)
    raise AssertionError(f"{what}: not within {timeout} s")


class RedisServer:
    """A redis-server of the test's own on a free port, keeping nothing on disk (like the
    one here): a restart empties it, streams, groups and all."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        try:

            def up() -> bool:
                try:
                    return bool(client.ping())
                except redis.ConnectionError:
                    return False

            wait_for(up, 10, "redis-server start")
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


class Proxy:
    """`tcp_proxy.py` on a fixed port in front of `target`; `stop()` cuts every connection."""

    def __init__(self, target: int) -> None:
        self.port, self.target = free_port(), target
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        script = Path(__file__).with_name("tcp_proxy.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(self.port), str(self.target)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "listening"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
        self.proc = None


class Stage:
    """One `seagrid run STAGE --metrics-port P` process."""

    def __init__(
        self,
        stage: str,
        log_dir: Path,
        env: dict[str, str],
        *args: str,
        config: Path = SMALL_CONFIG,
    ) -> None:
        self.name = stage
        self.metrics_port = free_port()
        self.log_path = log_dir / f"{stage}-{self.metrics_port}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                *SEAGRID,
                *("run", stage, "--config", str(config)),
                *("--metrics-port", str(self.metrics_port), *args),
            ],
            env={**os.environ, "PYTHONPATH": str(REPO), **env},
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _get(self, path: str) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=10) as reply:
                return int(reply.status), reply.read().decode()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode()

    def healthy(self) -> bool:
        try:
            return self._get("/healthz")[0] == 200
        except OSError:
            return False

    def health(self) -> tuple[int, str]:
        return self._get("/healthz")

    def metrics(self) -> dict[str, float]:
        """Every sample of /metrics by `name{labels}`."""
        status, text = self._get("/metrics")
        assert status == 200, text
        out = {}
        for line in text.splitlines():
            match = _SAMPLE.match(line)
            if match and not line.startswith("#"):
                out[match["name"] + (match["labels"] or "")] = float(match["value"])
        return out

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]

    def stop(self) -> int:
        """SIGTERM, wait; the exit status (the process is killed after 60 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return int(self.proc.returncode)
