"""`seagrid stats backfill|retention`: maintenance of the traffic statistics (docs/reports.md).

`backfill [--since DAY] [--until DAY]` recomputes the aggregates of local days (Asia/Shanghai)
from raw positions: for data stored before the statistics existed, or to fold in reports
that arrived out of order. `retention [--keep-days N]` drops raw position partitions older
than N days (default 180); the aggregates stay. Both read `SEAGRID_DATABASE_URL`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from typing import Any

from services.core.settings import Settings


def register(sub: Any) -> None:
    parser = sub.add_parser("stats", help="traffic statistics maintenance", description=__doc__)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    fill = actions.add_parser("backfill", help="recompute aggregates from raw positions")
    fill.add_argument("--since", type=_day, help="first local day (YYYY-MM-DD)")
    fill.add_argument("--until", type=_day, help="day after the last (YYYY-MM-DD)")
    keep = actions.add_parser("retention", help="drop raw positions older than N days")
    keep.add_argument("--keep-days", type=int, default=None, help="default: 180")
    parser.set_defaults(func=main)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.database_url:
        print("seagrid stats: SEAGRID_DATABASE_URL is not set", file=sys.stderr)
        return 1
    return asyncio.run(_run(args, settings.database_url, settings.database.retention_days))


async def _run(args: argparse.Namespace, url: str, keep_days: int) -> int:
    from services.core.db import DatabaseError, open_database
    from services.stats.backfill import backfill
    from services.stats.retention import drop_old_positions

    try:
        pool = await open_database(url)
    except DatabaseError as exc:
        print(f"seagrid stats: {exc}", file=sys.stderr)
        return 1
    try:
        if args.action == "backfill":
            result = await backfill(pool, args.since, args.until)
            print(f"back-filled {result.days} days, {result.positions} positions")
        else:
            days = args.keep_days if args.keep_days is not None else keep_days
            if days < 1:
                print("seagrid stats: --keep-days must be at least 1", file=sys.stderr)
                return 1
            dropped = await drop_old_positions(pool, days)
            print(
                f"dropped {len(dropped)} daily partitions"
                + (f" ({dropped[0]} to {dropped[-1]})" if dropped else "")
            )
    finally:
        await pool.close()
    return 0
