"""Entry point of the `seagrid` console script.

Each command lives in its own module under `services/cli/` and exposes `register(sub)`,
which adds its sub-parser and sets `func(args) -> int`. Commands are imported lazily by
name so that `seagrid decode` does not pay for importing FastAPI.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# command name -> module in services.cli; each module's register() adds that command.
COMMANDS = {
    "decode": "decode",
    "ingest": "ingest",
    "simulate": "simulate",
    "config": "config",
    "grid": "grid",
    "replay": "replay",
    "run": "run",
    "serve": "serve",
    "user": "user",
    "stats": "stats",
    "report": "report",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seagrid", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            continue
        importlib.import_module(f"services.cli.{module}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
