"""Where the map UI comes from, and what the web serves of it.

Two places, in this order: the copy an installed seagrid carries as package data
(`services/web/frontend/`, made by setup.py's build hook from the repository's frontend/),
then the checkout's own `frontend/` (development, editable installs). The map needs MapLibre
GL JS in `vendor/`, which `npm ci` puts there; without it the page would sit on "loading"
forever, so `map_problem` names what is missing and the web answers `/` with that instead.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

PACKAGED = Path(__file__).resolve().parent / "frontend"
CHECKOUT = Path(__file__).resolve().parent.parent.parent / "frontend"
# What the page cannot work without (index.html loads these before any module runs).
REQUIRED = ("index.html", "vendor/maplibre-gl.js", "vendor/maplibre-gl.css")


def default_frontend() -> Path | None:
    """The packaged map when this seagrid was installed from a wheel, else the checkout's."""
    for candidate in (PACKAGED, CHECKOUT):
        if (candidate / "index.html").is_file():
            return candidate
    return None


def map_root(frontend: Path | None) -> Path | None:
    """The folder to serve: `dist/` when a build made one (frontend/README.md), else itself."""
    if frontend is None:
        return None
    return frontend / "dist" if (frontend / "dist").is_dir() else frontend


def map_problem(root: Path | None) -> str | None:
    """None when `root` holds a complete map, else a sentence saying what is missing and why."""
    if root is None or not (root / "index.html").is_file():
        return (
            "The map is not installed here: no frontend/index.html beside the code and none "
            "packaged with it (a wheel built from a checkout carries it)."
        )
    missing = [name for name in REQUIRED if not (root / name).is_file()]
    if missing:
        return (
            f"The map cannot start: {', '.join(missing)} missing in {root}. MapLibre GL JS "
            "comes from npm: run `npm ci` in frontend/ (scripts/setup does), then rebuild "
            "or reinstall seagrid."
        )
    return None


def problem_page(problem: str) -> str:
    """A page that says why there is no map, in both of the UI's languages."""
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>seagrid</title>"
        "<h1>地图不可用 / No map</h1>"
        f"<p>{_escape(problem)}</p>"
        "<p>接口仍可使用 / The API still works: <a href='/docs'>/docs</a>.</p></html>"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MapFiles(StaticFiles):
    """Only what the page loads: index.html and the src/, styles/, i18n/ and vendor/
    folders. Not node_modules/, package files, scripts/ or dotfiles, which the folder holds
    too and which are nobody's business without a login (404 like a missing file)."""

    SERVED = ("src/", "styles/", "i18n/", "vendor/")

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path not in (".", "index.html") and not (
            path.startswith(self.SERVED) and "/." not in path
        ):
            raise HTTPException(404)
        return await super().get_response(path, scope)
