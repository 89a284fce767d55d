"""Case and instruction messages on /ws/live, to the users allowed to see them.

`{"type": "case", "change", "actor", "note", "case": {...}}` for every change of a case;
`{"type": "instruction", "change": "sent" | "acknowledged" | "escalated", "instruction":
{...}, "case": {...}}` to whoever may see the instruction, so a tablet can beep when one
for its boat arrives. Like alerts, these bypass the position tick (`Client.push_urgent`).
"""

from __future__ import annotations

from typing import Any

import orjson

from services.cases.model import Case, Instruction
from services.web.case_access import may_see, may_see_instruction
from services.web.live import Hub


def case_json(case: Case, now: float) -> dict[str, Any]:
    out = case.to_json(now)
    if case.incident is not None:
        out["assist"] = case.incident.get("assist", [])
    return out


def push_case(
    hub: Hub, case: Case, now: float, change: str, actor: str | None, note: str | None = None
) -> int:
    message = {
        "type": "case",
        "change": change,
        "actor": actor,
        "note": note,
        "case": case_json(case, now),
    }
    text = orjson.dumps(message).decode()
    sent = 0
    for client in list(hub.connected):
        if may_see(client.user, case):
            client.push_urgent(text)
            sent += 1
    return sent


def push_instruction(
    hub: Hub, instruction: Instruction, case: Case, now: float, change: str
) -> int:
    message = {
        "type": "instruction",
        "change": change,
        "instruction": instruction.to_json(now),
        "case": case_json(case, now),
    }
    text = orjson.dumps(message).decode()
    sent = 0
    for client in list(hub.connected):
        if may_see_instruction(client.user, instruction, case):
            client.push_urgent(text)
            sent += 1
    return sent
