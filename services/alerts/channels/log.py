"""`log://[LEVEL]`: alerts as log lines (logger `seagrid.alerts.delivery`).

The channel that always works: with no other channel configured, alerts still reach the
operators' log collection. `log://warning` logs at WARNING (default INFO).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from services.alerts.channels.base import SendResult

_log = logging.getLogger("seagrid.alerts.delivery")


class LogChannel:
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        level = url.split("://", 1)[1].strip("/") or "info"
        number = logging.getLevelName(level.upper())
        if not isinstance(number, int):
            raise ValueError(f"channel {name}: unknown log level {level!r} in {url!r}")
        self.level = number

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        _log.log(self.level, "alert %s %s", idempotency_key, orjson.dumps(payload).decode())
        return SendResult(ok=True)

    async def close(self) -> None:
        return None
