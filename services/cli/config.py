"""`seagrid config check DIR`: validate a configuration directory (CONTRACTS §1, §5).

Every problem is printed on stdout as `FILE: feature ID: reason` (warnings with the reason
starting `warning:`), then a count on stderr. Exit 1 when there is any error, else 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.core.config import ConfigIssue, SeagridConfig, check_config, load_config


def register(sub: Any) -> None:
    parser = sub.add_parser("config", help="configuration directory tools")
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate a configuration directory")
    check.add_argument("directory", type=Path, metavar="DIR")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    issues = check_config(args.directory)
    if not any(not i.warning for i in issues):
        issues += section_issues(load_config(args.directory))
    for issue in issues:
        print(issue)
    errors = sum(1 for i in issues if not i.warning)
    warnings = len(issues) - errors
    verdict = "invalid" if errors else "valid"
    print(f"{args.directory}: {verdict} ({errors} errors, {warnings} warnings)", file=sys.stderr)
    return 1 if errors else 0


def section_issues(config: SeagridConfig) -> list[ConfigIssue]:
    """Problems in seagrid.toml's stage sections: rules, watchlist, lifecycle, delivery, feeds.

    The core loader keeps these sections raw (it must not import the stages); each stage
    validates its own at start-up, and this runs the same validators so that a typo is
    found by `config check` before a deployment, not by a process that refuses to start.
    """
    from services.alerts.dispatcher import DeliveryConfigError, delivery_config
    from services.alerts.evaluator import watchlist_config
    from services.alerts.thresholds import ThresholdError, Thresholds
    from services.alerts.timing import AlertTiming, TimingError
    from services.ingest.feeds.config import FeedConfig, FeedConfigError

    toml = "seagrid.toml"
    found: list[ConfigIssue] = []
    try:
        Thresholds.from_config(config)
    except ThresholdError as exc:
        found.append(ConfigIssue(toml, "rules", str(exc)))
    try:
        watchlist_config(config.sections.get("watchlist", []))
    except ThresholdError as exc:
        found += [ConfigIssue(toml, "watchlist", problem) for problem in exc.problems]
    try:
        AlertTiming.from_config(config)
    except TimingError as exc:
        found.append(ConfigIssue(toml, "lifecycle", str(exc)))
    try:
        delivery_config(config.sections)
    except DeliveryConfigError as exc:
        found += [ConfigIssue(toml, "channels", problem) for problem in exc.problems]
    found += case_issues(config)
    from services.radar.config import RadarConfig, RadarConfigError

    try:
        RadarConfig.from_config(config)
    except RadarConfigError as exc:
        found += [ConfigIssue(toml, "radars", problem) for problem in exc.problems]
    for n, table in enumerate(config.sections.get("feeds", [])):
        name = table.get("name", f"#{n + 1}") if isinstance(table, dict) else f"#{n + 1}"
        try:
            FeedConfig.from_dict(table, config.directory).validate()
        except (FeedConfigError, TypeError, AttributeError) as exc:
            found.append(ConfigIssue(toml, f"feeds {name}", str(exc)))
    return found + infocentre_issues(config) + bus_issues(config)


def bus_issues(config: SeagridConfig) -> list[ConfigIssue]:
    """`[bus] partitions` and `snapshot_interval_s` (docs/partitions.md)."""
    from services.core.partitions import PartitionError, partitions_from_config
    from services.core.snapshot import interval_from_config

    found: list[ConfigIssue] = []
    try:
        partitions_from_config(config.sections)
    except PartitionError as exc:
        found.append(ConfigIssue("seagrid.toml", "bus", str(exc)))
    try:
        interval_from_config(config.sections)
    except ValueError as exc:
        found.append(ConfigIssue("seagrid.toml", "bus", str(exc)))
    return found


def infocentre_issues(config: SeagridConfig) -> list[ConfigIssue]:
    """`[[modes]]` and `[[neighbours]]` (docs/infocentre.md). A neighbour whose key comes
    from an unset environment variable is a problem here as at start-up."""
    from services.infocentre.model import InfoError
    from services.infocentre.modes import mode_specs
    from services.infocentre.wiring import THRESHOLD_NAMES
    from services.neighbours.config import NeighbourConfigError, parse_neighbours

    found: list[ConfigIssue] = []
    try:
        mode_specs(config.sections, THRESHOLD_NAMES)
    except InfoError as exc:
        found += [ConfigIssue("seagrid.toml", "modes", p) for p in exc.problems]
    try:
        parse_neighbours(config.sections)
    except NeighbourConfigError as exc:
        found += [ConfigIssue("seagrid.toml", "neighbours", p) for p in exc.problems]
    return found


def case_issues(config: SeagridConfig) -> list[ConfigIssue]:
    """`[cases]` and `[[patrol_vessels]]` (docs/cases.md)."""
    from services.alerts.channels import ChannelConfigError, parse_channels
    from services.cases.config import CaseConfigError, CasePolicy

    try:
        names: set[str] | None = {c.name for c in parse_channels(config.sections)}
    except ChannelConfigError:
        names = None  # reported under "channels"
    try:
        CasePolicy.from_sections(config.sections, config.office_ids(), names)
    except CaseConfigError as exc:
        return [ConfigIssue("seagrid.toml", "cases", problem) for problem in exc.problems]
    return []
