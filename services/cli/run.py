"""`seagrid run STAGE`: one stage as its own process over Redis Streams and PostgreSQL.

This is the distributed mode of CONTRACTS §1 and §10: the bus is Redis (`SEAGRID_REDIS_URL`)
and state goes to PostgreSQL (`SEAGRID_DATABASE_URL`, migrated at start-up). Which stages
each process runs is decided by the composition root (`services/assembly/processes.py`):
`ingest`, `gridding`, `persist` (the position writer; run several to share the load),
`alerts` (with fusion, the dispatcher and handover) and `web`.

With `[bus] partitions = N` in seagrid.toml, gridding and alerts run as N processes each,
`--partition I/N` owning the vessels with mmsi % N == I (docs/partitions.md;
services/cli/run_partitions.py); they snapshot their state to Redis every
`[bus] snapshot_interval_s` (5 s) and on SIGTERM,
and a restarted owner of the same partition continues from it.

`--metrics-port PORT` answers `GET /healthz` (200, or 503 while Redis or PostgreSQL does
not answer) and `GET /metrics` (Prometheus text) on `--metrics-host` (127.0.0.1 by default:
the answers carry no user data and no login, so keep them on the internal network).
Start-up problems (bad configuration, unreachable Redis or PostgreSQL) are reported on one
line with exit status 1. Once running, a Redis or PostgreSQL outage is ridden out (commands
retry with back-off; persist holds a bounded buffer, then stops reading). SIGTERM stops the
stages, which flush what they hold first.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from services.assembly.pipeline import restore_alert_book
from services.assembly.processes import BUILDERS, run_process
from services.cli.run_partitions import add_partition_flag, process_partition
from services.core.bus import BusError
from services.core.config import ConfigError, load_config
from services.core.partitions import PartitionError
from services.core.settings import Settings
from services.core.startup import StartupError

__all__ = ["BUILDERS", "register", "restore_alert_book"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run",
        help="run one stage as its own process (Redis Streams + PostgreSQL)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stage", choices=sorted(BUILDERS), help="the stage to run")
    parser.add_argument("--config", type=Path, default=None, help="configuration directory")
    add_partition_flag(parser)
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="PORT",
        help="answer GET /healthz and /metrics on this port (off by default)",
    )
    parser.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        metavar="HOST",
        help="address of the metrics port (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    port = args.metrics_port
    if port is not None and not 0 < port < 65536:
        print(
            f"seagrid run {args.stage}: --metrics-port {port} is not a port number", file=sys.stderr
        )
        return 1
    settings = Settings()
    config_dir = args.config or settings.config_dir
    metrics = (args.metrics_host, port) if port is not None else None
    try:
        config = load_config(config_dir)
        partition = process_partition(args.stage, getattr(args, "partition", None), config)
        asyncio.run(run_process(args.stage, config, settings, metrics, partition))
    except ConfigError as exc:
        for issue in exc.errors:
            print(issue, file=sys.stderr)
        return 1
    except (StartupError, BusError, PartitionError, OSError) as exc:
        print(f"seagrid run {args.stage}: {exc}", file=sys.stderr)
        return 1
    return 0
