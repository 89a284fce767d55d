"""`python -m services.core.probe`: the containers' health check, against a real server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.core.probe import main, probe


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = {"/healthz": 200, "/readyz": 503}.get(self.path, 404)
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        del args  # quiet


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_healthy_only_on_2xx(server: str) -> None:
    assert probe(f"{server}/healthz") is None
    assert main([f"{server}/healthz"]) == 0
    assert probe(f"{server}/readyz") == f"{server}/readyz: HTTP 503"
    assert main([f"{server}/readyz"]) == 1


def test_nothing_listening_or_no_url(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main([f"http://127.0.0.1:{port}/healthz"]) == 1
    assert "unhealthy" in capsys.readouterr().err
    assert main(["not a url"]) == 1


def test_the_url_comes_from_the_environment(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAGRID_HEALTH_URL", f"{server}/healthz")
    assert main([]) == 0
    monkeypatch.setenv("SEAGRID_HEALTH_URL", f"{server}/readyz")
    assert main([]) == 1
