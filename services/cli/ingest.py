"""`seagrid ingest FILE [FILE ...]`: run the ingest pipeline over recordings, show the picture.

The embedded pipeline (feeds, decoder, de-duplication, records, in-process bus) runs exactly
as in `seagrid serve`, so what this prints is what the map would show at the end of the
recording: one row per vessel, then what happened to every input line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from services.core import topics
from services.core.bus_memory import MemoryBus
from services.core.runner import install_signal_handlers
from services.core.settings import Settings
from services.core.types import MmsiClass
from services.core.vessels import VesselState, ship_type_label
from services.ingest.feeds import parse_speed
from services.ingest.stage import IngestStage

DEFAULT_LIMIT = 40
PROGRESS_EVERY = 5.0  # seconds between progress lines on stderr in real-time replays

_SORT_KEYS = {
    "mmsi": lambda v: v.mmsi,
    "name": lambda v: ((v.shipname or "~").upper(), v.mmsi),
    "last": lambda v: (-(v.last_seen or 0.0), v.mmsi),
}
_CLASS_LABELS = {
    MmsiClass.BASE_STATION.value: "base",
    MmsiClass.ATON.value: "AtoN",
    MmsiClass.SAR_AIRCRAFT.value: "SAR air",
    MmsiClass.SART.value: "SART",
    MmsiClass.MOB.value: "MOB",
    MmsiClass.EPIRB.value: "EPIRB",
    MmsiClass.HANDHELD.value: "handheld",
    MmsiClass.CRAFT_ASSOCIATED.value: "craft",
    MmsiClass.GROUP.value: "group",
    MmsiClass.INVALID.value: "invalid",
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "ingest",
        help="decode recordings into the vessel picture",
        description="Run the ingest pipeline over AIS recordings (stdin for -) and print the "
        "resulting vessel picture and what happened to every input line.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="AIS NMEA recording, - for stdin")
    parser.add_argument(
        "--speed",
        default="max",
        help="max (default: as fast as possible) or a factor of real time, e.g. 10",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object instead of tables")
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"vessels shown (default {DEFAULT_LIMIT} in the table, all in JSON; 0: all)",
    )
    parser.add_argument("--sort", choices=sorted(_SORT_KEYS), default="mmsi", help="row order")
    parser.add_argument(
        "--all",
        action="store_true",
        help="also list stations heard only through static data (no position yet)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        speed = parse_speed(args.speed)
    except ValueError as exc:
        print(f"seagrid ingest: {exc}", file=sys.stderr)
        return 2
    missing = [f for f in args.files if f != "-" and not Path(f).is_file()]
    if missing:
        for name in missing:
            print(f"seagrid ingest: {name}: no such file", file=sys.stderr)
        return 2
    settings = Settings()
    stage = IngestStage.from_files(args.files, settings.ingest, speed=speed)
    ingest_log = logging.getLogger("services.ingest")
    level = ingest_log.level
    if not args.verbose:  # the picture and the summary say it all; logs only when asked
        ingest_log.setLevel(logging.WARNING)
    try:
        asyncio.run(_ingest(stage, show_progress=speed is not None))
    finally:
        ingest_log.setLevel(level)
    errors = stage.feed_errors
    for name, error in errors.items():
        print(f"seagrid ingest: {name}: {error}", file=sys.stderr)
    vessels = sorted(
        (v for v in stage.vessels if args.all or v.lat is not None), key=_SORT_KEYS[args.sort]
    )
    if args.json:
        shown = vessels[: args.limit] if args.limit else vessels
        sys.stdout.write(_json(stage, shown))
    else:
        limit = DEFAULT_LIMIT if args.limit is None else args.limit
        print(render_picture(vessels, limit, known=len(stage.vessels)))
        print()
        print(stage.counters.summary())
        published = stage.published
        print(
            f"published: {_plural(published[topics.POSITIONS], 'position')}, "
            f"{_plural(published[topics.STATIC], 'static report')}, "
            f"{_plural(published[topics.MESSAGES], 'safety message')}"
        )
    return 2 if errors else 0


async def _ingest(stage: IngestStage, *, show_progress: bool) -> None:
    bus = MemoryBus()
    stop = asyncio.Event()
    install_signal_handlers(stop)  # Ctrl-C ends the run and still shows the picture so far
    progress = asyncio.create_task(_progress(stage)) if show_progress else None
    try:
        await stage.run(bus, stop)
    finally:
        if progress is not None:
            progress.cancel()
        await bus.close()


async def _progress(stage: IngestStage) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        latest = max((v.last_seen or 0.0 for v in stage.vessels), default=0.0)
        clock = _time(latest) if latest else "-"
        print(f"[{clock}] {stage.summary_line()}", file=sys.stderr, flush=True)


def _json(stage: IngestStage, vessels: list[VesselState]) -> str:
    data = {**stage.stats(), "vessels": [v.as_dict() for v in vessels]}
    return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE).decode()


_COLUMNS = (
    ("MMSI", ">"),
    ("name", "<"),
    ("call sign", "<"),
    ("type", "<"),
    ("lat", ">"),
    ("lon", ">"),
    ("SOG", ">"),
    ("COG", ">"),
    ("last report", "<"),
    ("class", "<"),
)


def render_picture(vessels: list[VesselState], limit: int, known: int | None = None) -> str:
    """The vessel table with a one-line heading; `limit` 0 shows every vessel.

    `known` is how many stations were heard in all, when `vessels` is a selection of them.
    """
    shown = vessels[:limit] if limit else vessels
    rows = [_row(v) for v in shown]
    widths = [
        max([len(title)] + [len(r[i]) for r in rows]) for i, (title, _) in enumerate(_COLUMNS)
    ]
    lines = [_heading(vessels, known), ""]
    lines.append(_format([t for t, _ in _COLUMNS], widths))
    lines.append("  ".join("-" * w for w in widths))
    lines += [_format(r, widths) for r in rows]
    if len(vessels) > len(shown):
        lines.append(f"... and {len(vessels) - len(shown)} more (--limit 0 shows all)")
    return "\n".join(lines)


def _format(cells: list[str], widths: list[int]) -> str:
    parts = [
        cell.rjust(w) if align == ">" else cell.ljust(w)
        for cell, w, (_, align) in zip(cells, widths, _COLUMNS, strict=True)
    ]
    return "  ".join(parts).rstrip()


def _heading(vessels: list[VesselState], known: int | None) -> str:
    placed = sum(1 for v in vessels if v.lat is not None)
    named = sum(1 for v in vessels if v.shipname)
    times = [v.last_seen for v in vessels if v.last_seen is not None]
    span = f"; reports {_time(min(times))} .. {_time(max(times))}" if times else ""
    heard = f" of {known} stations heard" if known is not None and known != len(vessels) else ""
    return (
        f"Vessel picture: {_plural(len(vessels), 'vessel')}{heard} "
        f"({placed} with a position, {named} named){span}"
    )


def _row(v: VesselState) -> list[str]:
    return [
        str(v.mmsi),
        v.shipname or "-",
        v.callsign or "-",
        ship_type_label(v.ship_type) or "-",
        _num(v.lat, 4),
        _num(v.lon, 4),
        _num(v.speed, 1),
        _num(v.course, 1),
        _time(v.last_seen) if v.last_seen is not None else "-",
        _station_class(v),
    ]


def _station_class(v: VesselState) -> str:
    parts = [p for p in (v.ais_class, _CLASS_LABELS.get(v.mmsi_class or "")) if p]
    return " ".join(parts) or "-"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _time(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(ts))
