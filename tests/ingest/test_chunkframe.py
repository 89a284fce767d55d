"""Chunk framing (services/ingest/chunkframe.py) against `parse_line`, line by line.

Whatever the short cut takes it must frame exactly as `parse_line` does (the same Sentence,
field for field); whatever it leaves, `parse_line` decides. Checked on every line of every
recording, on generated lines with damaged checksums, odd spacing, tag blocks and prefixes of
every kind, and through the decoder: the same messages and the same counters as line by line.
"""

from __future__ import annotations

from functools import reduce
from operator import xor
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.settings import IngestSettings
from services.ingest.chunkframe import frame, position_report, scan, sentence_checksums
from services.ingest.decoder import Decoder
from services.ingest.fastdecode import fast_length
from services.ingest.framing import CHANNELS, Sentence, parse_line
from services.ingest.records import to_records
from tests.ingest.helpers import read_lines
from tests.replay_golden import DEMO_RECORDING, real_recordings


def framed_as_parse_line(lines: list[bytes]) -> int:
    """Assert the short cuts agree with parse_line on `lines`; how many `frame` took."""
    taken = 0
    checked, common = scan(lines)
    assert checked == sentence_checksums(lines)
    for line, good, at in zip(lines, checked, common, strict=True):
        if at >= 0:
            plain_report_as_parse_line(line, at)
        framed = frame(line) if good else None
        if framed is None:
            continue
        taken += 1
        assert Sentence(*framed) == parse_line(line), line
    return taken


def plain_report_as_parse_line(line: bytes, at: int) -> None:
    """A plain position report `scan` found: what the decoder takes of it is parse_line's."""
    lead = position_report(line, at)
    if lead is None:
        return
    s = parse_line(line)
    assert type(s) is Sentence, line
    assert (s.frag_cnt, s.group, s.fill_bits, s.trailing_ts) == (1, None, 0, None), line
    assert fast_length(s.payload, s.fill_bits), line
    assert lead == (s.ts, s.source), line
    assert line[at + 14 : at + 42] == s.payload, line
    assert (CHANNELS[line[at + 12 : at + 13]], line[at + 5] == 0x4F) == (s.channel, s.own)


def test_every_recorded_line_frames_as_parse_line_does(shared_ais: Path) -> None:
    sentences = taken = plain = 0
    assert shared_ais.is_dir()
    for path in [*real_recordings().values(), DEMO_RECORDING]:
        lines = read_lines(path)
        sentences += sum(type(parse_line(line)) is Sentence for line in lines)
        taken += framed_as_parse_line(lines)
        common = scan(lines)[1]
        plain += sum(
            at >= 0 and position_report(line, at) is not None
            for line, at in zip(lines, common, strict=True)
        )
    assert taken > 0.99 * sentences  # the short cut is the usual way for AIS sentences
    assert plain > 0.3 * sentences


