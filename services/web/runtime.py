"""Everything the web app serves from, built by the entry point and handed to `create_app`.

The app never builds its own resources: the composition root (`services/assembly/`)
assembles a `WebRuntime` for `seagrid serve` (all stages, memory bus), `seagrid serve --demo`
(plus the demo feed, memory stores) and `seagrid run web` (Redis, PostgreSQL), and tests
assemble small ones on real services.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.alerts.actions import AlertActions
from services.alerts.store_api import AlertStore
from services.cases.memory_store import MemoryCaseStore
from services.cases.store_api import CaseStore
from services.core.bus import Bus
from services.core.config import SeagridConfig
from services.core.runner import Stage
from services.radar.picture import RadarPictureStage
from services.web.auth import TokenSigner
from services.web.history import PositionHistory
from services.web.live import Hub
from services.web.picture import LivePicture
from services.web.settings import WebSettings
from services.web.stage import WebStage
from services.web.users import UserStore

if TYPE_CHECKING:
    from services.web.case_wiring import CaseRuntime

log = logging.getLogger(__name__)


@dataclass(eq=False)
class WebRuntime:
    config: SeagridConfig
    settings: WebSettings
    bus: Bus
    signer: TokenSigner
    users: UserStore
    alerts: AlertStore
    history: PositionHistory
    web: WebStage
    stages: Sequence[Stage] = ()  # the pipeline stages run beside the web stage (serve)
    demo: bool = False
    info: Any = None  # services.infocentre.service.InfoCentre (watchlist, waterworks, modes)
    ready_checks: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    # (topic, group) pairs of the pipeline whose lag /metrics shows, beside the web's own
    lag_groups: tuple[tuple[str, str], ...] = ()
    status_sources: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    on_crash: Callable[[BaseException], None] | None = None
    crashed: BaseException | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # cases (docs/cases.md): memory unless the entry point gives PostgreSQL's; the clock of
    # deadlines and escalation, which tests replace
    case_store: CaseStore = field(default_factory=MemoryCaseStore)
    case_clock: Callable[[], float] = time.time
    _cases: Any = field(default=None, init=False, repr=False)
    database: Any = None  # asyncpg pool for reports and statistics; None in demo mode

    radar: RadarPictureStage | None = None  # radar tracks for the map (services/radar)

    def __post_init__(self) -> None:
        if self.radar is None:  # in the web's own consumer group, like the web stage
            self.radar = RadarPictureStage(group=self.web.group, consumer=self.web.consumer)

    @property
    def hub(self) -> Hub:
        return self.web.hub

    @property
    def picture(self) -> LivePicture:
        return self.web.picture

    @property
    def actions(self) -> AlertActions:
        return AlertActions(self.alerts, self.bus)

    @property
    def cases(self) -> CaseRuntime:
        if self._cases is None:
            from services.web.case_wiring import CaseRuntime

            self._cases = CaseRuntime.build(self)
        return self._cases  # type: ignore[no-any-return]

    def all_stages(self) -> list[Stage]:
        return [
            *self.stages,
            self.web,
            self.cases.sweeper,
            *([self.cases.events] if self.cases.events.pool is not None else []),
            *([self.radar] if self.radar is not None else []),
        ]


def build_web_stage(settings: WebSettings, *, demo: bool, group: str = "web") -> WebStage:
    picture = LivePicture(settings.stale_after, settings.track_points if demo else 0)
    hub = Hub(picture, buffer=settings.client_buffer, alert_buffer=settings.alert_buffer)
    return WebStage(hub, settings.tick, group=group)
