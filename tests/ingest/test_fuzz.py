"""Fuzzing framing, tag blocks, assembly and decoding with arbitrary bytes and arbitrary
numbers in every numeric field, checksums made right so that the parsers get past them.

What must hold for any input: nothing escapes `Decoder.push`, every decoded message gives
its §3 fields and its records, the books balance, and no line needed the decoder's last
resort (`internal_error`, which would hide a bug behind a count).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.settings import IngestSettings
from services.ingest.counters import INTERNAL_ERROR
from services.ingest.decoder import Decoder
from services.ingest.framing import LineBuffer
from services.ingest.records import to_records
from tests.ingest.helpers import nmea, tag

SETTINGS = IngestSettings(max_line_length=400)
# Real payloads (positions, static reports of both classes, a two-part type 5), so that
# arbitrary times and fields reach decoded messages and records, not only the parsers.
REAL = [
    ("169HjCo004`PQTj>:Gjd=gv1P000", "0"),
    ("15M67FC000G?ufbE`FepT@3n00Sa", "0"),
    ("B69Gk3h071tpI02lT2ek?wg61P06", "0"),
    ("H6:P;p@<T4pN1A8Gl<PuNo>4<@8", "2"),
    ("55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8", "0"),
    ("88888888880", "2"),
]
ARMOUR = "".join(chr(c) for c in [*range(0x30, 0x58), *range(0x60, 0x78)])

numbers = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="0123456789.-+eE", max_size=40),
)
small = st.integers(min_value=-3, max_value=12).map(str) | numbers


def usually(value: str, other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly the well-formed `value` (so that lines get far), sometimes anything."""
    return st.integers(0, 5).flatmap(lambda i: st.just(value) if i else other)


@st.composite
def sentence(draw: st.DrawFn) -> str:
    talker = draw(usually("AI", st.sampled_from(["BS", "AB", "XX"])))
    kind = draw(usually("VDM", st.sampled_from(["VDO", "VDX"])))
    payload, fill = draw(
        st.sampled_from(REAL) | st.tuples(st.text(alphabet=ARMOUR, max_size=90), small)
    )
    fields = [
        talker + kind,
        draw(usually("1", small)),
        draw(usually("1", small)),
        draw(usually("", small)),
        draw(st.sampled_from(["A", "B", "1", "2", "", "C"])),
        payload,
        draw(usually(fill, small)),
    ]
    trailing = draw(st.lists(numbers, max_size=2))
    return nmea(",".join(fields)) + "".join("," + t for t in trailing)


@st.composite
def time_part(draw: st.DrawFn) -> str:
    """What may come in front of a sentence: nothing, a tag block or an epoch prefix."""
    kind = draw(st.sampled_from(["none", "tag", "prefix", "tag-alone"]))
    if kind == "none":
        return ""
    if kind == "prefix":
        return draw(numbers) + draw(st.sampled_from([" ", ",", ";", "\t"]))
    parts = [f"c:{draw(numbers)}"]
    if draw(st.booleans()):
        parts.append(f"s:{draw(st.text(alphabet='abc019-_', max_size=8) | st.text(max_size=8))}")
    if draw(st.booleans()):
        parts.append(f"g:{draw(small)}-{draw(small)}-{draw(small)}")
    if draw(st.booleans()):
        parts.append(f"{draw(small)}G{draw(small)}:{draw(small)}")
    text = tag(",".join(draw(st.permutations(parts))))
    return text + "\n" if kind == "tag-alone" else text


@st.composite
def pghp(draw: st.DrawFn) -> str:
    values = ",".join(draw(numbers) for _ in range(7))
    return nmea(f"PGHP,1,{values},,,,", "$")


line = st.one_of(
    st.builds(lambda t, s: t + s, time_part(), sentence()),
    pghp(),
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
)


def _drive(text: bytes, chunk: int) -> None:
    buffer = LineBuffer(SETTINGS.max_line_length)
    decoder = Decoder(SETTINGS)
    lines: list[bytes] = []
    for i in range(0, len(text), chunk):
        lines += buffer.feed(text[i : i + chunk])
    lines += buffer.flush()
    for i, raw in enumerate(lines):
        for message in decoder.push(raw, feed="fuzz", received_at=1_700_000_000.0 + i):
            assert isinstance(message.fields, dict)
            to_records(message, "fuzz")
        if i % 5 == 0:
            decoder.expire(1_700_000_000.0 + i)
    decoder.finish()
    counts = decoder.counters.feed("fuzz")
    assert counts.lines == len(lines) and counts.pending == 0 and counts.balanced()
    assert counts.rejected[INTERNAL_ERROR] == 0 and decoder.faults.total() == 0


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=1, max_size=25), st.integers(min_value=1, max_value=64))
def test_fuzz_lines_never_raise(lines: list[str], chunk: int) -> None:
    _drive("\n".join(lines).encode("utf-8", "surrogateescape"), chunk)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=300))
def test_fuzz_bytes_never_raise(data: bytes, chunk: int) -> None:
    _drive(data, chunk)
