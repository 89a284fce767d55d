"""Where the map comes from, and the page a web without MapLibre answers instead of hanging."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from services.core.config import SeagridConfig
from services.web.app import create_app
from services.web.map_files import CHECKOUT, default_frontend, map_problem, map_root
from tests.web.conftest import make_runtime


def _frontend(tmp_path: Path, *, vendor: bool) -> Path:
    root = tmp_path / "frontend"
    shutil.copytree(CHECKOUT / "src", root / "src")
    shutil.copy2(CHECKOUT / "index.html", root / "index.html")
    if vendor:
        (root / "vendor").mkdir()
        for name in ("maplibre-gl.js", "maplibre-gl.css"):
            (root / "vendor" / name).write_text("/* stand-in */", encoding="utf-8")
    return root


async def _get(config: SeagridConfig, frontend: Path | None, path: str) -> httpx.Response:
    app = create_app(await make_runtime(config), frontend=frontend)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return await http.get(path)


def test_a_checkout_serves_its_own_frontend() -> None:
    # No wheel was built into this tree (setup.py copies into build/ only).
    assert default_frontend() == CHECKOUT
    assert map_problem(map_root(CHECKOUT)) is None, "run `npm ci` in frontend/ (scripts/setup)"


def test_a_complete_map_has_no_problem_and_dist_wins(tmp_path: Path) -> None:
    root = _frontend(tmp_path, vendor=True)
    assert map_problem(root) is None
    (root / "dist").mkdir()
    assert map_root(root) == root / "dist"
    assert "index.html" in (map_problem(root / "dist") or "")


async def test_without_maplibre_the_page_says_why(
    tmp_path: Path, demo_config: SeagridConfig
) -> None:
    root = _frontend(tmp_path, vendor=False)
    for path in ("/", "/index.html"):
        reply = await _get(demo_config, root, path)
        assert reply.status_code == 503
        assert "vendor/maplibre-gl.js" in reply.text and "npm ci" in reply.text
        assert "loading" not in reply.text.lower()
    # The rest of the folder is still served (nothing else depends on MapLibre).
    assert (await _get(demo_config, root, "/src/app.js")).status_code == 200


async def test_with_maplibre_the_map_is_served(tmp_path: Path, demo_config: SeagridConfig) -> None:
    root = _frontend(tmp_path, vendor=True)
    reply = await _get(demo_config, root, "/")
    assert reply.status_code == 200 and 'src="vendor/maplibre-gl.js"' in reply.text
    assert (await _get(demo_config, root, "/vendor/maplibre-gl.js")).status_code == 200


@pytest.mark.parametrize("frontend", [None, Path("/nonexistent/frontend")])
async def test_no_frontend_at_all(frontend: Path | None, demo_config: SeagridConfig) -> None:
    reply = await _get(demo_config, frontend, "/")
    assert reply.status_code == 503 and "not installed" in reply.text
    assert (await _get(demo_config, frontend, "/healthz")).status_code == 200
