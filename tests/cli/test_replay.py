"""`seagrid replay` (CONTRACTS §1) on the real recordings and the simulated demo recording."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from services.alerts.model import Rule
from services.cli.main import main
from services.core.settings import DEMO_CONFIG_DIR

REPO = Path(__file__).resolve().parents[2]
DEMO_RECORDING = REPO / "services" / "demo" / "recording.nmea"
ALERT_KEYS = {
    "id", "rule", "mmsi", "other_mmsi", "zone", "cell", "office", "severity", "status",
    "raised_at", "cleared_at", "lat", "lon", "details",
}  # fmt: skip
POSITION_KEYS = {"mmsi", "ts", "lat", "lon", "speed", "course", "cell", "office"}
RECORDINGS = sorted(
    f"{p.parent.name}/{p.name}"
    for p in (REPO.parent / "shared" / "data" / "ais").glob("*/*")
    if p.suffix not in (".chk", ".json") and not p.name.startswith(("LICENSE", "COPYING"))
)


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize("name", RECORDINGS)
def test_real_recordings_replay_clean(
    name: str, shared_ais: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts_out, positions_out = tmp_path / "alerts.jsonl", tmp_path / "positions.jsonl"
    args = ["replay", str(shared_ais / name), "--alerts-out", str(alerts_out)]
    assert main([*args, "--positions-out", str(positions_out)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for rule in Rule:
        assert rule.value in err  # the per-rule summary names every rule
    for alert in lines(alerts_out):
        assert set(alert) == ALERT_KEYS and alert["rule"] in set(Rule)
        # these waters are far from Quanzhou: outside every cell, so to the centre
        assert alert["cell"] is None and alert["office"] == "qz-centre"
    for position in lines(positions_out):
        assert set(position) == POSITION_KEYS and position["ts"].endswith("Z")
        assert position["cell"] is None and position["office"] is None


def test_generated_grid_over_real_waters(shared_ais: Path, tmp_path: Path) -> None:
    """The Øresund recording (DMA) over a 2 nm grid of its own: cells, offices, positions."""
    config = tmp_path / "oresund"
    config.mkdir()
    (config / "seagrid.toml").write_text(
        '[centre]\nid = "dk-centre"\nname = "centre"\n\n'
        '[[offices]]\nid = "sound"\nname = "Sound office"\n'
    )
    (config / "zones.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    grid = ["grid", "make", "--bbox", "12.4,55.4,13.1,56.1", "--step", "2nm"]
    assert main([*grid, "--office-default", "sound", "--out", str(config / "grid.geojson")]) == 0
    recording = shared_ais / "dma-aislib" / "decode_encode_messages.txt"
    out = tmp_path / "positions.jsonl"
    args = ["replay", str(recording), "--config", str(config), "--positions-out", str(out)]
    assert main(args) == 0
    positions = lines(out)
    inside = [p for p in positions if p["cell"] is not None]
    assert len(inside) > 300 and {p["office"] for p in inside} == {"sound"}
    assert len({p["cell"] for p in inside}) > 10
    for p in positions:
        within = 12.4 <= p["lon"] <= 13.1 and 55.4 <= p["lat"] <= 56.1
        assert (p["cell"] is not None) == within


def test_demo_recording_is_deterministic(tmp_path: Path) -> None:
    """The first 20 minutes of the demo recording, twice: the same bytes out."""
    head = tmp_path / "demo-head.nmea"
    with DEMO_RECORDING.open("rb") as src:
        head.write_bytes(b"".join(line for _, line in zip(range(10_000), src, strict=False)))
    outputs = []
    for run in (1, 2):
        alerts, positions = tmp_path / f"a{run}.jsonl", tmp_path / f"p{run}.jsonl"
        args = ["replay", str(head), "--alerts-out", str(alerts), "--positions-out", str(positions)]
        assert main(args) == 0
        outputs.append((alerts.read_bytes(), positions.read_bytes()))
    assert outputs[0] == outputs[1]
    alerts = [json.loads(line) for line in outputs[0][0].splitlines()]
    assert alerts and {a["office"] for a in alerts} <= {"qz-centre"} | {o["id"] for o in _offices()}
    assert all(a["cell"] is not None or a["office"] == "qz-centre" for a in alerts)


def _offices() -> list[dict]:
    import tomllib

    return tomllib.loads((DEMO_CONFIG_DIR / "seagrid.toml").read_text())["offices"]


def test_alerts_out_is_an_empty_file_when_nothing_is_raised(
    shared_ais: Path, tmp_path: Path
) -> None:
    out = tmp_path / "alerts.jsonl"
    assert main(["replay", str(shared_ais / "gpsd" / "ait250.log"), "--alerts-out", str(out)]) == 0
    assert out.exists() and out.read_bytes() == b""


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--speed", "fast"], 2, "speed must be"),
        (["--alerts-out", "/nonexistent-dir/alerts.jsonl"], 2, "nonexistent-dir"),
    ],
)
def test_bad_arguments(
    extra: list[str],
    code: int,
    message: str,
    shared_ais: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["replay", str(shared_ais / "gpsd" / "ait250.log"), *extra]) == code
    assert message in capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "nope.nmea")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_rule_settings_fail_at_start(
    tmp_path: Path, shared_ais: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    for name in ("grid.geojson", "zones.geojson"):
        (config / name).write_bytes((DEMO_CONFIG_DIR / name).read_bytes())
    toml = (DEMO_CONFIG_DIR / "seagrid.toml").read_text()
    (config / "seagrid.toml").write_text(toml + "\n[lifecycle.speeding]\nmin_duration = 5\n")
    recording = shared_ais / "gpsd" / "ait250.log"
    assert main(["replay", str(recording), "--config", str(config)]) == 1
    assert "min_duration" in capsys.readouterr().err


def test_replay_gc_thresholds_apply_while_replaying_only() -> None:
    import gc

    from services.cli.replay import REPLAY_GC_THRESHOLD, _batch_gc

    before = gc.get_threshold()
    garbage: list[object] = []
    garbage.append(garbage)  # a reference cycle: only the cyclic collector frees it
    with _batch_gc():
        assert gc.get_threshold() == REPLAY_GC_THRESHOLD
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # moved to the oldest generation, not left frozen
    del garbage
    assert gc.collect() >= 1  # so the cycle is still found
