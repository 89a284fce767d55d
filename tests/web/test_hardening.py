"""Hardening of `seagrid serve --demo` as a real process, probed from outside: request bodies
(memory before authentication, size limits), login throttling, forged tokens, security
headers and what the static mount serves. Memory is the server process's own RSS
(/proc/PID/status), read around the hostile requests."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.web.conftest import free_port

SEAGRID = [sys.executable, "-m", "services.cli.main"]
REPO = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
log = logging.getLogger(__name__)


@dataclass
class Demo:
    base: str
    port: int
    proc: subprocess.Popen[str]
    log: Path

    def memory(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the server process, in bytes."""
        fields = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
        )
        return tuple(int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]

    def token(self, user: str = "operator") -> str:
        form = {"username": user, "password": "demo"}
        response = httpx.post(f"{self.base}/api/auth/token", data=form, headers=_from("10.9.9.9"))
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


def _from(address: str) -> dict[str, str]:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 (its default): one test client can speak
    # for several addresses.
    return {"X-Forwarded-For": address}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [*SEAGRID, "serve", "--demo", "--port", str(port), "--speed", "1"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        ) as proc,
    ):
        demo = Demo(f"http://127.0.0.1:{port}", port, proc, log)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                try:
                    if httpx.get(f"{demo.base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            yield demo
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    assert "Traceback" not in log.read_text()


def _post_raw(port: int, path: str, size: int, headers: dict[str, str], chunked: bool) -> bytes:
    """POST `size` bytes of JSON-ish junk, as fast as the server takes them; its answer."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        head = [f"POST {path} HTTP/1.1", "Host: test", "Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        block = b"x" * MB
        try:
            for _ in range(size // MB):
                s.sendall(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            if chunked:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: the rest is not wanted
        s.settimeout(10)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except OSError:
            pass
    return answer


def test_a_strangers_huge_body_is_not_read(demo: Demo) -> None:
    """200 MB without a token, then four 100 MB at once: 401 at once, no memory taken."""
    rss0, hwm0 = demo.memory()
    answer = _post_raw(demo.port, "/api/alerts/x/ack", 200 * MB, {}, chunked=False)
    rss_one, hwm_one = demo.memory()
    log.warning(
        f"stranger 200 MB: RSS {rss0 / MB:.0f} -> {rss_one / MB:.0f} MB, peak -> {hwm_one / MB:.0f} MB"
    )
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    answers: list[bytes] = []
    threads = [
        threading.Thread(
            target=lambda: answers.append(
                _post_raw(demo.port, "/api/silences", 100 * MB, {}, chunked=True)
            )
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 4 and all(a.startswith(b"HTTP/1.1 401") for a in answers)
    rss1, hwm1 = demo.memory()
    log.warning(
        f"stranger: RSS {rss0 / MB:.0f} -> {rss1 / MB:.0f} MB, peak {hwm0 / MB:.0f} -> {hwm1 / MB:.0f} MB"
    )
    assert hwm1 - hwm0 < 40 * MB and rss1 - rss0 < 40 * MB  # was +581 MB for the first alone


def test_an_oversized_body_is_413_even_with_a_token(demo: Demo) -> None:
    auth = {"Authorization": f"Bearer {demo.token()}"}
    rss0, hwm0 = demo.memory()
    told = _post_raw(demo.port, "/api/silences", 50 * MB, auth, chunked=False)
    streamed = _post_raw(demo.port, "/api/silences", 100 * MB, auth, chunked=True)
    rss1, hwm1 = demo.memory()
    log.warning(
        f"oversized: RSS {rss0 / MB:.0f} -> {rss1 / MB:.0f} MB, peak {hwm0 / MB:.0f} -> {hwm1 / MB:.0f} MB"
    )
    assert told.startswith(b"HTTP/1.1 413") and streamed.startswith(b"HTTP/1.1 413")
    assert b"larger than 65536 bytes" in streamed
    assert hwm1 - hwm0 < 40 * MB
    # A body within the limit still works, chunked or not.
    body = {"mmsi": 412000001, "start": 0, "end": 60, "reason": "r" * 1000}
    ok = httpx.post(f"{demo.base}/api/silences", json=body, headers=auth)
    assert ok.status_code == 201, ok.text


def test_login_backs_off_per_account_without_a_long_lockout(demo: Demo) -> None:
    url, ip = f"{demo.base}/api/auth/token", _from("10.0.0.1")
    codes = [
        httpx.post(
            url, data={"username": "shishi", "password": f"guess{i}"}, headers=ip
        ).status_code
        for i in range(6)
    ]
    assert codes == [401] * 6
    # The sixth failure closed the account for 1 s: even the right password waits (it is
    # not checked), from this address and from another.
    for headers in (ip, _from("10.0.0.7")):
        refused = httpx.post(url, data={"username": "shishi", "password": "demo"}, headers=headers)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    time.sleep(1.1)
    ok = httpx.post(url, data={"username": "shishi", "password": "demo"}, headers=ip)
    assert ok.status_code == 200  # and the good login clears the account's count
    again = httpx.post(url, data={"username": "shishi", "password": "wrong"}, headers=ip)
    assert again.status_code == 401


def test_login_backs_off_per_address(demo: Demo) -> None:
    url, ip = f"{demo.base}/api/auth/token", _from("10.0.0.2")
    for i in range(20):  # 20 names, one guess each: no account is closed
        response = httpx.post(url, data={"username": f"u{i}", "password": "x"}, headers=ip)
        assert response.status_code == 401
    last = httpx.post(url, data={"username": "u20", "password": "x"}, headers=ip)
    assert last.status_code == 401
    closed = httpx.post(url, data={"username": "operator", "password": "demo"}, headers=ip)
    assert closed.status_code == 429 and int(closed.headers["Retry-After"]) >= 1
    other = httpx.post(
        url, data={"username": "operator", "password": "demo"}, headers=_from("10.0.0.3")
    )
    assert other.status_code == 200
    metrics = httpx.get(f"{demo.base}/metrics").text
    assert 'seagrid_login_attempts_total{outcome="throttled"}' in metrics
    throttled = [line for line in metrics.splitlines() if 'outcome="throttled"' in line]
    assert float(throttled[0].split()[-1]) >= 1


@pytest.mark.parametrize("token", ["é", "abc.é", "ü" * 40 + ".x", "a.b\u00ff"])
def test_non_ascii_tokens_are_401_not_500(demo: Demo, token: str) -> None:
    header = ("Bearer " + token).encode("latin-1")
    for path in ("/api/alerts", "/api/me", "/api/vessels"):
        response = httpx.get(f"{demo.base}{path}", headers={"Authorization": header})
        assert response.status_code == 401, (path, response.text)

    async def handshake() -> int:
        url = f"ws://127.0.0.1:{demo.port}/ws/live?token={token}"
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url):
                pass
        return refused.value.response.status_code

    assert asyncio.run(handshake()) == 403


def test_security_headers_on_every_response(demo: Demo) -> None:
    auth = {"Authorization": f"Bearer {demo.token()}"}
    responses = [
        httpx.get(f"{demo.base}/"),
        httpx.get(f"{demo.base}/src/app.js"),
        httpx.get(f"{demo.base}/api/alerts"),  # 401
        httpx.get(f"{demo.base}/api/alerts", headers=auth),
        httpx.get(f"{demo.base}/healthz"),
        httpx.get(f"{demo.base}/nothing-here"),  # 404
        httpx.post(f"{demo.base}/api/silences", content=b"x" * 70_000, headers=auth),  # 413
    ]
    for r in responses:
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "worker-src 'self' blob:" in csp, r.url
        assert "script-src 'self';" in csp and "object-src 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
    assert [r.status_code for r in responses] == [200, 200, 401, 200, 200, 404, 413]
    assert responses[3].headers["Cache-Control"] == "no-store"


def test_static_mount_serves_only_what_the_page_loads(demo: Demo) -> None:
    index = httpx.get(f"{demo.base}/")
    assert index.status_code == 200 and 'src="src/app.js"' in index.text
    for path in ("index.html", "src/app.js", "styles/app.css", "i18n/en.json", "i18n/zh-CN.json",
                 "vendor/maplibre-gl.js", "vendor/maplibre-gl.css"):  # fmt: skip
        assert httpx.get(f"{demo.base}/{path}").status_code == 200, path
    for path in ("package-lock.json", "package.json", ".gitignore", "README.md",
                 "scripts/vendor.mjs", "node_modules/maplibre-gl/package.json",
                 "node_modules/.package-lock.json", "src/../package.json", "vendor/.x"):  # fmt: skip
        assert httpx.get(f"{demo.base}/{path}").status_code == 404, path
