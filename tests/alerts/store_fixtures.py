"""Helpers of the alert store, delivery and escalation tests: both stores, an alert factory.

Tests parametrized over STORES run against the PostgreSQL store (the real server, this
session's database, alert tables emptied per test) and the memory store.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg

from services.alerts.memory_store import MemoryAlertStore
from services.alerts.model import Alert, AlertChange, Change, alert_id, alert_key
from services.alerts.store import PgAlertStore
from services.alerts.store_api import AlertStore
from services.core import db

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
STORES = ["postgres", "memory"]
_ALERT_TABLES = "alerts, alert_aliases, alert_changes, silences, escalations, deliveries"


def make_alert(**overrides: Any) -> Alert:
    """A zone_entry alert in Shishi's waters; the id follows the key and raised_at."""
    values: dict[str, Any] = {
        "rule": "zone_entry",
        "mmsi": 412345678,
        "office": "shishi",
        "severity": "warning",
        "status": "open",
        "raised_at": T0,
        "lat": 24.7,
        "lon": 118.7,
        "zone": "restricted-1",
        "cell": "C-07",
    }
    values.update(overrides)
    if "id" not in values:
        key = alert_key(
            values["rule"], values["mmsi"], values.get("zone"), values.get("other_mmsi")
        )
        values["id"] = alert_id(key, values["raised_at"])
    return Alert(**values)


def raised(alert: Alert, at: float | None = None) -> AlertChange:
    return AlertChange(Change.RAISED.value, alert, alert.raised_at if at is None else at)


def changed(kind: Change, alert: Alert, at: float, **alert_changes: Any) -> AlertChange:
    return AlertChange(kind.value, replace(alert, **alert_changes), at)


_MIGRATED: set[str] = set()


@contextlib.asynccontextmanager
async def open_store(kind: str, pg_url: str) -> AsyncIterator[AlertStore]:
    """A fresh store of `kind` ("postgres" or "memory"): the alert tables emptied first.

    Each test module declares its own `store` fixture parametrized over STORES and calls
    this (a conftest.py here would be shared with the rule and lifecycle tests).
    """
    if kind == "memory":
        yield MemoryAlertStore()
        return
    async with pg_pool(pg_url) as pool:
        yield PgAlertStore(pool)


@contextlib.asynccontextmanager
async def pg_pool(pg_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.connect(pg_url, min_size=1, max_size=4)
    try:
        if pg_url not in _MIGRATED:
            await db.migrate(pool)
            _MIGRATED.add(pg_url)
        await pool.execute(f"TRUNCATE {_ALERT_TABLES} CASCADE")
        yield pool
    finally:
        await pool.close()
