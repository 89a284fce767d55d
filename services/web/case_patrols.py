"""The patrol boat board: each configured boat with its live position and its task.

State: `out_of_contact` when the boat has not been heard for `[cases]
patrol_contact_minutes` (or never); else `on_task` when an open case is assigned to it or
holds an instruction to it (an emergency's assist); else `free`. A boat on task but silent is out of contact: that is what the duty officer
must see first.
"""

from __future__ import annotations

from typing import Any

from services.alerts.model import iso_utc
from services.cases.assist import distance_nm, eta_minutes
from services.cases.model import OPEN
from services.cases.store_api import CaseQuery
from services.web.runtime import WebRuntime


async def patrol_board(
    runtime: WebRuntime, office: str | None, lat: float | None, lon: float | None
) -> dict[str, Any]:
    cases = runtime.cases
    policy = cases.policy
    now = runtime.case_clock()
    boats = [b for b in policy.patrols if office is None or b.office == office]
    tasks: dict[int, Any] = {}
    for boat in boats:  # its most urgent open case: assigned to it, or instructing it
        query = CaseQuery(status=tuple(sorted(OPEN)), patrol_mmsi=boat.mmsi, limit=1)
        found = await cases.store.list(query)
        if found:
            tasks[boat.mmsi] = found[0]
    reports = await cases.store.last_reports([b.mmsi for b in boats])
    items = []
    for boat in boats:
        live = runtime.picture.get(boat.mmsi)
        s = live.state if live is not None else None
        heard = live.seen_at if live is not None else None
        in_contact = heard is not None and now - heard <= policy.contact_minutes * 60.0
        task = tasks.get(boat.mmsi)
        state = "out_of_contact" if not in_contact else ("on_task" if task else "free")
        report = reports.get(boat.mmsi)
        item: dict[str, Any] = {
            "mmsi": boat.mmsi,
            "name": boat.name,
            "name_en": boat.name_en,
            "office": boat.office,
            "service_speed_kn": boat.service_speed_kn,
            "lat": s.lat if s else None,
            "lon": s.lon if s else None,
            "speed": s.speed if s else None,
            "course": s.course if s else None,
            "last_seen": iso_utc(heard),
            "state": state,
            "case": None
            if task is None
            else {
                "id": task.id,
                "title": task.title,
                "status": task.status,
                "priority": task.priority,
                "deadline": iso_utc(task.deadline),
                "overdue": task.overdue(now),
            },
            "last_report": None if report is None else report.to_json(),
            "distance_nm": None,
            "eta_min": None,
        }
        if lat is not None and lon is not None and s is not None and s.lat is not None:
            d = distance_nm(lat, lon, s.lat, s.lon)  # type: ignore[arg-type]
            eta = eta_minutes(d, boat.service_speed_kn)
            item["distance_nm"] = round(d, 2)
            item["eta_min"] = None if eta is None else round(eta, 1)
        items.append(item)
    if lat is not None:
        items.sort(key=lambda i: (i["eta_min"] is None, i["eta_min"] or 0.0, i["mmsi"]))
    free = [i for i in items if i["state"] == "free" and i["eta_min"] is not None]
    return {"items": items, "count": len(items), "suggested": free[0] if free else None}
