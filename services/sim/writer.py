"""Sample a scenario on the AIS reporting schedule and write the recording.

Events (position and static reports of every vessel) come off one heap in time order, ties
broken by vessel and event kind, so the output is a pure function of scenario and seed.
Lines carry tag-block times in whole seconds, as the Unix `c:` field does in the wild.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from services.sim.nmea import position_message, safety_message, static_messages
from services.sim.radar import radar_lines
from services.sim.reception import Noise, Reception
from services.sim.scenario import Scenario, VesselPlan
from services.sim.schedule import SART_TEXT_INTERVAL, STATIC_INTERVAL, position_interval
from services.sim.track import AT_ANCHOR, MOORED, Track

POSITION, STATIC = 0, 1


@dataclass
class Stats:
    """What a run wrote, for the command's summary and for tests."""

    lines: int = 0
    messages: Counter[int] = field(default_factory=Counter)
    vessels: set[int] = field(default_factory=set)
    damaged: int = 0
    radar: int = 0  # radar target lines


def header(scenario: Scenario, seed: int, command: str) -> list[str]:
    start = datetime.fromtimestamp(scenario.start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        "# SIMULATED AIS TRAFFIC - NOT REAL VESSEL DATA. Every vessel, MMSI and name is invented.",
        "# Written by the seagrid traffic simulator (services/sim). Reproduce with:",
        f"#   {command}",
        f"# seed {seed}, start {start}, {int(scenario.end - scenario.start)} s, "
        f"{len(scenario.plans)} planned vessels; geography illustrative, coastline "
        "(c) OpenStreetMap contributors (ODbL).",
    ]


class _Run:
    def __init__(self, scenario: Scenario, seed: int, noise: Noise, out: TextIO) -> None:
        self.scenario = scenario
        self.rng = random.Random(f"seagrid-sim/{seed}/reception")
        self.reception = Reception(self.rng, noise)
        self.out = out
        self.stats = Stats()
        self.heap: list[tuple[float, int, int]] = []
        self.radar = _radar(scenario, seed)
        self.next_radar = next(self.radar, None)

    def schedule_first(self) -> None:
        for i, plan in enumerate(self.scenario.plans):
            first = max(plan.track.start, self.scenario.start)
            heapq.heappush(self.heap, (first + self.rng.uniform(0, 10), i, POSITION))
            heapq.heappush(self.heap, (first + self.rng.uniform(0, STATIC_INTERVAL), i, STATIC))

    def run(self) -> Stats:
        self.schedule_first()
        while self.heap:
            t, i, what = heapq.heappop(self.heap)
            if t >= self.scenario.end:
                break
            self._radar_until(t)
            nxt = self.step(t, self.scenario.plans[i], what)
            if nxt is not None:
                heapq.heappush(self.heap, (nxt, i, what))
        self._radar_until(self.scenario.end)
        self.stats.damaged = self.reception.damaged
        return self.stats

    def _radar_until(self, t: float) -> None:
        """Radar lines before `t` (whole seconds, like the AIS lines' tag blocks)."""
        while self.next_radar is not None and self.next_radar[0] < int(t):
            self._write([self.next_radar[1]])
            self.stats.radar += 1
            self.next_radar = next(self.radar, None)

    def step(self, t: float, plan: VesselPlan, what: int) -> float | None:
        """Emit one event; return when the next of its kind is due (None: vessel gone)."""
        if t >= plan.track.end:
            return None
        state = plan.track.state_at(t)
        if state is None:  # silent leg: wake up when it ends
            leg = plan.track.leg_at(t)
            return leg.t1 + self.rng.uniform(0, 2) if leg else None
        ident = plan.identity
        channel = self.rng.choice("AB")
        if what == POSITION:
            msg_type = 3 if ident.ais_class == "A" and state.status in (AT_ANCHOR, MOORED) else 1
            messages = [position_message(ident, state, int(t) % 60, channel, msg_type)]
            due = t + position_interval(ident.ais_class, state.sog, state.status)
        elif ident.kind == "sart":
            messages = [safety_message(ident, "SART ACTIVE", channel)]
            due = t + SART_TEXT_INTERVAL
        else:
            messages = static_messages(ident, channel, self._eta(t))
            due = t + STATIC_INTERVAL
        for payload, fill in messages:
            self._write(
                self.reception.lines(payload, fill, channel, int(t), (state.lon, state.lat))
            )
            self.stats.messages[_msg_type(payload)] += 1
        self.stats.vessels.add(ident.mmsi)
        return due

    def _eta(self, t: float) -> tuple[int, int, int, int]:
        eta = datetime.fromtimestamp(t + 6 * 3600, UTC)
        return eta.month, eta.day, eta.hour, 0

    def _write(self, lines: list[str]) -> None:
        for line in lines:
            self.out.write(line + "\n")
        self.stats.lines += len(lines)


def _radar(scenario: Scenario, seed: int) -> Iterator[tuple[float, str]]:
    """The scenario's radar lines: every vessel (AIS or dark, SARTs aside) to every radar."""
    if not scenario.radars:
        return iter(())
    plans = [p for p in scenario.plans if p.identity.kind != "sart"]
    tracks: list[tuple[Track, float | None]] = [(p.track, None) for p in plans]
    tracks += [(t, None) for t in scenario.dark]
    faults = [
        (i, f) for f in scenario.faults for i, p in enumerate(plans) if p.identity.mmsi == f.mmsi
    ]
    return radar_lines(
        tracks,
        scenario.radars,
        scenario.start,
        scenario.end,
        seed,
        scenario.radar_noise,
        faults=faults,
    )


def _msg_type(payload: str) -> int:
    c = ord(payload[0]) - 48
    return c - 8 if c > 40 else c


def write_recording(
    scenario: Scenario, seed: int, out: TextIO, command: str, noise: Noise | None = None
) -> Stats:
    """Write the header and every line of the recording to out."""
    for line in header(scenario, seed, command):
        out.write(line + "\n")
    return _Run(scenario, seed, noise or Noise(), out).run()
