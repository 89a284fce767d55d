"""Digests of `seagrid replay --alerts-out/--positions-out` taken before the columnar hot path.

The hot path (batches on the in-process bus, the numpy decoder, batched rules) must not
change a single alert or accepted position. `tests/data/replay_golden.json` holds, for
every real recording, the bundled demo recording and the 12-hour simulated recording of
issue 14 (`seagrid simulate --duration 12h --seed 7`), the line count and SHA-256 of both
outputs as the per-record design wrote them (commit d94c9bc). The outputs of the 12-hour
recording are tens of MB, so digests, not files, are kept; `tests/cli/test_replay_golden.py`
replays each recording with the current code and compares.

Lines without a time of their own take their receive time (CONTRACTS §2), so the
replays here run with the wall clock fixed (`fixed_clock`): recordings without times then
give the same output on every run too.

Regenerate (only when a change of results is intended, and say why in the commit):

    .venv/bin/python -m tests.replay_golden [--real-only]
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

REPO = Path(__file__).resolve().parent.parent
SHARED_AIS = Path(os.environ.get("SEAGRID_SHARED_DIR", REPO.parent / "shared")) / "data" / "ais"
GOLDEN = REPO / "tests" / "data" / "replay_golden.json"
DEMO_RECORDING = REPO / "services" / "demo" / "recording.nmea"
SIMULATED = "simulated-12h-seed7"
SIMULATE_ARGS = ["--duration", "12h", "--seed", "7"]
RECEIVED_AT = 1_780_000_000.0  # 2026-05-28T20:26:40Z: the receive time of untimed lines


@contextmanager
def fixed_clock() -> Iterator[None]:
    """Wall-clock time stands still at RECEIVED_AT (the event loop runs on monotonic time)."""
    with patch.object(time, "time", lambda: RECEIVED_AT):
        yield


def real_recordings() -> dict[str, Path]:
    """Every recording of ../shared/data/ais and data/recordings, by a stable name."""
    found = {
        f"{p.parent.name}/{p.name}": p
        for p in sorted(SHARED_AIS.glob("*/*"))
        if p.suffix not in (".chk", ".json") and not p.name.startswith(("LICENSE", "COPYING"))
    }
    for p in sorted((REPO / "data" / "recordings").glob("*")):
        if p.suffix in (".txt", ".nmea") and not p.name.startswith(("LICENSE", "README")):
            found[f"data/{p.name}"] = p
    return found


def digest(path: Path) -> dict[str, object]:
    data = path.read_bytes()
    return {"lines": data.count(b"\n"), "sha256": hashlib.sha256(data).hexdigest()}


def replay_digests(recording: Path, workdir: Path) -> dict[str, object]:
    """Replay `recording` with the demo configuration; digests of both outputs."""
    from services.cli.main import main

    alerts, positions = workdir / "alerts.jsonl", workdir / "positions.jsonl"
    args = ["replay", str(recording), "--alerts-out", str(alerts)]
    with fixed_clock():
        code = main([*args, "--positions-out", str(positions)])
    if code != 0:
        raise RuntimeError(f"replay of {recording} exited {code}")
    return {"alerts": digest(alerts), "positions": digest(positions)}


def simulate(out: Path) -> Path:
    from services.cli.main import main

    if main(["simulate", *SIMULATE_ARGS, "--out", str(out)]) != 0:
        raise RuntimeError("seagrid simulate failed")
    return out


def main() -> int:
    real_only = "--real-only" in sys.argv[1:]
    results: dict[str, object] = json.loads(GOLDEN.read_text()) if real_only else {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources: dict[str, Path] = {**real_recordings()}
        if not real_only:
            sources["demo"] = DEMO_RECORDING
            sources[SIMULATED] = simulate(work / "simulated.nmea")
        for name, path in sources.items():
            results[name] = replay_digests(path, work)
            print(name, results[name], file=sys.stderr)  # noqa: T201
    GOLDEN.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
