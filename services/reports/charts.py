"""The report's charts, drawn server-side with matplotlib (Agg) as PNG data URIs.

One PNG serves both outputs: the HTML embeds it, and WeasyPrint puts the same image in the
PDF, so the two cannot disagree. Text uses Noto Sans CJK SC (Debian's fonts-noto-cjk) so that
Chinese labels render; matplotlib falls back to DejaVu Sans for Latin text when it is absent,
and Chinese then shows as boxes, which is why the tests look at the rendered pages.
Figures are built with the object API (`Figure`), not pyplot: no global state, safe in the
web's worker threads.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from services.core.config import SeagridConfig
from services.stats.traffic import Density

CJK_FONT = "Noto Sans CJK SC"
matplotlib.rcParams["font.family"] = [CJK_FONT, "DejaVu Sans"]
matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts lack U+2212
_DPI = 110
_BLUE, _ORANGE = "#1f5fa8", "#e07b24"


def png_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)  # one draw: "tight" draws twice
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def trend(
    days: Sequence[str], vessels: Sequence[int], hours: Sequence[int], labels: tuple[str, str]
) -> str:
    fig = Figure(figsize=(7.5, 2.8), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(days))
    ax.bar(x, hours, color="#c9d7ea", label=labels[1])
    ax.set_ylabel(labels[1])
    twin = ax.twinx()
    twin.plot(x, vessels, color=_BLUE, marker="o", markersize=3, label=labels[0])
    twin.set_ylabel(labels[0])
    twin.set_ylim(bottom=0)
    step = max(1, math.ceil(len(days) / 12))
    ax.set_xticks(x[::step], [d[5:] for d in days[::step]])
    fig.legend(loc="outside upper left", ncols=2, fontsize=8, frameon=False)
    return png_uri(fig)


def bars(names: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    """Horizontal bars, largest at the top."""
    fig = Figure(figsize=(7.5, 0.35 * max(len(names), 3) + 0.8), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(names))[::-1]
    ax.barh(y, values, color=_BLUE)
    ax.set_yticks(y, names)
    ax.set_xlabel(xlabel)
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, f" {v:g}", va="center", fontsize=8)
    return png_uri(fig)


def stacked(rows: Sequence[str], series: Mapping[str, Sequence[int]], xlabel: str) -> str:
    """Horizontal bars of `rows`, one stacked segment per series (e.g. offices)."""
    fig = Figure(figsize=(7.5, 0.4 * max(len(rows), 3) + 1.0), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    colours = matplotlib.colormaps["tab10"]
    for i, (name, values) in enumerate(series.items()):
        ax.barh(y, values, left=left, color=colours(i % 10), label=name)
        left += np.asarray(values, dtype=float)
    ax.set_yticks(y, rows)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return png_uri(fig)


def paired(
    names: Sequence[str],
    first: Sequence[float],
    second: Sequence[float],
    labels: tuple[str, str],
    xlabel: str,
) -> str:
    """Two bars per name (e.g. median and 90th percentile)."""
    fig = Figure(figsize=(7.5, 0.45 * max(len(names), 3) + 1.0), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(names))[::-1]
    ax.barh(y + 0.2, first, height=0.4, color=_BLUE, label=labels[0])
    ax.barh(y - 0.2, second, height=0.4, color=_ORANGE, label=labels[1])
    ax.set_yticks(y, names)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return png_uri(fig)


def density_map(density: Density, config: SeagridConfig, office: str | None, title: str) -> str:
    """The raster over the jurisdiction with land, the grid and (for an office) its cells."""
    fig = Figure(figsize=(7.5, 6.2), layout="constrained")
    ax = fig.subplots()
    height, width = density.grid.shape
    k = density.per_degree
    extent = (density.lon0, density.lon0 + width / k, density.lat0, density.lat0 + height / k)
    ax.set_facecolor("#eaf2fb")
    # one collection per kind of outline: a call per polygon costs seconds on a detailed coast
    land = [np.asarray(p.exterior.coords) for g in _land(config.directory) for p in _polygons(g)]
    ax.add_collection(
        PolyCollection(land, facecolor="#d9d4c7", edgecolor="#a59f90", linewidth=0.4, zorder=1)
    )
    masked = np.ma.masked_equal(density.grid, 0)
    if masked.count():
        image = ax.imshow(masked, origin="lower", extent=extent, cmap="inferno_r",
                          norm=LogNorm(vmin=1, vmax=max(2, int(masked.max()))), alpha=0.85,
                          interpolation="nearest", zorder=2)  # fmt: skip
        fig.colorbar(image, ax=ax, shrink=0.7, label=title)
    for mine in (False, True):
        lines = [
            np.asarray(p.exterior.coords)
            for cell in config.cells
            if (office is not None and cell.office == office) == mine
            for p in _polygons(cell.geometry)
        ]
        ax.add_collection(LineCollection(lines, colors="#0b3d91" if mine else "#5a6f8a",
                                         linewidths=1.6 if mine else 0.5, zorder=3))  # fmt: skip
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1 / math.cos(math.radians((extent[2] + extent[3]) / 2)))
    ax.tick_params(labelsize=7)
    return png_uri(fig)


def _land(directory: Path) -> list[BaseGeometry]:
    path = directory / "land.geojson"
    if not path.is_file():
        return []
    features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
    return [shape(f["geometry"]) for f in features if f.get("geometry")]


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a Polygon or MultiPolygon (other geometries have none)."""
    return [p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Polygon)]