def test_checksums_of_a_chunk() -> None:
    good = sentence("AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0")
    bad = good[:-2] + (b"00" if good[-2:] != b"00" else b"11")
    lower = good[:-2] + good[-2:].lower()
    assert sentence_checksums([]) == []
    assert sentence_checksums([good, bad, b"", b"*!", b"!x*", lower, good + b",1"]) == [
        True,
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert sentence_checksums([b"no sentence here"]) == [False]


def sentence(body: str) -> bytes:
    return f"!{body}*{reduce(xor, body.encode(), 0):02X}".encode()


def tag(fields: str) -> str:
    return f"\\{fields}*{reduce(xor, fields.encode(), 0):02X}\\"


PAYLOADS = st.sampled_from(
    [
        "15M67FC000G?ufbE`FepT@3n00Sa",
        "B52K>;h00Fc>jpUlNV@ikwpUoP06",
        "K8VSqb9LdU28WP8p",
        "55?t0002:AQ3<HIK<01<5<4q5D40000000000016:0j??4VcNA?RT85BhP0000000000000",
        "",
        "15M67FC000G?ufbE`Fe~T@3n00Sa",
    ]
)
HEADS = st.sampled_from(
    [
        "",
        "1700000000 ",
        "1700000000.25\t",
        "1700000000123,",
        "5000000000;",
        "17000.;",
        "  ",
        tag("s:rx1,c:1700000000"),
        tag("c:1700000000,s:a!b"),
        tag("g:1-2-42,s:rx2"),
        tag("c:99999999999999999999999"),
        tag("s:rx1")[:-2] + "0\\",
        "\\unterminated",
    ]
)


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    cnt, num = draw(st.sampled_from([("1", "1"), ("2", "1"), ("2", "2"), ("1", "2"), ("0", "1")]))
    talker = draw(st.sampled_from(["AI", "AB", "ai", "A1"]))
    kind = draw(st.sampled_from(["VDM", "VDO", "VDX"]))
    seq = draw(st.sampled_from(["", "3", "12"]))
    channel = draw(st.sampled_from(["", "A", "B", "1", "2", "C"]))
    fill = draw(st.sampled_from(["0", "2", "5", "6"]))
    body = f"{talker}{kind},{cnt},{num},{seq},{channel},{draw(PAYLOADS)},{fill}"
    line = draw(HEADS).encode() + sentence(body)
    damage = draw(st.sampled_from(["", "checksum", "lower", "trail", "trail-ms", "space", "junk"]))
    if damage == "checksum":
        line = line[:-1] + (b"0" if line[-1:] != b"0" else b"1")
    elif damage == "lower":
        line = line[:-2] + line[-2:].lower()
    elif damage == "trail":
        line += b",1700000001"
    elif damage == "trail-ms":
        line += b",x,1700000001500"
    elif damage == "space":
        line += b" "
    elif damage == "junk":
        line += b"'"
    return line


@st.composite
def plain_lines(draw: st.DrawFn) -> bytes:
    """Lines of the plain position report shape, after every kind of head, some damaged."""
    talker = draw(st.sampled_from(["AI", "AB", "ai"]))
    kind = draw(st.sampled_from(["VDM", "VDO"]))
    channel = draw(st.sampled_from(["A", "B", "1", "2"]))
    payload = draw(
        st.sampled_from(["15M67FC000G?ufbE`FepT@3n00Sa", "B52K>;h00Fc>jpUlNV@ikwpUoP06"])
    )
    line = draw(HEADS).encode() + sentence(f"{talker}{kind},1,1,,{channel},{payload},0")
    damage = draw(st.sampled_from(["", "", "checksum", "lower", "trail", "space"]))
    if damage == "checksum":
        line = line[:-1] + (b"0" if line[-1:] != b"0" else b"1")
    elif damage == "lower":
        line = line[:-2] + line[-2:].lower()
    elif damage == "trail":
        line += b",1700000001"
    elif damage == "space":
        line += b" "
    return line


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(lines(), plain_lines()), min_size=1, max_size=20))
def test_generated_lines_frame_as_parse_line_does(batch: list[bytes]) -> None:
    framed_as_parse_line(batch)


def outcome(decoder: Decoder, lines: list[bytes], batch: bool) -> list[object]:
    if batch:
        messages = decoder.push_lines(lines, feed="f", received_at=5.0)
    else:
        messages = [m for line in lines for m in decoder.push(line, feed="f", received_at=5.0)]
    return [(m.payload, m.ts, m.source, m.channel, m.own, to_records(m, "f")) for m in messages]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(lines(), plain_lines()), max_size=30))
def test_decoder_gives_what_line_by_line_gives(batch: list[bytes]) -> None:
    one, many = Decoder(IngestSettings()), Decoder(IngestSettings())
    assert outcome(many, batch, True) == outcome(one, batch, False)
    one.finish()
    many.finish()
    assert many.counters.as_dict() == one.counters.as_dict()
