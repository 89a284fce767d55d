"""Notices posted by a neighbour: verified, then raised as a `neighbour_notice` alert for the
office owning the entry point (the cell the vessel is in, else the cell nearest to it: a
vessel coming from outside enters through the nearest part of our waters).

Every rejection is counted by reason (`bad_signature`, `unknown_sender`, `stale`,
`malformed`), shown in /metrics as `seagrid_neighbours_status`. A notice already received
(same id) is acknowledged again and raises nothing new.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Any

import shapely

from services.alerts.model import Alert, AlertChange, Severity, alert_id, alert_key
from services.core.config import SeagridConfig
from services.neighbours.config import Neighbour
from services.neighbours.notice import NoticeRejected, verify

RULE = "neighbour_notice"
REMEMBER = 10_000  # notice ids kept for duplicate detection


class Inbound:
    def __init__(self, config: SeagridConfig, neighbours: list[Neighbour]) -> None:
        self.config = config
        self.neighbours = {n.id: n for n in neighbours}
        self.keys = {n.id: n.key for n in neighbours}
        self.counters: Counter[str] = Counter()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._cells = list(config.cells)
        self._geoms = [c.geometry for c in self._cells]

    def receive(self, envelope: Any, now: float) -> AlertChange | None:
        """The alert change to publish, or None for a copy already received; raises
        NoticeRejected (counted) for anything not to act on."""
        try:
            notice = verify(envelope, self.keys, now)
            mmsi, lat, lon = _vessel(notice)
        except NoticeRejected as exc:
            self.counters[f"rejected_{exc.reason}"] += 1
            raise
        notice_id = str(notice.get("id", ""))
        if notice_id in self._seen:
            self.counters["duplicates"] += 1
            return None
        self._seen[notice_id] = None
        if len(self._seen) > REMEMBER:
            self._seen.popitem(last=False)
        self.counters["accepted"] += 1
        return AlertChange("raised", self._alert(notice, mmsi, lat, lon, now), now)

    def _alert(
        self, notice: dict[str, Any], mmsi: int, lat: float, lon: float, now: float
    ) -> Alert:
        cell = self._entry_cell(lat, lon)
        sender = self.neighbours[notice["from"]]
        details = {
            "neighbour": sender.id,
            "neighbour_name": sender.name,
            "notice_id": notice.get("id"),
            "reason": str(notice.get("reason", ""))[:2000],
            "case_summary": notice.get("case_summary"),
        }
        return Alert(
            id=alert_id(alert_key(RULE, mmsi, None, None), now),
            rule=RULE, mmsi=mmsi, office=cell.office if cell else self.config.centre.id,
            severity=Severity.WARNING.value, status="open", raised_at=now, lat=lat, lon=lon,
            cell=cell.id if cell else None, details=details,
        )  # fmt: skip

    def _entry_cell(self, lat: float, lon: float) -> Any:
        if not self._cells:
            return None
        point = shapely.Point(lon, lat)
        distances = [float(shapely.distance(g, point)) for g in self._geoms]
        return self._cells[distances.index(min(distances))]

    def status(self) -> dict[str, Any]:
        return {"neighbours": len(self.neighbours), **self.counters}


def _vessel(notice: dict[str, Any]) -> tuple[int, float, float]:
    vessel = notice.get("vessel")
    if not isinstance(vessel, dict):
        raise NoticeRejected("malformed", "notice without a vessel")
    mmsi, lat, lon = vessel.get("mmsi"), vessel.get("lat"), vessel.get("lon")
    if not isinstance(mmsi, int) or not 0 < mmsi <= 999_999_999:
        raise NoticeRejected("malformed", "vessel.mmsi must be a 9-digit number")
    if not all(isinstance(v, int | float) for v in (lat, lon)):
        raise NoticeRejected("malformed", "vessel.lat and vessel.lon must be numbers")
    assert isinstance(lat, int | float) and isinstance(lon, int | float)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise NoticeRejected("malformed", "vessel position out of range")
    return mmsi, float(lat), float(lon)
