"""Hostile input: nothing raises, and every line is counted exactly once."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.settings import IngestSettings
from services.ingest.decoder import Decoder
from services.ingest.framing import LineBuffer
from tests.ingest.helpers import nmea, read_lines, tag

SETTINGS = IngestSettings(max_line_length=200)


def _run(chunks: list[bytes]) -> None:
    buffer = LineBuffer(SETTINGS.max_line_length)
    decoder = Decoder(SETTINGS)
    lines = [line for chunk in chunks for line in buffer.feed(chunk)] + buffer.flush()
    for i, line in enumerate(lines):
        decoder.push(line, feed="f", received_at=float(i))
        if i % 7 == 0:
            decoder.expire(float(i))
    decoder.finish()
    counts = decoder.counters.feed("f")
    assert counts.lines == len(lines) and counts.pending == 0 and counts.balanced()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_random_bytes(chunks: list[bytes]) -> None:
    _run(chunks)


def _corrupt(line: bytes, data: st.DataObject) -> bytes:
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "same"]))
    if not line or kind == "same":
        return line
    i = data.draw(st.integers(0, len(line) - 1))
    if kind == "truncate":
        return line[:i]
    if kind == "flip":
        return line[:i] + bytes([data.draw(st.integers(0, 255))]) + line[i + 1 :]
    return line[:i] + data.draw(st.binary(min_size=1, max_size=5)) + line[i:]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_corrupted_real_sentences(data: st.DataObject) -> None:
    real = Path(__file__).resolve().parents[3] / "shared/data/ais/dma-aislib/small_cb_example.txt"
    base = read_lines(real) if real.exists() else [nmea("AIVDM,1,1,,A,15M6,0").encode()]
    picked = data.draw(st.lists(st.sampled_from(base), min_size=1, max_size=30))
    _run([b"\n".join(_corrupt(line, data) for line in picked)])


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="0123456789,ABGVDMIO!w:-*`@", max_size=80),
    st.text(alphabet="sgc:0123456789,-G", max_size=30),
)
def test_valid_checksums_around_random_fields(body: str, fields: str) -> None:
    # Correct checksums, so the field parsing itself is exercised on nonsense.
    _run([f"{nmea(body)}\n{tag(fields)}{nmea(body)}\n{nmea('AIVDM,' + body)}\n".encode()])


def test_huge_lines_are_too_long_and_the_rest_survives() -> None:
    good = nmea("AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0").encode()
    buffer = LineBuffer(SETTINGS.max_line_length)
    lines = buffer.feed(b"!" * 10_000 + b"\n" + good + b"\n" + b"x" * 5000) + buffer.flush()
    assert lines == [good] and buffer.too_long == 2
