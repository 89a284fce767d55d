"""The demo's loop seam: `seagrid serve --demo` plays the recording again and again
(services/web/demo.py, `DemoFeed`), each loop's times shifted by the recording's length.

A loopable demo raises nothing at the seam that the recording does not raise in its own
first minutes: no vessel jumps back to where the recording starts. The bundled recording is
written loopable (`seagrid simulate --loop`, docs/demo.md "The loop"): every track folded
onto the period, the persistent traffic periodic. This test replays two loops exactly as
the feed sends them, at full speed (about 20 s), and compares the first 15 min of the second
loop with the first 15 min of the first: no rule may raise more (no tolerance is needed).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import orjson
import pytest

from services.assembly.demo_feed import DemoFeed, load_recording, shifted
from services.cli.main import main

SEAM_WINDOW = 900.0  # the first 15 min of a loop


def _raised(alert: dict) -> float:
    return datetime.fromisoformat(alert["raised_at"].replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
def two_loops(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], float, float]:
    """Alerts of two consecutive loops; the first loop's start and the loop's length."""
    lines = load_recording()
    feed = DemoFeed(lines)
    folder = tmp_path_factory.mktemp("loop")
    recording, out = folder / "two-loops.nmea", folder / "alerts.jsonl"
    with recording.open("wb") as f:
        for loop in range(2):
            f.writelines(shifted(line, loop * feed.length) + b"\n" for line in lines)
    assert main(["replay", str(recording), "--speed", "max", "--alerts-out", str(out)]) == 0
    alerts = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    return alerts, feed.start, feed.length


def test_the_seam_raises_no_more_than_the_recording_starts_with(
    two_loops: tuple[list[dict], float, float],
) -> None:
    alerts, start, length = two_loops

    def opening(offset: float) -> Counter[str]:
        lo = start + offset
        return Counter(a["rule"] for a in alerts if lo <= _raised(a) < lo + SEAM_WINDOW)

    first, second = opening(0.0), opening(length)
    extra = second - first
    assert not extra, f"the seam raises {dict(extra)} more than the recording's opening"
