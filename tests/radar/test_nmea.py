"""TTM and TLL sentences, built field by field from the NMEA 0183 layout, through the
same framing, counters and decoder as AIS lines."""

from __future__ import annotations

from functools import reduce

import pytest

from services.core.settings import IngestSettings
from services.ingest.counters import CHECKSUM, FRAMING
from services.ingest.decoder import Decoder
from services.ingest.framing import Rejected, parse_line
from services.radar.nmea import TLL, TTM, RadarReport, RadarSentenceError, parse_radar


def sentence(*fields: str, start: str = "$") -> bytes:
    body = ",".join(fields)
    return f"{start}{body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}".encode()


def tagged(source: str, epoch: int, line: bytes) -> bytes:
    tag = f"s:{source},c:{epoch}"
    return f"\\{tag}*{reduce(lambda a, c: a ^ ord(c), tag, 0):02X}\\".encode() + line


# $--TTM: 1 target, 2 distance, 3 bearing, 4 T/R, 5 speed, 6 course, 7 T/R, 8 CPA, 9 TCPA,
# 10 units, 11 name, 12 status, 13 reference, 14 UTC, 15 acquisition
FULL_TTM = ("RATTM", "07", "2.50", "045.0", "T", "10.2", "090.0", "T", "0.50", "3.0", "N",
            "DREDGER", "T", "", "120000.00", "A")  # fmt: skip
# $--TLL: 1 target, 2-3 latitude, 4-5 longitude, 6 name, 7 UTC, 8 status, 9 reference
FULL_TLL = ("RATLL", "12", "2449.1230", "N", "11840.5000", "E", "", "120000.00", "T", "")


def test_ttm_fields_in_nautical_units() -> None:
    r = parse_radar(sentence(*FULL_TTM))
    assert (r.kind, r.target, r.status, r.name, r.acquisition) == (TTM, 7, "T", "DREDGER", "A")
    assert (r.range_nm, r.bearing, r.bearing_true) == (2.5, 45.0, True)
    assert (r.speed, r.course, r.course_true) == (10.2, 90.0, True)
    assert r.time_of_day == "120000.00" and r.lat is None


@pytest.mark.parametrize(
    ("unit", "range_nm", "speed_kn"),
    [("K", 2.5 / 1.852, 10.2 / 1.852), ("S", 2.5 * 1609.344 / 1852, 10.2 * 1609.344 / 1852)],
)
def test_ttm_kilometres_and_statute_miles(unit: str, range_nm: float, speed_kn: float) -> None:
    fields = list(FULL_TTM)
    fields[10] = unit
    r = parse_radar(sentence(*fields))
    assert r.range_nm == pytest.approx(range_nm) and r.speed == pytest.approx(speed_kn)


def test_ttm_relative_bearing_and_empty_optional_fields() -> None:
    # speed, course, CPA, TCPA, units, name, status, reference, time, acquisition all empty
    r = parse_radar(sentence("RATTM", "3", "1.2", "350.5", "R", "", "", "", "", "", "", "", ""))
    assert (r.target, r.range_nm, r.bearing, r.bearing_true) == (3, 1.2, 350.5, False)
    assert r.speed is None and r.course is None and r.name is None
    assert r.status == "T" and r.time_of_day is None and r.acquisition is None


