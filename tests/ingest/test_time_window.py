"""Times a line carries must be sane: an absurd tag block, prefix or `$PGHP` time rejects
that line as `bad_time` and nothing else (the decoder, `seagrid decode` and `seagrid replay`
go on with the lines around it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from services.cli.main import main
from services.ingest.counters import BAD_TIME
from services.ingest.tagblock import LATEST
from tests.ingest.helpers import decode_lines, nmea, tag

SEAGRID = str(Path(sys.executable).with_name("seagrid"))
REPO = Path(__file__).resolve().parents[2]
SENTENCE = "!AIVDM,1,1,,B,169HjCo004`PQTj>:Gjd=gv1P000,0*4E"
GOOD = f"{tag('c:1700000000')}{SENTENCE}".encode()
ABSURD = [
    f"{tag('c:' + '9' * 30)}{SENTENCE}",  # OverflowError in iso_utc before
    f"{tag('c:' + '9' * 20)}{SENTENCE}",  # OSError: decode exited 2 before
    f"{tag('c:' + '9' * 12)}{SENTENCE}",  # year 33658: replay's alerts crashed before
    f"{tag('c:4102444801')}{SENTENCE}",  # just past 2100
    f"{tag('s:rx,c:' + '9' * 12)}",  # a tag block alone: the time of the next sentence
    f"99999999999 {SENTENCE}",  # epoch prefix
    f"{'9' * 400};{SENTENCE}",  # a prefix too long to be worth float()
    nmea("PGHP,1,9999,12,31,23,59,59,999,,,,", "$"),  # Gatehouse wrapper in year 9999
]


@pytest.mark.parametrize("line", ABSURD)
def test_absurd_time_rejects_the_line_only(line: str) -> None:
    messages, decoder = decode_lines([GOOD, line.encode(), GOOD])
    counts = decoder.counters.feed("test")
    assert counts.rejected == {BAD_TIME: 1} and counts.balanced()
    assert [m.fields["ts"] for m in messages] == ["2023-11-14T22:13:20Z"] * 2


def test_trailing_time_out_of_range_is_ignored_like_junk() -> None:
    line = f"{SENTENCE},9999999999999".encode()  # 13 digits of ms: year 2286
    messages, decoder = decode_lines([line])
    assert messages[0].ts is None and decoder.counters.feed("test").accepted == 1
    assert LATEST < 9999999999.999


def test_decode_cli_goes_on_past_absurd_times(tmp_path: Path) -> None:
    path = tmp_path / "hostile.nmea"
    path.write_bytes(b"\n".join([GOOD, *(x.encode() for x in ABSURD), GOOD]) + b"\n")
    done = subprocess.run([SEAGRID, "decode", str(path)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert f"rejected bad_time: {len(ABSURD)}".encode() in done.stderr


def test_decode_into_a_closed_pipe_exits_0() -> None:
    """`seagrid decode FILE | head -1`: a reader that has all it wants is not a read error."""
    recording = REPO / "services" / "demo" / "recording.nmea"
    done = subprocess.run(
        f"'{SEAGRID}' decode '{recording}' | head -1; echo \"status=${{PIPESTATUS[0]}}\"",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        timeout=60,
    )
    first, status = done.stdout.splitlines()
    assert orjson.loads(first)["msg_type"] in (1, 2, 3, 5, 18, 24)
    assert status == b"status=0", done.stderr
    assert b"Broken pipe" not in done.stderr and b"Traceback" not in done.stderr


def test_replay_survives_an_absurd_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A year-33658 line in the middle of the demo recording crashed the alerts stage."""
    demo = (REPO / "services" / "demo" / "recording.nmea").read_bytes().splitlines()[:6000]
    clean, hostile = tmp_path / "clean.nmea", tmp_path / "hostile.nmea"
    clean.write_bytes(b"\n".join(demo) + b"\n")
    hostile.write_bytes(b"\n".join([*demo[:5000], ABSURD[2].encode(), *demo[5000:]]) + b"\n")
    outs = []
    for path in (clean, hostile):
        out = tmp_path / f"{path.stem}.alerts.jsonl"
        assert main(["replay", str(path), "--speed", "max", "--alerts-out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert "Traceback" not in capsys.readouterr().err
    assert outs[0] == outs[1] and outs[0]  # the same alerts, as if the line were not there
