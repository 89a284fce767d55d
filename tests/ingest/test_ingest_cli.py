"""`seagrid ingest` on the bundled and the shared real recordings."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.cli.main import main

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "recordings" / "exact-earth-augmented-3.txt"


def test_table_of_the_bundled_recording(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(BUNDLED)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Vessel picture: 352 vessels of 378 stations heard")
    assert out[2].split() == [
        "MMSI", "name", "call", "sign", "type", "lat", "lon", "SOG", "COG", "last", "report", "class"
    ]  # fmt: skip
    rows = [line for line in out[4:] if line[:9].strip().isdigit()]
    assert len(rows) == 40
    mmsis = [int(r.split()[0]) for r in rows]
    assert mmsis == sorted(mmsis)
    villach = next(r for r in rows if r.split()[0] == "209439000")
    assert "MCP VILLACH" in villach and "5BKJ2" in villach and "Cargo" in villach
    assert villach.rstrip().endswith("A")
    assert "... and 312 more (--limit 0 shows all)" in out
    assert any(line.startswith("exact-earth-augmented-3.txt: 7672 lines") for line in out)
    assert "published: 2858 positions, 1157 static reports, 18 safety messages" in out


def test_limit_sort_and_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(BUNDLED), "--limit", "3", "--sort", "last", "--all"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Vessel picture: 378 vessels (352 with a position")
    rows = out[4:7]
    times = [" ".join(r.split()[-3:-1]) for r in rows]
    assert times == sorted(times, reverse=True)
    assert out[7] == "... and 375 more (--limit 0 shows all)"


def test_json(capsys: pytest.CaptureFixture[str], shared_ais: Path) -> None:
    sample = shared_ais / "gfw-ais-tools" / "sample.nmea"
    assert main(["ingest", str(sample), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (vessel,) = data["vessels"]
    # class B position (18) with name from 24A and call sign/type from 24B
    assert vessel["mmsi"] == 985200250 and vessel["ais_class"] == "B"
    assert vessel["shipname"] and vessel["callsign"] and vessel["ship_type"]
    assert vessel["source"] == "sdr-experiments"
    assert data["counters"]["sample.nmea"]["lines"] == 3
    assert data["published"]["seagrid.positions"] == 1
    assert data["published"]["seagrid.static"] == 2


def test_missing_file_and_bad_speed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["ingest", str(tmp_path / "nope.nmea")]) == 2
    assert "nope.nmea: no such file" in capsys.readouterr().err
    assert main(["ingest", str(BUNDLED), "--speed", "fast"]) == 2
    assert "speed must be 'max' or a positive number" in capsys.readouterr().err


def test_speed_factor(capsys: pytest.CaptureFixture[str], shared_ais: Path) -> None:
    replay = shared_ais / "dma-aislib" / "replay_dump.txt"  # 21.4 s of $PGHP time
    started = time.monotonic()
    assert main(["ingest", str(replay), "--speed", "40", "--json"]) == 0
    elapsed = time.monotonic() - started
    assert 0.45 < elapsed < 2.0
    assert len(json.loads(capsys.readouterr().out)["vessels"]) > 20


def test_stdin(shared_ais: Path) -> None:
    sample = shared_ais / "gfw-ais-tools" / "sample.nmea"
    with sample.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "ingest", "-", "--json"],
            stdin=stdin,
            capture_output=True,
            cwd=REPO,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [v["mmsi"] for v in data["vessels"]] == [985200250]
    assert data["counters"]["stdin"]["lines"] == 3
