"""What `seagrid run` needs for partitions, kept apart from the stage builders.

`--partition I/N` (CONTRACTS §10) applies to the stages that keep per-vessel state,
gridding and alerts; N must equal `[bus] partitions` in seagrid.toml so that the process
reads the streams the producers write (services/core/partitions.py). Those stages also
snapshot their state to the bus's Redis (services/core/snapshot.py), whatever N is, so a
restarted process continues where the old one stopped.
"""

from __future__ import annotations

import argparse
from contextlib import AsyncExitStack

from services.core.bus import Bus, open_bus
from services.core.config import SeagridConfig
from services.core.partitions import (
    WHOLE,
    PartitionError,
    PartitionSpec,
    check_partition,
    parse_partition,
    partitioned,
    partitions_from_config,
)
from services.core.settings import Settings
from services.core.snapshot import (
    Checkpoint,
    RedisSnapshotStore,
    checkpoint_for,
    interval_from_config,
)
from services.core.startup import StartupError

PARTITIONED_STAGES = ("gridding", "alerts")  # CONTRACTS §10: they keep per-vessel state


def add_partition_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--partition",
        metavar="I/N",
        default=None,
        help="gridding, alerts: own the vessels with mmsi %% N == I (N must equal "
        "[bus] partitions in seagrid.toml; default 0/1, required when N > 1)",
    )


def process_partition(stage: str, flag: str | None, config: SeagridConfig) -> PartitionSpec:
    """The partition this process owns; raises PartitionError for a flag that cannot work."""
    count = partitions_from_config(config.sections)
    if flag is None:
        if count > 1 and stage in PARTITIONED_STAGES:
            raise PartitionError(
                f"[bus] partitions = {count}: give --partition I/{count} (I in 0..{count - 1})"
            )
        return WHOLE
    if stage not in PARTITIONED_STAGES:
        raise PartitionError(
            f"--partition applies to {' and '.join(PARTITIONED_STAGES)} only, not {stage}"
        )
    spec = parse_partition(flag)
    check_partition(spec, count)
    return spec


def process_bus(settings: Settings, config: SeagridConfig) -> Bus:
    """The process's Redis bus, split as `[bus] partitions` says (read across partitions;
    a partition's owner narrows it to its streams, services/core/partitions.owner_view)."""
    return partitioned(open_bus(settings.redis_url), partitions_from_config(config.sections))


def stage_checkpoint(
    config: SeagridConfig,
    settings: Settings,
    resources: AsyncExitStack,
    stage: str,
    partition: PartitionSpec,
) -> Checkpoint:
    """Snapshots of `stage`'s partition in the bus's Redis (services/core/snapshot.py)."""
    try:
        interval = interval_from_config(config.sections)
    except ValueError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc
    store = RedisSnapshotStore(settings.redis_url)
    resources.push_async_callback(store.close)
    return checkpoint_for(store, stage, partition.suffix, partition.count, interval)
