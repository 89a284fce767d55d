"""`seagrid config check` also validates the sections the stages read from seagrid.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SMALL_CONFIG = REPO / "tests" / "gridding" / "data" / "quanzhou-small"
DEMO_CONFIG = REPO / "services" / "demo" / "config"


def _check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "config", "check", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def _with_toml(tmp_path: Path, extra: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    with (config / "seagrid.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n" + extra)
    return config


def test_the_demo_configuration_is_valid() -> None:
    result = _check(DEMO_CONFIG)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("extra", "feature", "words"),
    [
        ('[lifecycle.speeding]\nmin_duration_s = "soon"\n', "lifecycle", "min_duration_s"),
        (
            '[[channels]]\nname = "ops"\nurl = "ftp://example/hook"\n',
            "channels",
            "ftp",
        ),
        ('[[feeds]]\nname = "north"\nkind = "carrier-pigeon"\n', "feeds north", "kind"),
        ('[[feeds]]\nname = "north"\nkind = "tcp"\nhost = "127.0.0.1"\n', "feeds north", "port"),
        ("[bus]\npartitions = 0\n", "bus", "partitions must be an integer 1..64"),
        ("[bus]\nsnapshot_interval_s = 60\n", "bus", "snapshot_interval_s"),
    ],
)
def test_a_bad_section_is_reported_with_file_and_section(
    tmp_path: Path, extra: str, feature: str, words: str
) -> None:
    result = _check(_with_toml(tmp_path, extra))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith(f"seagrid.toml: feature {feature}: ")
    assert words in lines[0]


def test_a_bad_rule_threshold_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    toml = config / "seagrid.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("tolerance_kn = 1.0", "tolerance_kn = -3"),
        encoding="utf-8",
    )
    result = _check(config)
    assert result.returncode == 1
    assert result.stdout.startswith("seagrid.toml: feature rules: ")
    assert "tolerance_kn" in result.stdout


def test_every_bad_section_is_reported_at_once(tmp_path: Path) -> None:
    extra = (
        '[lifecycle.speeding]\nmin_duration_s = "soon"\n'
        '[[feeds]]\nname = "north"\nkind = "carrier-pigeon"\n'
    )
    result = _check(_with_toml(tmp_path, extra))
    assert result.returncode == 1
    assert len(result.stdout.strip().splitlines()) == 2


_WATCHLIST = '[[watchlist]]\nmmsi = 412000001\nreason = "repeat offender"\n'


@pytest.mark.parametrize(
    ("watchlist", "reason"),
    [
        # a table instead of an array of tables: once garbled into "[; [; w; a; ..."
        ("[watchlist]\nmmsi = 412000001\n", "[[watchlist]] must be an array of tables"),
        ('watchlist = "412000001"\n', "[[watchlist]] must be an array of tables"),
        (
            '[[watchlist]]\nmmsi = "412000001"\n',
            "[[watchlist]] entry 0: mmsi must be a 9-digit number",
        ),
    ],
)
def test_a_malformed_watchlist_is_reported_readably(
    tmp_path: Path, watchlist: str, reason: str
) -> None:
    config = tmp_path / "config"
    shutil.copytree(SMALL_CONFIG, config)
    toml = config / "seagrid.toml"
    text = toml.read_text(encoding="utf-8")
    assert _WATCHLIST in text
    # top of the file, so a bare key cannot land inside another table
    toml.write_text(watchlist + text.replace(_WATCHLIST, ""), encoding="utf-8")
    result = _check(config)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"seagrid.toml: feature watchlist: {reason}"]


def test_a_valid_watchlist_passes_the_check() -> None:
    assert _WATCHLIST in (SMALL_CONFIG / "seagrid.toml").read_text(encoding="utf-8")
    result = _check(SMALL_CONFIG)
    assert result.returncode == 0, result.stdout
