"""`seagrid config check DIR`: validate a configuration directory (CONTRACTS §1, §5).

Every problem is printed on stdout as `FILE: feature ID: reason` (warnings with the reason
starting `warning:`), then a count on stderr. Exit 1 when there is any error, else 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.core.config import check_config


def register(sub: Any) -> None:
    parser = sub.add_parser("config", help="configuration directory tools")
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate a configuration directory")
    check.add_argument("directory", type=Path, metavar="DIR")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    issues = check_config(args.directory)
    for issue in issues:
        print(issue)
    errors = sum(1 for i in issues if not i.warning)
    warnings = len(issues) - errors
    verdict = "invalid" if errors else "valid"
    print(f"{args.directory}: {verdict} ({errors} errors, {warnings} warnings)", file=sys.stderr)
    return 1 if errors else 0
