"""Radar-only alerts in both stores: no MMSI, the radar track kept, one open per track
(migration 0022: nullable mmsi, the track in the generated subject, NULLS NOT DISTINCT)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.alerts.model import Alert, Change, alert_id, alert_key
from services.alerts.store_api import AlertQuery, AlertStore
from tests.alerts.store_fixtures import STORES, T0, changed, make_alert, open_store, raised


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[AlertStore]:
    async with open_store(request.param, pg_url) as opened:
        yield opened


def radar_alert(target: int, raised_at: float = T0, **kw: Any) -> Alert:
    track = {"radar": "vts-weitou", "target": target}
    key = alert_key("radar_only", None, None, None, track)
    return make_alert(
        rule="radar_only", mmsi=None, zone=None, track=track, raised_at=raised_at,
        id=alert_id(key, raised_at), **kw,
    )  # fmt: skip


async def test_radar_only_alert_keeps_its_track_and_has_no_mmsi(store: AlertStore) -> None:
    first = radar_alert(13)
    assert (await store.apply(raised(first))).outcome == "applied"
    stored = await store.get(first.id)
    assert stored == first and stored is not None
    assert stored.to_json()["mmsi"] is None
    assert stored.to_json()["track"] == {"radar": "vts-weitou", "target": 13}


async def test_one_open_radar_only_alert_per_track(store: AlertStore) -> None:
    first = radar_alert(13)
    await store.apply(raised(first))
    again = await store.apply(raised(radar_alert(13, raised_at=T0 + 120, lat=24.71)))
    other = await store.apply(raised(radar_alert(14)))
    assert (again.outcome, again.alert.id, other.outcome) == ("merged", first.id, "applied")
    await store.apply(changed(Change.CLEARED, first, T0 + 600, cleared_at=T0 + 600))
    later = await store.apply(raised(radar_alert(13, raised_at=T0 + 900)))
    assert later.outcome == "applied"
    listed = (await store.list(AlertQuery(rule="radar_only"))).items
    assert sorted(a.track["target"] for a in listed if a.track) == [13, 13, 14]
