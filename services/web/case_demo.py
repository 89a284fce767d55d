"""The demo's command loop, so a newcomer sees it in the first minutes of `serve --demo`:

- an overdue verification of the watchlisted sand carrier (jinjiang), whose deadline
  passed 20 minutes ago: the first sweep escalates it to the office and the centre;
- an inspection assigned to the demo `patrol` user's boat with an instruction awaiting its
  acknowledgement (the tablet shows and beeps it);
- a closed case with a `violation` outcome for the same carrier, so its vessel record
  shows a repeat offender;
- when the recording's AIS-SART distress alert arrives (about two minutes in), an
  emergency case at its position with the patrol boats and vessels that could assist.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.alerts.store_api import AlertQuery
from services.cases.model import Case
from services.cases.service import NewCase, new_id
from services.core.bus import Bus
from services.web.runtime import WebRuntime

log = logging.getLogger(__name__)

WATCHED_CARRIER = 412440101
DAY = 86400.0


async def seed(runtime: WebRuntime) -> None:
    store, now = runtime.case_store, runtime.case_clock()
    policy = runtime.cases.policy
    crew = next((u for u in _demo_patrols(runtime)), None)
    await store.create(
        Case(
            id=new_id("C", now - 40 * DAY),
            type="inspection",
            title="砂石船超载检查 / sand carrier overload check",
            office="jinjiang",
            status="closed",
            priority="normal",
            deadline=now - 39 * DAY,
            created_at=now - 40 * DAY,
            created_by="operator",
            updated_at=now - 40 * DAY + 7200,
            mmsi=WATCHED_CARRIER,
            outcome="violation",
            measures=("罚款 fine", "责令改正 order to correct"),
            close_reason="处罚决定已送达 / penalty decision served",
            closed_at=now - 40 * DAY + 7200,
        ),
        "demo: an earlier violation of this vessel",
    )
    await store.create(
        Case(
            id=new_id("C", now),
            type="verification",
            title="重点船舶进入辖区核查 / watchlisted carrier entered",
            office="jinjiang",
            status="new",
            priority="high",
            deadline=now - 20 * 60,
            created_at=now - 4 * 3600 - 20 * 60,
            created_by="operator",
            updated_at=now - 4 * 3600 - 20 * 60,
            mmsi=WATCHED_CARRIER,
            lat=24.66,
            lon=118.62,
        ),
        "demo: overdue, nobody took it",
    )
    boat = policy.patrol(crew) if crew is not None else None
    if boat is not None:
        cell = next(c for c in runtime.config.cells if c.office == boat.office)
        where = cell.geometry.representative_point()
        new = NewCase(
            type="inspection",
            title="锚泊船舶登临检查 / boarding check of an anchored ship",
            office=boat.office,
            priority="high",
            patrol_mmsi=boat.mmsi,
            lat=where.y,
            lon=where.x,
        )
        case = await runtime.cases.service.create(new, "operator")
        await runtime.cases.service.instruct(
            case,
            f"patrol:{boat.mmsi}",
            "前往检查并反馈 / proceed, inspect and report",
            None,
            "operator",
        )


def _demo_patrols(runtime: WebRuntime) -> list[int]:
    patrols = runtime.config.sections.get("patrol_vessels") or []
    return [int(p["mmsi"]) for p in patrols[:1] if isinstance(p, dict) and p.get("mmsi")]


class DemoCasesStage:
    """Seeds the demo cases, then opens the emergency case when the distress alert comes."""

    name = "demo-cases"

    def __init__(self, runtime: WebRuntime, poll: float = 3.0) -> None:
        self.runtime, self.poll = runtime, poll
        self.emergency: Case | None = None

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        del bus
        try:
            await seed(self.runtime)
        except Exception:
            log.exception("demo: could not seed the cases")
            return
        while not stop.is_set() and self.emergency is None:
            await self.check_distress()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll)

    async def check_distress(self) -> Case | None:
        page = await self.runtime.alerts.list(AlertQuery(rule="distress", limit=1))
        if not page.items:
            return None
        alert = page.items[0]
        self.emergency = await self.runtime.cases.service.incident(
            "distress",
            alert.lat,
            alert.lon,
            5.0,
            "operator",
            mmsi=alert.mmsi,
            title="AIS-SART 遇险 / distress off Xiangzhi",
            alerts=[alert],
        )
        await self.runtime.cases.events.case(
            self.emergency, self.runtime.case_clock(), "created", "operator"
        )
        log.info("demo: emergency case %s opened for %s", self.emergency.id, alert.id)
        return self.emergency
