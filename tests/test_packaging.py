"""A seagrid installed with pip (not a checkout) serves the map with MapLibre.

Builds a wheel from a copy of the repository (setup.py's build hook packages frontend/),
installs it without dependencies into a throwaway venv that borrows this venv's
site-packages for them (a plain path in a .pth: the editable install's finder there is not
activated), and starts `seagrid serve --demo` from that venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.faults.harness import free_port

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")

pytestmark = pytest.mark.timeout(300)


def _source_copy(target: Path) -> None:
    for name in SOURCES:
        shutil.copy2(REPO / name, target / name)
    skip = shutil.ignore_patterns("__pycache__", "node_modules", "*.egg-info", ".*")
    shutil.copytree(REPO / "services", target / "services", ignore=skip)
    shutil.copytree(REPO / "frontend", target / "frontend", ignore=skip)


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv a wheel of this tree was installed into."""
    if not (REPO / "frontend" / "vendor" / "maplibre-gl.js").is_file():
        pytest.fail("frontend/vendor/maplibre-gl.js missing: run `npm ci` in frontend/")
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    _source_copy(source)
    wheels = base / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, source)
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    (wheel,) = wheels.glob("seagrid-*.whl")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    borrowed = sysconfig.get_path("purelib")  # this venv's: the dependencies
    (Path(purelib.strip()) / "seagrid-deps.pth").write_text(borrowed + "\n", encoding="utf-8")
    return venv


def test_the_installed_package_carries_the_map(installed: Path) -> None:
    code = (
        "from services.web.app import FRONTEND; from services.web.map_files import map_problem;"
        "print(FRONTEND); print(map_problem(FRONTEND))"
    )
    frontend, problem = _run(installed / "bin" / "python", "-c", code, cwd=installed).split("\n")[
        :2
    ]
    assert frontend.startswith(str(installed)) and frontend.endswith("services/web/frontend")
    assert problem == "None"
    for name in ("index.html", "vendor/maplibre-gl.js", "vendor/maplibre-gl.css", "i18n/en.json"):
        assert (Path(frontend) / name).is_file(), name
    assert not (Path(frontend) / "node_modules").exists()


def test_the_installed_seagrid_serves_the_map(installed: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAGRID_")}
    server = subprocess.Popen(
        [installed / "bin" / "seagrid", "serve", "--demo", "--port", str(port)],
        cwd=installed,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = _wait_for(f"{base}/", server)
        assert 'src="vendor/maplibre-gl.js"' in page and 'src="src/app.js"' in page
        with urllib.request.urlopen(f"{base}/vendor/maplibre-gl.js", timeout=10) as reply:
            script = reply.read()
        assert len(script) > 100_000  # MapLibre's dist build, not a stand-in
        assert b"maplibre" in script.lower()
    finally:
        server.terminate()
        server.communicate(timeout=20)  # closes the pipe too


def _wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            assert server.stderr is not None
            pytest.fail(f"seagrid serve exited: {server.stderr.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return str(reply.read().decode())
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer in {timeout} s")
