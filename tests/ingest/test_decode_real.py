"""Every real recording decodes to the counts documented in shared/data/README.md.

Those figures come from a lenient pyais reader. Where this strict decoder differs, the
difference is listed in DIFFERENCES with the reason, and the rejected lines are checked:
- nmea-timestamped.txt: every tag block has a wrong checksum (*00): all 100 lines are
  rejected as checksum (CONTRACTS §2: tag-block checksums are verified);
- ais250.txt: 8 lines hold both fragments of a type 5 joined by the literal text `\\r\\n`
  (an escaping artefact of the upstream test resource): the second fragment is junk after the
  first one's checksum, so the first waits alone and ends as incomplete_group;
- small_cb_example.txt: the `!--VDM` sentence (talker `--`) is valid NMEA and is decoded;
- exact-earth-augmented-3.txt: 3 satellite messages (types 1, 19, 27) have positions outside
  ±90/±180 and are rejected as bad_position.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.ingest.helpers import decode_lines, read_lines

DIFFERENCES: dict[str, tuple[dict[int, int], dict[str, int]]] = {
    "amsa-risky/nmea-timestamped.txt": ({1: -75, 3: -25}, {"checksum": 100}),
    "dma-aislib/ais250.txt": ({5: -8}, {"incomplete_group": 8}),
    "dma-aislib/small_cb_example.txt": ({8: 1}, {}),
    "amsa-risky/exact-earth-augmented-3.txt": ({1: -1, 19: -1, 27: -1}, {"bad_position": 3}),
}


def documented(shared_ais: Path) -> dict[str, dict[int, int]]:
    text = (shared_ais.parent / "README.md").read_text()
    pattern = r"- `ais/([^`]+)` .*?decoded by pyais 3\.3\.1, by type (\{[^}]*\})"
    return {f: ast.literal_eval(d) for f, d in re.findall(pattern, text)}


def test_readme_lists_the_recordings(shared_ais: Path) -> None:
    assert len(documented(shared_ais)) >= 20


@pytest.mark.parametrize(
    "name", sorted(DIFFERENCES) + ["gpsd/ais-nmea.log", "pyais/gatehouse.nmea"]
)
def test_counts_by_type_match_the_readme(shared_ais: Path, name: str) -> None:
    _check(shared_ais, name)


def test_every_recording_counts_and_balances(shared_ais: Path) -> None:
    for name in documented(shared_ais):
        _check(shared_ais, name)


def _check(shared_ais: Path, name: str) -> None:
    expected = Counter(documented(shared_ais)[name])
    type_delta, rejected_min = DIFFERENCES.get(name, ({}, {}))
    expected.update(type_delta)
    lines = read_lines(shared_ais / name)
    messages, decoder = decode_lines(lines)
    counts = decoder.counters.feed("test")
    got = Counter(m.msg_type for m in messages)
    assert +got == +expected, name
    assert counts.lines == len(lines) and counts.balanced() and counts.pending == 0
    for reason, n in rejected_min.items():
        assert counts.rejected[reason] == n, (name, reason)


def test_mixed_stream_counts_gps_sentences(shared_ais: Path) -> None:
    _, decoder = decode_lines(read_lines(shared_ais / "gpsd/ais-nmea.log"))
    counts = decoder.counters.feed("test")
    assert counts.rejected["unsupported"] == 1317 and counts.accepted == 183


def test_pghp_gives_the_time_of_the_next_sentence(shared_ais: Path) -> None:
    messages, decoder = decode_lines(read_lines(shared_ais / "dma-aislib/replay_dump.txt"))
    assert messages[0].fields["ts"] == "2013-03-18T09:19:09.499Z"
    assert all(m.ts is not None for m in messages)
    assert decoder.counters.feed("test").clock_lines == 57


def test_own_ship_vdo_and_not_available(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "gpsd/ait250.log"))
    own = [m for m in messages if m.own]
    assert len(own) == 33 and {m.msg_type for m in own} == {18}
    assert all(m.channel is None for m in own)
    for m in messages:
        f = m.fields
        assert f.get("heading") != 511 and f.get("speed") != 102.3 and f.get("course") != 360
        assert f.get("lat") != 91 and f.get("lon") != 181


def test_sixbit_text_is_trimmed(shared_ais: Path) -> None:
    messages, _ = decode_lines(read_lines(shared_ais / "gpsd/ais_unpack_sixbit.log"))
    names = {m.fields.get("shipname") for m in messages} | {m.fields.get("name") for m in messages}
    assert "NOVOROSSIYSK;RUSSIA" in {m.fields.get("destination") for m in messages}
    assert not any(isinstance(n, str) and (n.endswith("@") or n.endswith(" ")) for n in names)
