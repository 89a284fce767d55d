"""`seagrid replay`'s shape: ingest from a recording, gridding, alerts and radar fusion, all
on the in-process bus, with no store and no web (the run's ends are files).

Alerts publish the positions their rules accepted only when `--positions-out` asks for them,
and fusion runs on event time alone (no wall-clock wait for a radar scan), so that the same
recording gives the same output every run (tests/data/replay_golden.json).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.alerts.stage import AlertsStage
from services.core.config import SeagridConfig
from services.core.runner import Stage
from services.core.settings import Settings
from services.gridding.stage import GriddingStage
from services.ingest.stage import IngestStage
from services.radar.stage import FusionStage


@dataclass(frozen=True, eq=False)
class ReplayStages:
    ingest: IngestStage
    gridding: GriddingStage
    alerts: AlertsStage
    fusion: FusionStage

    def all(self) -> list[Stage]:
        return [self.ingest, self.gridding, self.alerts, self.fusion]


def replay_stages(
    config: SeagridConfig,
    file: str,
    speed: float | None,
    settings: Settings,
    *,
    with_positions: bool = False,
) -> ReplayStages:
    """The stages of one replay run; raises ThresholdError, TimingError or
    RadarConfigError for a bad configuration (the entry point reports it)."""
    return ReplayStages(
        ingest=IngestStage.from_files([file], settings.ingest, speed=speed),
        gridding=GriddingStage(config),
        alerts=AlertsStage(config, publish_accepted=with_positions),
        # no radar picture to feed in a replay: its alerts are what a replay reports
        fusion=FusionStage(config, max_wait=None, publish_states=False),
    )
