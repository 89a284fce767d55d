from __future__ import annotations

import pytest

from services.ingest.framing import Clock, LineBuffer, Rejected, Sentence, line_time, parse_line
from tests.ingest.helpers import nmea, tag

POS = nmea("AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0")


def test_lines_split_across_reads_and_crlf() -> None:
    buffer = LineBuffer(100)
    assert buffer.feed(b"ab") == []
    assert buffer.feed(b"c\r\nde") == [b"abc"]
    assert buffer.feed(b"f\n\ng") == [b"def", b""]
    assert buffer.flush() == [b"g"]
    assert buffer.flush() == []


def test_overlong_lines_are_dropped_and_counted_with_bounded_memory() -> None:
    buffer = LineBuffer(10)
    assert buffer.feed(b"x" * 25) == []
    assert len(buffer._partial) <= 10  # the partial line is not kept growing
    assert buffer.feed(b"x" * 25 + b"\nok\n" + b"y" * 11 + b"\nfine") == [b"ok"]
    assert buffer.too_long == 2
    assert buffer.flush() == [b"fine"]


def test_overlong_last_line_at_eof_is_counted() -> None:
    buffer = LineBuffer(4)
    buffer.feed(b"123456789")
    assert buffer.flush() == [] and buffer.too_long == 1


def test_plain_sentence() -> None:
    s = parse_line(POS.encode())
    assert isinstance(s, Sentence)
    assert (s.talker, s.own, s.frag_cnt, s.channel, s.fill_bits) == (b"AI", False, 1, "B", 0)
    assert s.ts is None and s.source is None


def test_bad_sentence_checksum() -> None:
    assert parse_line(POS[:-2].encode() + b"00") == Rejected("checksum")


def test_tag_block_source_time_and_ms() -> None:
    s = parse_line(f"{tag('s:rx1,c:1700000000')}{POS}".encode())
    assert isinstance(s, Sentence) and (s.source, s.ts) == ("rx1", 1700000000.0)
    s = parse_line(f"{tag('c:1599239526500,s:sdr,T:2020-09-04 18.12.06')}{POS}".encode())
    assert isinstance(s, Sentence) and s.ts == pytest.approx(1599239526.5)


def test_tag_block_with_wrong_checksum_rejects_the_line() -> None:
    line = "\\c:1420030798*00\\" + POS
    assert parse_line(line.encode()).reason == "checksum"  # type: ignore[union-attr]


def test_tag_block_groups_both_styles() -> None:
    s = parse_line(f"{tag('g:2-3-77')}{POS}".encode())
    assert isinstance(s, Sentence) and s.group is not None
    assert (s.group.num, s.group.total, s.group.gid) == (2, 3, "77")
    s = parse_line(f"{tag('1G2:0125,c:1354719387')}{POS}".encode())
    assert isinstance(s, Sentence) and s.group is not None and s.group.total == 2


@pytest.mark.parametrize("fields", ["c:abc", "g:1-x-3", "g:3-2-1"])
def test_bad_tag_block_fields_are_framing(fields: str) -> None:
    assert parse_line(f"{tag(fields)}{POS}".encode()).reason == "framing"  # type: ignore[union-attr]


@pytest.mark.parametrize("sep", [" ", ",", ";", "\t"])
def test_epoch_prefix(sep: str) -> None:
    s = parse_line(f"1700000000.25{sep}{POS}".encode())
    assert isinstance(s, Sentence) and s.ts == 1700000000.25


def test_trailing_epoch_seconds_ms_and_junk() -> None:
    for suffix, ts in ((",1357134218", 1357134218.0), (",1328182324603", 1328182324.603)):
        s = parse_line(f"{POS}{suffix}".encode())
        assert isinstance(s, Sentence) and s.trailing_ts == pytest.approx(ts)
    s = parse_line(f"{POS},1daasd4218,,1357134222".encode())
    assert isinstance(s, Sentence) and s.trailing_ts == 1357134222.0
    s = parse_line(f"{POS}'".encode())
    assert isinstance(s, Sentence) and s.trailing_ts is None


def test_pghp_and_bare_tag_block_are_clocks() -> None:
    pghp = parse_line(b"$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17")
    assert pghp == Clock(1210291200.01, None)
    assert parse_line(f"{tag('s:x,c:1354719388')}".encode()) == Clock(1354719388.0, "x")
    assert parse_line(b"$PGHP,1,2009,5,9,0,0,0,10,338,2,,1,09*17").reason == "checksum"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"# comment", "unsupported"),
        (nmea("GPRMC,1,2,3", "$").encode(), "unsupported"),
        (nmea("AIALR,1,2").encode(), "unsupported"),
        (b"garbage", "framing"),
        (b"!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0", "framing"),
        (nmea("AIVDM,1,1,,A,15M6,0,9").encode(), "framing"),
        (nmea("AIVDM,2,3,,A,15M6,0").encode(), "framing"),
        (nmea("AIVDM,1,1,,A,15M6,7").encode(), "framing"),
        (nmea("AIVDM,1,1,,A,15M6~,0").encode(), "framing"),
        (b"12x34 " + POS.encode(), "framing"),
        (b"\\c:1*00" + POS.encode(), "framing"),
    ],
)
def test_rejections(line: bytes, reason: str) -> None:
    parsed = parse_line(line)
    assert isinstance(parsed, Rejected) and parsed.reason == reason


def test_channels_and_own_ship() -> None:
    for ch, expected in (("A", "A"), ("B", "B"), ("1", "A"), ("2", "B"), ("", None), ("C", None)):
        s = parse_line(nmea(f"AIVDO,1,1,,{ch},15M6,0").encode())
        assert isinstance(s, Sentence) and s.channel == expected and s.own


def test_line_time() -> None:
    assert line_time(f"{tag('c:1700000000')}{POS}".encode()) == 1700000000.0
    assert line_time(f"{POS},1357134218".encode()) == 1357134218.0
    assert line_time(b"$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17") == 1210291200.01
    assert line_time(POS.encode()) is None
    assert line_time(b"junk") is None
