"""`seagrid decode` as operators run it: the installed console script, real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

SEAGRID = str(Path(sys.executable).with_name("seagrid"))


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([SEAGRID, "decode", *args], input=stdin, capture_output=True, timeout=60)


def test_file_to_json_lines_with_summary(shared_ais: Path) -> None:
    done = run(str(shared_ais / "gfw-ais-tools/ee-multiline.nmea"))
    assert done.returncode == 0
    rows = [orjson.loads(x) for x in done.stdout.splitlines()]
    assert [r["msg_type"] for r in rows] == [3, 5, 1, 3, 5, 1, 1, 3]  # order of last fragment
    assert rows[1]["ts"] == "2022-08-29T14:12:49Z" and rows[1]["source"] == "66"
    assert all(r["channel"] in ("A", "B") for r in rows)
    assert b"10 lines" in done.stderr and b"messages by type: 1: 3, 3: 3, 5: 2" in done.stderr


def test_stdin_and_dash_and_rejections(shared_ais: Path) -> None:
    data = (shared_ais / "pyais/gatehouse.nmea").read_bytes()
    for args in ((), ("-",)):
        done = run(*args, stdin=data)
        assert done.returncode == 0 and len(done.stdout.splitlines()) == 4
        assert b"rejected checksum: 1" in done.stderr and b"rejected empty: 2" in done.stderr


def test_missing_file_exit_2_but_others_decoded(shared_ais: Path, tmp_path: Path) -> None:
    done = run(str(tmp_path / "missing.nmea"), str(shared_ais / "gfw-ais-tools/sample.nmea"))
    assert done.returncode == 2
    assert len(done.stdout.splitlines()) == 3
    assert b"missing.nmea: No such file or directory" in done.stderr


def test_directory_is_unreadable(tmp_path: Path) -> None:
    assert run(str(tmp_path)).returncode == 2


def test_no_dedup_in_decode(shared_ais: Path) -> None:
    path = str(shared_ais / "gfw-ais-tools/type8.nmea")
    done = run(path, path)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2
