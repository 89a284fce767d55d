"""`seagrid simulate`: write a SIMULATED AIS NMEA recording of demo traffic.

    seagrid simulate --config DIR --duration 2h --out FILE [--seed N] [--start ISO] [--loop]

The bundled services/demo/recording.nmea is made with
    seagrid simulate --duration 2h --seed 1 --loop --out services/demo/recording.nmea
Exit 0 on success, 2 when the configuration lacks what the simulator needs or an argument
is malformed (nothing is written then).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from services.core.settings import DEMO_CONFIG_DIR

log = logging.getLogger(__name__)

DEFAULT_START = "2026-03-02T00:00:00Z"  # 08:00 in Quanzhou
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def parse_duration(text: str) -> float:
    """Seconds in '2h', '90m', '1h30m', '45s' or '600'."""
    m = _DURATION.match(text.strip())
    if not text.strip() or m is None or not any(m.groups()):
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (use e.g. 2h, 90m, 1h30m, 600)")
    h, mi, s = (int(g) if g else 0 for g in m.groups())
    seconds = h * 3600 + mi * 60 + s
    if seconds <= 0:
        raise argparse.ArgumentTypeError("duration must be positive")
    return float(seconds)


def parse_start(text: str) -> float:
    """Unix seconds of an ISO-8601 time (UTC when it has no offset)."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad start time {text!r}: {exc}") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help="write a simulated AIS NMEA recording",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, default=DEMO_CONFIG_DIR, help="configuration directory")
    p.add_argument("--duration", type=parse_duration, default=parse_duration("2h"))
    p.add_argument("--out", type=Path, required=True, help="recording to write ('-' for stdout)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--loop",
        action="store_true",
        help="a loopable recording: played again and again, no vessel jumps at the seam",
    )
    p.add_argument(
        "--start",
        type=parse_start,
        default=parse_start(DEFAULT_START),
        help=f"ISO-8601 start time (default {DEFAULT_START})",
    )
    p.set_defaults(func=run)


def _command(args: argparse.Namespace) -> str:
    start = datetime.fromtimestamp(args.start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = "" if args.config == DEMO_CONFIG_DIR else f" --config {args.config.name}"
    return (
        f"seagrid simulate{config} --duration {int(args.duration)}s --seed {args.seed} "
        f"--start {start}{' --loop' if args.loop else ''} --out {args.out.name}"
    )


def run(args: argparse.Namespace) -> int:
    from services.sim.scenario import demo_scenario
    from services.sim.world import ConfigError, load_world
    from services.sim.writer import write_recording

    try:
        world = load_world(args.config)
    except (ConfigError, OSError, ValueError, KeyError) as exc:
        print(f"seagrid simulate: {exc}", file=sys.stderr)
        return 2
    scenario = demo_scenario(world, args.seed, args.start, args.duration, loop=args.loop)
    if str(args.out) == "-":
        stats = write_recording(scenario, args.seed, sys.stdout, _command(args))
    else:
        tmp = args.out.with_name(args.out.name + ".tmp")
        with open(tmp, "w", encoding="ascii", newline="\n") as fh:
            stats = write_recording(scenario, args.seed, fh, _command(args))
        tmp.replace(args.out)
    types = ", ".join(f"{k}: {v}" for k, v in sorted(stats.messages.items()))
    print(
        f"{args.out}: {stats.lines} lines, {len(stats.vessels)} vessels, messages {{{types}}}, "
        f"{stats.radar} radar target lines, {stats.damaged} damaged lines (SIMULATED)",
        file=sys.stderr,
    )
    return 0
