"""`seagrid report`: a navigation-safety situation report as HTML or PDF (CONTRACTS §9).

Reads the statistics from `SEAGRID_DATABASE_URL` (migrating it first, like every process),
office names and the grid from `--config DIR` (default: the bundled demo). A period with no
data gives a report that says so, and exit 0. Exit 1 with one line for an unknown office or
an unreachable database; 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from services.core.settings import Settings


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "report", help="navigation-safety situation report", description=__doc__
    )
    parser.add_argument("--period", required=True, choices=("week", "month", "quarter"))
    parser.add_argument("--end", required=True, help="last day of the period, YYYY-MM-DD (local)")
    parser.add_argument("--office", help="one office's report (default: whole jurisdiction)")
    parser.add_argument("--lang", default="zh-CN", choices=("zh-CN", "en"))
    parser.add_argument("--format", required=True, choices=("html", "pdf"), dest="fmt")
    parser.add_argument("--out", required=True, type=Path, help="file to write")
    parser.add_argument("--config", type=Path, default=None, help="configuration directory")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from services.core.config import ConfigError, load_config
    from services.reports.period import PeriodError, parse_end, period_for

    settings = Settings()
    if not settings.database_url:
        return _fail("SEAGRID_DATABASE_URL is not set (postgresql://user@host:port/db)")
    try:
        period = period_for(args.period, parse_end(args.end))
        config = load_config(args.config or settings.config_dir)
    except PeriodError as exc:
        return _fail(str(exc))
    except ConfigError as exc:
        return _fail("; ".join(str(i) for i in exc.errors))
    return asyncio.run(_run(args, settings.database_url, config, period))


async def _run(args: argparse.Namespace, url: str, config: Any, period: Any) -> int:
    from services.core.db import DatabaseError, open_database
    from services.reports.data import UnknownOffice
    from services.reports.render import build_report

    try:
        pool = await open_database(url, max_size=6)
    except DatabaseError as exc:
        return _fail(str(exc))
    try:
        body = await build_report(pool, config, period, args.office, args.lang, args.fmt)
    except UnknownOffice as exc:
        return _fail(str(exc))
    finally:
        await pool.close()
    try:
        args.out.write_bytes(body)
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror}")
    return 0


def _fail(message: str) -> int:
    print(f"seagrid report: {message}", file=sys.stderr)
    return 1
