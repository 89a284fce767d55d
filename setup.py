"""Build hook: ship the map UI inside the package, so a pip-installed seagrid serves it.

Everything else is declared in pyproject.toml. The map lives in frontend/ at the top of the
repository (plain ES modules; MapLibre GL JS copied into frontend/vendor/ by `npm ci`), which
is outside the `services` package, so package-data cannot name it. `build_py` copies what the
page loads (index.html, src/, styles/, i18n/, vendor/) into the built package as
services/web/frontend/; `services/web/map_files.py` serves that copy first and the
checkout's frontend/ otherwise. Editable installs copy nothing: they serve the checkout.

Without frontend/vendor/maplibre-gl.js (npm ci not run) the build warns and ships the rest;
the web then answers `/` with a page saying MapLibre is missing instead of a map stuck on
"loading". SEAGRID_REQUIRE_MAP=1 (the Dockerfile sets it) turns the warning into an error.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FRONTEND = Path(__file__).resolve().parent / "frontend"
SERVED_DIRS = ("src", "styles", "i18n", "vendor")
REQUIRED = ("index.html", "vendor/maplibre-gl.js", "vendor/maplibre-gl.css")


class BuildWithMap(build_py):
    """build_py, then the map files into services/web/frontend/ of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        missing = [name for name in REQUIRED if not (FRONTEND / name).is_file()]
        if missing:
            message = f"seagrid: the map is incomplete, missing frontend/{', frontend/'.join(missing)} (run `npm ci` in frontend/)"
            if os.environ.get("SEAGRID_REQUIRE_MAP") == "1":
                raise SystemExit(message)
            self.warn(message)
        target = Path(self.build_lib) / "services" / "web" / "frontend"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        if (FRONTEND / "index.html").is_file():
            shutil.copy2(FRONTEND / "index.html", target / "index.html")
        for name in SERVED_DIRS:
            if (FRONTEND / name).is_dir():
                shutil.copytree(FRONTEND / name, target / name, ignore=_dotfiles)


def _dotfiles(_directory: str, names: list[str]) -> list[str]:
    return [name for name in names if name.startswith(".")]


setup(cmdclass={"build_py": BuildWithMap})