def test_tll_position_in_degrees_and_minutes() -> None:
    r = parse_radar(sentence(*FULL_TLL))
    assert (r.kind, r.target, r.status) == (TLL, 12, "T")
    assert r.lat == pytest.approx(24 + 49.123 / 60) and r.lon == pytest.approx(118 + 40.5 / 60)
    south_west = sentence("RATLL", "1", "0130.0000", "S", "00015.0000", "W", "", "", "L", "")
    r = parse_radar(south_west)
    assert (r.lat, r.lon, r.status) == (-1.5, -0.25, "L")


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        (("RATTM", "", "2.5", "45", "T", "", "", "T", "", "", "N", "", "T", ""), "no target"),
        (("RATTM", "07", "", "45", "T", "", "", "T", "", "", "N", "", "T", ""), "no range"),
        (("RATTM", "07", "2.5", "", "T", "", "", "T", "", "", "N", "", "T", ""), "no bearing"),
        (("RATTM", "07", "2.5", "400", "T", "", "", "T", "", "", "N", "", "T", ""), "bearing"),
        (("RATTM", "07", "-1", "45", "T", "", "", "T", "", "", "N", "", "T", ""), "range < 0"),
        (("RATTM", "07", "2.5", "45", "X", "", "", "T", "", "", "N", "", "T", ""), "reference"),
        (("RATTM", "07", "2.5", "45", "T", "", "", "T", "", "", "M", "", "T", ""), "units"),
        (("RATTM", "07", "2.5", "45", "T", "fast", "", "T", "", "", "N", "", "T", ""), "speed"),
        (("RATTM", "07", "2.5", "45", "T", "", "", "T", "", "", "N", "", "Z", ""), "status"),
        (("RATTM", "07", "2.5", "45"), "too few fields"),
        (("RATLL", "12", "", "", "", "", "", "", "T", ""), "no position"),
        (("RATLL", "12", "2449.1230", "X", "11840.5000", "E", "", "", "T", ""), "hemisphere"),
        (("RATLL", "12", "9549.1230", "N", "11840.5000", "E", "", "", "T", ""), "latitude"),
        (("RATLL", "12", "2469.0000", "N", "11840.5000", "E", "", "", "T", ""), "minutes"),
        (("RATLL", "12", "249.1230", "N", "11840.5000", "E", "", "", "T", ""), "digits"),
    ],
)
def test_malformed_fields_are_framing_errors(fields: tuple[str, ...], why: str) -> None:
    with pytest.raises(RadarSentenceError) as caught:
        parse_radar(sentence(*fields))
    assert caught.value.reason == FRAMING, why


def flip_checksum(line: bytes) -> bytes:
    value = int(line[-2:], 16) ^ 0x01
    return line[:-2] + b"%02X" % value


def test_bad_or_missing_checksum() -> None:
    good = sentence(*FULL_TTM)
    bad = flip_checksum(good)
    with pytest.raises(RadarSentenceError) as caught:
        parse_radar(bad)
    assert caught.value.reason == CHECKSUM
    with pytest.raises(RadarSentenceError) as caught:
        parse_radar(good[: good.rfind(b"*")])
    assert caught.value.reason == FRAMING


def test_framing_routes_radar_lines_with_their_tag_block() -> None:
    line = tagged("vts-weitou", 1772409600, sentence(*FULL_TTM))
    parsed = parse_line(line)
    assert isinstance(parsed, RadarReport)
    assert (parsed.radar, parsed.ts, parsed.target) == ("vts-weitou", 1772409600.0, 7)
    # any talker, epoch prefix instead of a tag block
    other = parse_line(b"1772409601.5 " + sentence("ARTLL", *FULL_TLL[1:]))
    assert isinstance(other, RadarReport) and other.ts == 1772409601.5 and other.radar is None
    assert parse_line(sentence("GPRMC", "1", "2")) == Rejected("unsupported")


def test_decoder_counts_radar_lines_like_ais_and_hands_them_on() -> None:
    got: list[RadarReport] = []
    decoder = Decoder(IngestSettings(), radar_sink=got.append)
    good = sentence(*FULL_TLL)
    lines = [
        tagged("vts-shihu", 1772409600, good),
        tagged("vts-shihu", 1772409600, flip_checksum(good)),
        tagged("vts-shihu", 1772409600, sentence("RATLL", "12", "", "", "", "", "", "", "T")),
        tagged("vts-shihu", 1772409610, b""),  # a clock line: time and source of the next
        sentence(*FULL_TTM),
        sentence(*FULL_TTM),  # without any time: the receive time
    ]
    for line in lines:
        assert decoder.push(line, feed="radar", received_at=1772409999.0) == []
    counts = decoder.counters.feed("radar")
    assert counts.lines == 6 and counts.accepted == 4 and counts.balanced()
    assert counts.rejected == {CHECKSUM: 1, FRAMING: 1}
    assert [(r.radar, r.ts) for r in got] == [
        ("vts-shihu", 1772409600.0),
        ("vts-shihu", 1772409610.0),
        (None, 1772409999.0),
    ]
