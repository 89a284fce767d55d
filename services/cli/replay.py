"""`seagrid replay FILE`: ingest, gridding and alerts over a recording (CONTRACTS §1).

The stages are the ones `seagrid serve` runs, on the in-process bus; only the ends differ:
the input is a file feed, and what would go to the store and the map goes to files. With
`--speed max` the recording's own timestamps are the only clock, so the same input gives
the same alerts every run. This is how an operator back-tests a rule change on last month's
traffic: run it before and after, compare the per-rule summary and the `--alerts-out` files.

The run ends at the end of the input, once every stage has handled everything upstream of
it; Ctrl-C ends it early and still writes what was produced so far.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import math
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from services.alerts.model import Alert, Rule, alert_change_from_json, iso_utc
from services.alerts.thresholds import ThresholdError
from services.alerts.timing import TimingError
from services.assembly.replay import replay_stages
from services.core import topics
from services.core.bus import Bus, Delivery
from services.core.bus_memory import MemoryBus
from services.core.codec import CodecError, decode, records_of
from services.core.config import ConfigError, SeagridConfig, load_config
from services.core.runner import install_signal_handlers, run_stages
from services.core.settings import Settings
from services.core.types import CellPosition
from services.ingest.feeds import parse_speed
from services.radar.config import RadarConfigError

log = logging.getLogger(__name__)

GROUP = "replay"
# Every (topic, group) that must be empty before the next one can be, in pipeline order.
_UPSTREAM = ((topics.POSITIONS, "gridding"), (topics.STATIC, "gridding"))
_ALERTS_INPUTS = tuple(
    (t, "alerts") for t in (topics.STATIC, topics.MESSAGES, topics.CELL_POSITIONS)
) + ((topics.RADAR, "fusion"), (topics.CELL_POSITIONS, "fusion"))


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "replay",
        help="run ingest, gridding and alerts over a recording",
        description="Run the whole pipeline over an AIS recording with the recording's clock; "
        "write the alerts raised and the positions accepted; print a per-rule summary.",
    )
    parser.add_argument("file", metavar="FILE", help="AIS NMEA recording, - for stdin")
    parser.add_argument("--config", type=Path, default=None, help="configuration directory")
    parser.add_argument("--speed", default="max", help="max (default) or a factor of real time")
    parser.add_argument("--alerts-out", type=Path, help="every alert raised, as JSON Lines")
    parser.add_argument(
        "--positions-out", type=Path, help="every accepted position with cell and office"
    )
    parser.add_argument(
        "--mode",
        action="append",
        default=[],
        metavar="NAME",
        help="replay with a seasonal/weather mode in force throughout (fog, typhoon, winter, "
        "holiday or a [[modes]] name; repeatable): docs/infocentre.md",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        speed = parse_speed(args.speed)
    except ValueError as exc:
        return _fail(str(exc), 2)
    if args.file != "-" and not Path(args.file).is_file():
        return _fail(f"{args.file}: no such file", 2)
    settings = Settings()
    directory = args.config or settings.config_dir
    try:
        config = load_config(directory)
        replay = Replay(config, args.file, speed, settings, with_positions=bool(args.positions_out))
        replay.with_modes(args.mode)
    except ConfigError as exc:
        for issue in exc.errors:
            print(f"seagrid replay: {issue}", file=sys.stderr)
        return 1
    except (ThresholdError, TimingError, ValueError, RadarConfigError) as exc:
        return _fail(f"{directory}: {exc}", 1)
    try:
        with _quiet_logs(not args.verbose):
            _run_to_files(replay, args.alerts_out, args.positions_out)
    except OSError as exc:
        return _fail(str(exc), 2)
    print(replay.summary(), file=sys.stderr)
    return 2 if replay.ingest.feed_errors else 0


def _run_to_files(replay: Replay, alerts_out: Path | None, positions_out: Path | None) -> None:
    with contextlib.ExitStack() as files:
        if alerts_out:
            alerts_out.touch()  # fail now, not after an hour of replay
        if positions_out:
            replay.positions_out = files.enter_context(positions_out.open("wb"))
        with _batch_gc():
            asyncio.run(replay.run())
    if alerts_out:
        write_alerts(alerts_out, replay.alerts.values())


# Cyclic garbage collection while replaying (gc.set_threshold): a first generation of 50,000
# objects instead of 700. A replay allocates millions of short-lived records and keeps
# hundreds of thousands alive on the bus, so the default thresholds ran ~1,600 collections,
# ten of them full ones over the whole heap: 1.7 s of CPU in a 14 s replay of twelve hours,
# 0.2 s with these (docs/performance.md). Its records hold no reference cycles, so little
# waits longer to be freed.
REPLAY_GC_THRESHOLD = (50_000, 20, 10)


@contextlib.contextmanager
def _batch_gc() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*REPLAY_GC_THRESHOLD)
    try:
        yield
    finally:
        # What survived the replay sits in the young generations, hundreds of thousands of
        # objects that the next collection would go through (0.2 s): freezing and thawing
        # moves them to the oldest one at once, where only a full collection looks.
        gc.freeze()
        gc.unfreeze()
        gc.set_threshold(*before)


@contextlib.contextmanager
def _quiet_logs(quiet: bool) -> Iterator[None]:
    """Ingest and gridding log per-feed progress at INFO: the summary says it all."""
    loggers = [
        logging.getLogger(name)
        for name in ("services.ingest", "services.gridding", "services.core.runner")
    ]
    levels = [lg.level for lg in loggers]
    if quiet:
        for lg in loggers:
            lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


class Replay:
    """One replay run: the stages, the bus, and collectors for alerts and positions."""

    def __init__(
        self,
        config: SeagridConfig,
        file: str,
        speed: float | None,
        settings: Settings,
        *,
        with_positions: bool = False,
    ) -> None:
        # which stages a replay runs, and how, is the composition root's (services/assembly)
        self.stages = replay_stages(config, file, speed, settings, with_positions=with_positions)
        self.ingest, self.gridding = self.stages.ingest, self.stages.gridding
        self.alerts_stage, self.fusion = self.stages.alerts, self.stages.fusion
        self.with_positions = with_positions
        self.positions_out: IO[bytes] | None = None
        self.alerts: dict[str, Alert] = {}
        self.changes: Counter[tuple[str, str]] = Counter()  # (rule, change)
        self.accepted = 0
        self.elapsed = 0.0

    def with_modes(self, names: list[str]) -> None:
        """Modes in force for the whole replay; raises ValueError for an unknown name."""
        from services.infocentre.model import ModeActivation

        rules = self.alerts_stage.processor.rules
        specs = rules.modes.specs  # type: ignore[attr-defined]
        unknown = [n for n in names if n not in specs]
        if unknown:
            raise ValueError(f"unknown mode {unknown[0]!r} (known: {', '.join(sorted(specs))})")
        forever = (-math.inf, math.inf)
        activations = [ModeActivation(f"replay-{n}", n, *forever) for n in names]
        rules.set_modes(activations)  # type: ignore[attr-defined]

    async def run(self) -> None:
        started = time.monotonic()
        bus = MemoryBus()
        stop = asyncio.Event()  # Ctrl-C: everything stops where it is
        install_signal_handlers(stop)
        try:
            await self._run(bus, stop)
        finally:
            await bus.close()
            self.elapsed = time.monotonic() - started

    async def _run(self, bus: Bus, stop: asyncio.Event) -> None:
        # Groups exist before the first record, so nothing is trimmed before it is read.
        for topic, group in (*_UPSTREAM, *_ALERTS_INPUTS, (topics.ALERTS, GROUP)):
            await bus.ensure_group(topic, group)
        if self.with_positions:
            await bus.ensure_group(topics.ACCEPTED_POSITIONS, GROUP)
        pipeline_done = asyncio.Event()
        collectors = [_collect(bus, topics.ALERTS, self._on_alerts, pipeline_done)]
        if self.with_positions:
            collectors.append(
                _collect(bus, topics.ACCEPTED_POSITIONS, self._on_positions, pipeline_done)
            )
        async with asyncio.TaskGroup() as tasks:
            for collector in collectors:
                tasks.create_task(collector)
            tasks.create_task(self._pipeline(bus, stop, pipeline_done))

    async def _pipeline(self, bus: Bus, stop: asyncio.Event, done: asyncio.Event) -> None:
        """Ingest to the end of input, then let each later stage drain before stopping it."""
        stages_stop = asyncio.Event()
        drain = asyncio.create_task(self._drain(bus, stop, stages_stop))
        try:
            await run_stages(self.stages.all(), bus, stages_stop)
        finally:
            drain.cancel()
            done.set()

    async def _drain(self, bus: Bus, stop: asyncio.Event, stages_stop: asyncio.Event) -> None:
        interrupted = asyncio.create_task(stop.wait())
        finished = asyncio.create_task(self.ingest.done.wait())
        await asyncio.wait({interrupted, finished}, return_when=asyncio.FIRST_COMPLETED)
        interrupted.cancel()
        if not stop.is_set():
            if not await _quiet(bus, (*_UPSTREAM, *_ALERTS_INPUTS), stop):
                log.info("replay interrupted")
        stages_stop.set()

    async def _on_alerts(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            change = alert_change_from_json(decode(delivery.payload))
            self.alerts[change.alert.id] = change.alert
            self.changes[(change.alert.rule, change.change)] += 1

    async def _on_positions(self, batch: list[Delivery]) -> None:
        lines = [
            orjson.dumps(position_json(p), option=orjson.OPT_APPEND_NEWLINE)
            for p in records_of(batch, CellPosition, _undecodable)
        ]
        self.accepted += len(lines)
        if self.positions_out is not None:
            self.positions_out.write(b"".join(lines))

    def summary(self) -> str:
        """The ingest summary, then alerts per rule (raised, cleared, still open)."""
        stats = self.alerts_stage.processor.counters
        lines = [
            f"replay: {self.ingest.summary_line()}; {self.elapsed:.1f} s",
            f"replay: {stats['positions']} positions through the rules, "
            f"{stats['rejected']} rejected as position jumps",
            "",
            f"{'rule':<22}{'raised':>8}{'cleared':>9}{'open':>7}",
        ]
        raised = Counter(a.rule for a in self.alerts.values())
        cleared = Counter(a.rule for a in self.alerts.values() if a.cleared_at is not None)
        for rule in Rule:
            lines.append(
                f"{rule.value:<22}{raised[rule]:>8}{cleared[rule]:>9}"
                f"{raised[rule] - cleared[rule]:>7}"
            )
        total = sum(raised.values())
        lines.append(
            f"{'total':<22}{total:>8}{sum(cleared.values()):>9}{total - sum(cleared.values()):>7}"
        )
        return "\n".join(lines)


async def _quiet(bus: Bus, pairs: tuple[tuple[str, str], ...], stop: asyncio.Event) -> bool:
    """Wait until every (topic, group) has nothing unread or unacknowledged, twice in a row
    (a stage may publish downstream between two checks). False when interrupted."""
    calm = 0
    while calm < 2:
        if stop.is_set():
            return False
        busy = False
        for topic, group in pairs:
            if await bus.lag(topic, group) or await bus.pending(topic, group):
                busy = True
                break
        calm = 0 if busy else calm + 1
        await asyncio.sleep(0.005 if busy else 0.02)
    return True


async def _collect(
    bus: Bus, topic: str, handler: Callable[[list[Delivery]], Awaitable[None]], done: asyncio.Event
) -> None:
    """Read `topic` while the pipeline runs, then to its end."""
    while True:
        batch = await bus.read(topic, GROUP, "replay-1", count=4096, block=0.05)
        if batch:
            await handler(batch)
            await bus.ack(topic, GROUP, [d.id for d in batch])
        elif done.is_set() and not await bus.lag(topic, GROUP):
            return


def _undecodable(delivery: Delivery, exc: CodecError) -> None:
    raise CodecError(f"accepted position {delivery.id}: {exc}")


def position_json(p: CellPosition) -> dict[str, Any]:
    """The CONTRACTS §1 `--positions-out` object."""
    return {
        "mmsi": p.mmsi,
        "ts": iso_utc(p.ts),
        "lat": p.lat,
        "lon": p.lon,
        "speed": p.speed,
        "course": p.course,
        "cell": p.cell,
        "office": p.office,
    }


def write_alerts(path: Path, alerts: Any) -> None:
    """Every alert raised, in its final state, in raising order (an empty file when none)."""
    ordered = sorted(alerts, key=lambda a: (a.raised_at, a.rule, a.mmsi or 0, a.id))
    with path.open("wb") as fh:
        for alert in ordered:
            fh.write(orjson.dumps(alert.to_json(), option=orjson.OPT_APPEND_NEWLINE))


def _fail(message: str, code: int) -> int:
    print(f"seagrid replay: {message}", file=sys.stderr)
    return code
