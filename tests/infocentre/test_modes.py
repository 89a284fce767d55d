"""Modes: the API (who may switch, weather warnings switching the matching modes, history)
and a replayed scenario whose alerts change with the mode in force."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from services.cli.replay import Replay
from services.core.config import SeagridConfig
from services.core.settings import Settings
from services.core.types import CellPosition
from tests.infocentre.conftest import Clock, wait_alert
from tests.infocentre.test_watchlist import inside, iso
from tests.infocentre.test_waterworks import square
from tests.web.conftest import Env

RECORDING = Path(__file__).parents[2] / "services" / "demo" / "recording.nmea"


async def modes_now(env: Env, user: str = "op") -> dict[str, Any]:
    reply = await env.http.get("/api/modes", headers=env.auth(user))
    assert reply.status_code == 200
    return dict(reply.json())


async def test_supervisor_switches_a_mode_for_a_period(ienv: Env, clock: Clock) -> None:
    listed = await modes_now(ienv)
    assert {m["name"] for m in listed["modes"]} >= {"fog", "typhoon", "winter", "holiday"}
    assert listed["active"] == []
    body = {"mode": "holiday", "active_to": iso(clock.now + 3600), "reason": "国庆节假日"}
    assert (
        await ienv.http.post("/api/modes/activations", json=body, headers=ienv.auth("op"))
    ).status_code == 403
    reply = await ienv.http.post("/api/modes/activations", json=body, headers=ienv.auth("sup"))
    assert reply.status_code == 201, reply.text
    activation = reply.json()
    assert [a["mode"] for a in (await modes_now(ienv, "crew"))["active"]] == ["holiday"]
    stage = ienv.runtime.stages[0]
    assert stage.live_version > 0  # the alerts stage has the snapshot with it
    clock.now += 7200
    assert (await modes_now(ienv))["active"] == []  # over by itself
    clock.now -= 7200
    gone = await ienv.http.delete(
        f"/api/modes/activations/{activation['id']}", headers=ienv.auth("sup")
    )
    assert gone.status_code == 204
    assert (await modes_now(ienv))["active"] == []
    history = await ienv.http.get(
        f"/api/modes/activations/{activation['id']}/history", headers=ienv.auth("op")
    )
    assert [(h["change"], h["actor"]) for h in history.json()] == [
        ("switched_on", "sup"),
        ("switched_off", "sup"),
    ]


@pytest.mark.parametrize(
    ("warning", "expected"),
    [
        ({"kind": "visibility", "value": 500}, {"fog"}),
        ({"kind": "visibility", "value": 5000}, set()),
        ({"kind": "wind", "value": 8}, {"typhoon", "winter"}),
        ({"kind": "wind", "value": 7}, {"winter"}),
        ({"kind": "typhoon", "value": 2}, {"typhoon"}),
    ],
)
async def test_weather_warning_switches_matching_modes_for_its_area(
    ienv: Env, clock: Clock, warning: dict[str, Any], expected: set[str]
) -> None:
    body = {**warning, "area": square(118.7, 24.8, 0.2), "valid_to": iso(clock.now + 3600)}
    reply = await ienv.http.post("/api/weather", json=body, headers=ienv.auth("op"))
    assert reply.status_code == 201, reply.text
    made = reply.json()["activated"]
    assert {a["mode"] for a in made} == expected
    assert all(a["source"] == "weather" and a["area"]["type"] == "Polygon" for a in made)
    assert {a["mode"] for a in (await modes_now(ienv))["active"]} == expected


async def test_bad_switches_are_refused(ienv: Env, clock: Clock) -> None:
    unknown = {"mode": "monsoon"}
    reply = await ienv.http.post("/api/modes/activations", json=unknown, headers=ienv.auth("sup"))
    assert reply.status_code == 422 and "unknown mode" in reply.text
    backwards = {"kind": "wind", "value": 9, "valid_from": iso(clock.now + 60),
                 "valid_to": iso(clock.now)}  # fmt: skip
    reply = await ienv.http.post("/api/weather", json=backwards, headers=ienv.auth("op"))
    assert reply.status_code == 422
    assert (
        await ienv.http.post("/api/weather", json=backwards, headers=ienv.auth("shishi"))
    ).status_code == 403


async def replay_rules(config: SeagridConfig, file: Path, modes: list[str]) -> Counter[str]:
    replay = Replay(config, str(file), None, Settings())
    replay.with_modes(modes)
    await replay.run()
    return Counter(a.rule for a in replay.alerts.values())


async def test_replay_with_a_mode_gives_that_modes_alerts(
    demo_config: SeagridConfig, tmp_path: Path
) -> None:
    part = tmp_path / "part.nmea"
    with RECORDING.open() as source:
        part.write_text("".join(line for _, line in zip(range(8000), source, strict=False)))
    plain = await replay_rules(demo_config, part, [])
    fog = await replay_rules(demo_config, part, ["fog"])
    typhoon = await replay_rules(demo_config, part, ["typhoon"])
    # fog: CPA 1 nm instead of 0.5 nm, so more close-quarters situations
    assert fog["close_quarters"] > plain["close_quarters"]
    # typhoon: loitering is off, small craft outside the anchorages are flagged
    assert plain["loitering"] >= 1 and typhoon["loitering"] == 0
    assert plain["typhoon_shelter"] == 0 and typhoon["typhoon_shelter"] > 0
    assert await replay_rules(demo_config, part, ["fog"]) == fog  # same input, same alerts
    with pytest.raises(ValueError, match="unknown mode"):
        Replay(demo_config, str(part), None, Settings()).with_modes(["monsoon"])


async def test_alerts_record_the_mode_in_force_when_raised(
    ienv: Env, demo_config: SeagridConfig, clock: Clock
) -> None:
    """Switched on through the API, fog is in the raised alert's stored record and in the
    API's output, and stays there after fog is switched off."""
    cell, office, lat, lon = inside(demo_config)
    body = {"mode": "fog", "reason": "能见度不足500米"}
    reply = await ienv.http.post("/api/modes/activations", json=body, headers=ienv.auth("sup"))
    assert reply.status_code == 201, reply.text
    watched = {"mmsi": 412990009, "category": "key_vessel", "reason": "重点船舶"}
    assert (
        await ienv.http.post("/api/watchlist", json=watched, headers=ienv.auth("sup"))
    ).status_code == 201
    t0 = clock.now
    await ienv.positions(
        CellPosition(412990009, t0, lat, lon, cell, office, speed=6.0, course=90.0),
        CellPosition(412990009, t0 + 40, lat, lon, cell, office, speed=6.0, course=90.0),
    )
    stored = await wait_alert(ienv, rule="watchlist", mmsi=412990009)
    assert stored.details["modes"] == ["fog"]
    await ienv.http.delete(f"/api/modes/activations/{reply.json()['id']}", headers=ienv.auth("sup"))
    listed = (await ienv.http.get("/api/alerts", headers=ienv.auth("op"))).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    (shown,) = [a for a in items if a["id"] == stored.id]
    assert shown["details"]["modes"] == ["fog"]
