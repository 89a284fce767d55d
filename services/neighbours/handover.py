"""HandoverStage: a vessel with an open alert heading out of the jurisdiction into a
neighbour's waters sends that neighbour a signed handover notice.

Consumes ALERTS (which vessels have open alerts, and a summary of them) and CELL_POSITIONS
(where those vessels are going). "Heading into a neighbour's waters": the vessel is already
in them, or it is under way and its course and speed take it there within the horizon
(15 min) while taking it out of the jurisdiction. One notice per vessel and neighbour until
the vessel's open alerts change or six hours pass; each goes through the delivery channel
named by the neighbour's URL (webhook with retries, or log), signed with the neighbour's
key (notice.py).

The notice's case summary is what the receiving office needs to decide whether to board:
the vessel's open alerts, and its enforcement cases (services/cases) of the last 30 days,
open, overdue and closed, with their office, deadline and outcome, read from the case store
when the notice is sent (a vessel with an open case is one someone is already dealing with;
one with a closed case for the same offence last week is a repeat). A case store that cannot
be read does not hold the notice back: it goes with the alerts and `cases_unavailable`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import shapely

from services.alerts.channels import ChannelSpec, open_channel
from services.alerts.channels.webhook import is_permanent
from services.alerts.geo import KNOT_MS, offset
from services.alerts.model import alert_change_from_json, iso_utc
from services.cases.model import Case
from services.cases.store_api import CaseQuery, CaseStore
from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.codec import CodecError, decode, leading_mmsi, records_of
from services.core.config import SeagridConfig
from services.core.types import CellPosition
from services.neighbours.config import Neighbour
from services.neighbours.notice import sign

log = logging.getLogger(__name__)

HORIZON_S = 900.0
RESEND_S = 6 * 3600.0
MIN_SPEED_KN = 1.0
ATTEMPTS = 4
CASE_PERIOD_S = 30 * 86400.0  # the cases a receiving office wants: this month's
MAX_CASES = 50
_NS = uuid.UUID("0b7f7c6e-2f57-4c1c-9f3e-6a1d2f0c5e11")


class HandoverStage:
    name = "handover"

    def __init__(
        self,
        config: SeagridConfig,
        neighbours: list[Neighbour],
        *,
        group: str = "handover",
        consumer: str = "handover-1",
        clock: Callable[[], float] = time.time,
        backoff: float = 1.0,
        cases: CaseStore | None = None,
    ) -> None:
        self.centre = config.centre
        self.neighbours = neighbours
        self.group, self.consumer, self.clock, self.backoff = group, consumer, clock, backoff
        self.cases = cases
        geoms = [c.geometry for c in config.cells]
        self.jurisdiction = shapely.union_all(geoms) if geoms else shapely.Polygon()
        shapely.prepare(self.jurisdiction)
        self.channels = {
            n.id: open_channel(ChannelSpec(name=f"neighbour-{n.id}", url=n.url)) for n in neighbours
        }
        self.open: dict[int, dict[str, dict[str, Any]]] = {}  # mmsi -> alert id -> summary
        self.sent: dict[tuple[int, str], tuple[frozenset[str], float]] = {}
        self.counters: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, bus: Bus, stop: asyncio.Event) -> None:
        for topic in (topics.ALERTS, topics.CELL_POSITIONS):
            await bus.ensure_group(topic, self.group)
        try:
            while not stop.is_set():
                await self.step(bus, 0.2)
        finally:
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=10.0)
            for channel in self.channels.values():
                await channel.close()

    async def step(self, bus: Bus, block: float) -> int:
        alerts = await bus.read(topics.ALERTS, self.group, self.consumer, count=1000, block=0)
        for d in alerts:
            self._on_alert(d)
        await bus.ack(topics.ALERTS, self.group, [d.id for d in alerts])
        batch = await bus.read(
            topics.CELL_POSITIONS, self.group, self.consumer, count=2048, block=block
        )
        wanted = [d for d in batch if d.records is not None or self._may_matter(d.payload)]
        for pos in records_of(wanted, CellPosition, self._bad_position):
            self._on_position(pos)
        await bus.ack(topics.CELL_POSITIONS, self.group, [d.id for d in batch])
        return len(alerts) + len(batch)

    def _on_alert(self, delivery: Delivery) -> None:
        try:
            alert = alert_change_from_json(decode(delivery.payload)).alert
        except (CodecError, ValueError, KeyError, TypeError):
            self.counters["rejected_alert"] += 1
            return
        if alert.mmsi is None:  # a radar-only track: no vessel to hand over
            return
        alerts = self.open.setdefault(alert.mmsi, {})
        if alert.is_open:
            alerts[alert.id] = {
                "id": alert.id, "rule": alert.rule, "severity": alert.severity,
                "status": alert.status, "office": alert.office,
                "raised_at": iso_utc(alert.raised_at),
            }  # fmt: skip
        else:
            alerts.pop(alert.id, None)
        if not alerts:
            del self.open[alert.mmsi]

    def _may_matter(self, payload: bytes) -> bool:
        """False for the encoded position of a vessel without open alerts, told by its MMSI
        alone: only vessels with open alerts are handed over, and decoding every position
        to find the few was most of this stage's work (the alerts process reads each
        position three times). A payload not of the usual shape is decoded (and rejected
        there if bad); a bad one of a vessel without alerts is left to the stages that act
        on every position, which reject it too."""
        mmsi = leading_mmsi(payload)
        return mmsi is None or mmsi in self.open

    def _bad_position(self, delivery: Delivery, exc: CodecError) -> None:
        del delivery, exc
        self.counters["rejected_position"] += 1

    def _on_position(self, pos: CellPosition) -> None:
        alerts = self.open.get(pos.mmsi)
        if not alerts:
            return
        for neighbour in self.neighbours:
            if self._heading_into(pos, neighbour):
                self._maybe_send(pos, neighbour, alerts)

    def _heading_into(self, pos: CellPosition, neighbour: Neighbour) -> bool:
        if shapely.intersects_xy(neighbour.area, pos.lon, pos.lat):
            return True
        if not pos.speed or pos.speed < MIN_SPEED_KN or pos.course is None:
            return False
        lat, lon = offset(pos.lat, pos.lon, pos.course, pos.speed * KNOT_MS * HORIZON_S)
        ahead = bool(shapely.intersects_xy(neighbour.area, lon, lat))
        return ahead and not shapely.intersects_xy(self.jurisdiction, lon, lat)

    def _maybe_send(
        self, pos: CellPosition, neighbour: Neighbour, alerts: dict[str, dict[str, Any]]
    ) -> None:
        ids, now = frozenset(alerts), self.clock()
        previous = self.sent.get((pos.mmsi, neighbour.id))
        if previous is not None and previous[0] == ids and now - previous[1] < RESEND_S:
            return
        self.sent[(pos.mmsi, neighbour.id)] = (ids, now)
        send = self._send(pos, neighbour, list(alerts.values()), now)
        task = asyncio.get_running_loop().create_task(send)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(
        self, pos: CellPosition, neighbour: Neighbour, alerts: list[dict[str, Any]], now: float
    ) -> None:
        cases = await self.cases_of(pos.mmsi, [a["id"] for a in alerts], now)
        await self._deliver(
            neighbour, sign(self.notice(pos, neighbour, alerts, now, cases), neighbour.key)
        )

    async def cases_of(
        self, mmsi: int, alert_ids: list[str], now: float
    ) -> list[dict[str, Any]] | None:
        """The vessel's cases of the period and those of its open alerts, most recent first;
        None when the store cannot be read (counted, logged once per failure)."""
        if self.cases is None:
            return []
        try:
            found = {
                c.id: c
                for c in await self.cases.list(
                    CaseQuery(mmsi=mmsi, since=now - CASE_PERIOD_S, limit=MAX_CASES)
                )
            }
            linked = await self.cases.cases_of_alerts(alert_ids) if alert_ids else {}
            for case_id in set(linked.values()) - found.keys():
                case = await self.cases.get(case_id)
                if case is not None:
                    found[case.id] = case
        except Exception as exc:  # noqa: BLE001 - a lost database must not hold the notice
            self.counters["case_lookup_failed"] += 1
            log.warning("handover: cases of %s not read: %s", mmsi, exc)
            return None
        ordered = sorted(found.values(), key=lambda c: (-c.created_at, c.id))[:MAX_CASES]
        return [case_summary(c, now) for c in ordered]

    def notice(
        self,
        pos: CellPosition,
        neighbour: Neighbour,
        alerts: list[dict[str, Any]],
        now: float,
        cases: Sequence[dict[str, Any]] | None = (),
    ) -> dict[str, Any]:
        rules = ", ".join(sorted({a["rule"] for a in alerts}))
        summary: dict[str, Any] = {
            "alerts": alerts,
            "office": alerts[0]["office"] if alerts else None,
        }
        if cases is None:
            summary["cases_unavailable"] = True
        else:
            summary["cases"] = list(cases)
            summary["counts"] = {
                "open": sum(1 for c in cases if c["open"]),
                "overdue": sum(1 for c in cases if c["overdue"]),
                "closed": sum(1 for c in cases if not c["open"]),
            }
            summary["period_days"] = round(CASE_PERIOD_S / 86400)
            open_cases = [c for c in cases if c["open"]]
            if open_cases:  # the case's office is the one dealing with the vessel now
                summary["office"] = open_cases[0]["office"]
        return {
            "id": str(
                uuid.uuid5(_NS, f"{pos.mmsi}|{neighbour.id}|{sorted(a['id'] for a in alerts)}")
            ),
            "from": self.centre.id,
            "from_name": self.centre.name,
            "to": neighbour.id,
            "sent_at": now,
            "vessel": {
                "mmsi": pos.mmsi,
                "lat": pos.lat,
                "lon": pos.lon,
                "speed": pos.speed,
                "course": pos.course,
                "ts": pos.ts,
            },  # fmt: skip
            "reason": f"vessel with open alerts ({rules}) heading into your waters"
            + _cases_phrase(summary.get("counts")),
            "case_summary": summary,
        }

    async def _deliver(self, neighbour: Neighbour, envelope: dict[str, Any]) -> None:
        channel = self.channels[neighbour.id]
        key = envelope["notice"]["id"]
        for attempt in range(ATTEMPTS):
            result = await channel.send(envelope, key)
            if result.ok:
                self.counters["notices_sent"] += 1
                return
            if is_permanent(result):
                break
            await asyncio.sleep(self.backoff * 2**attempt)
        self.counters["notices_failed"] += 1
        log.warning("handover to %s failed: %s", neighbour.id, result.error)

    def status(self) -> dict[str, Any]:
        return {"vessels_with_open_alerts": len(self.open), **self.counters}


def case_summary(case: Case, now: float) -> dict[str, Any]:
    """What a neighbouring office reads of one case (no notes, reports or crew names)."""
    return {
        "id": case.id,
        "type": case.type,
        "title": case.title,
        "office": case.office,
        "status": case.status,
        "priority": case.priority,
        "open": case.is_open,
        "overdue": case.overdue(now),
        "deadline": iso_utc(case.deadline),
        "created_at": iso_utc(case.created_at),
        "closed_at": iso_utc(case.closed_at) if case.closed_at is not None else None,
        "outcome": case.outcome,
    }


def _cases_phrase(counts: dict[str, int] | None) -> str:
    if not counts or not any(counts.values()):
        return ""
    parts = [f"{counts[k]} {k}" for k in ("open", "overdue", "closed") if counts[k]]
    return f"; cases: {', '.join(parts)}"


def handover_stages(config: SeagridConfig, cases: CaseStore | None = None) -> list[HandoverStage]:
    """The handover to neighbouring MSAs when `[[neighbours]]` are configured, reading the
    vessels' cases from `cases`; raises StartupError (one line) for a broken table."""
    from services.core.startup import StartupError
    from services.neighbours.config import NeighbourConfigError, parse_neighbours

    try:
        neighbours = parse_neighbours(config.sections)
    except NeighbourConfigError as exc:
        raise StartupError(f"{config.directory / 'seagrid.toml'}: {exc}") from exc
    return [HandoverStage(config, neighbours, cases=cases)] if neighbours else []
