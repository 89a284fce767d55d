"""The simulated recording: reproducible, decodable, on schedule, on water."""

from __future__ import annotations

from collections import defaultdict

import shapely
from shapely.geometry import Point, box

from services.sim import scenarios
from services.sim.fleet import KINDS
from services.sim.schedule import SART_POSITION_INTERVAL, STATIC_INTERVAL, position_interval
from services.sim.track import AT_ANCHOR, MOORED
from tests.sim.conftest import START, record
from tests.sim.nmea_lines import checksum_ok, decode_lines, split

POSITION_TYPES = (1, 3, 18)


def body(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_same_seed_same_bytes_other_seed_other_traffic(world):
    a = record(world, 5, 3)
    assert record(world, 5, 3) == a
    b = record(world, 6, 3)
    assert b != a and body(b)[:50] != body(a)[:50]


def test_header_says_simulated(recording):
    header = [line for line in recording.splitlines() if line.startswith("#")]
    assert header[0].startswith("# SIMULATED AIS TRAFFIC")
    assert all(line.startswith(("#", "\\")) for line in recording.splitlines())


def test_every_line_is_tagged_and_only_the_deliberate_noise_is_broken(recording):
    lines = body(recording)
    broken = 0
    for line in lines:
        tag, sentence = split(line)
        assert checksum_ok(tag), line  # noise never touches the tag block
        if sentence.startswith("$RAT"):  # radar targets: named by their radar, never damaged
            assert tag.startswith("s:vts-") and ",c:" in tag and checksum_ok(sentence[1:]), line
            continue
        assert tag.startswith("s:qz-ais-") and ",c:" in tag
        if not checksum_ok(sentence):
            broken += 1
    assert 0.001 * len(lines) <= broken <= 0.015 * len(lines)


def test_messages_decode_with_the_expected_types_and_mids(recording):
    decoded = list(decode_lines(body(recording)))
    types = {d.data["msg_type"] for d in decoded}
    assert types == {1, 3, 5, 14, 18, 24}  # 14: the scripted AIS-SART's "SART ACTIVE"
    mmsis = {d.data["mmsi"] for d in decoded}
    assert all(str(m)[:3] in ("412", "413", "414") for m in mmsis - {scenarios.SART})
    assert scenarios.SART in mmsis
    texts = {d.data["text"] for d in decoded if d.data["msg_type"] == 14}
    assert texts == {"SART ACTIVE"}
    assert 120 <= len(mmsis) <= 300
    names = {
        d.data["shipname"]
        for d in decoded
        if d.data["msg_type"] in (5, 24) and d.data.get("shipname")
    }
    assert any(n.startswith("MIN SHI YU ") for n in names)
    assert "HAIXUN 08608" in names


def test_type5_is_two_fragments_with_one_sequence_id(recording):
    fields = [split(line)[1].split(",") for line in body(recording)]
    multi = [f for f in fields if len(f) > 3 and f[1] == "2"]
    firsts = [f for f in multi if f[2] == "1"]
    assert firsts and all(f[5].startswith("5") and f[3].isdigit() for f in firsts)
    for first, second in zip(multi, multi[1:], strict=False):
        if first[2] == "1" and second[2] == "2":
            assert first[3] == second[3] and first[4] == second[4]


def test_duplicates_come_from_a_second_receiver(recording):
    seen = defaultdict(set)
    for line in body(recording):
        tag, sentence = split(line)
        if not checksum_ok(sentence):
            continue
        payload = sentence.split(",")[5]
        seen[(tag.split(",")[1].split("*")[0], payload)].add(tag.split(",")[0])
    assert any(len(sources) == 2 for sources in seen.values())


def _expected(d) -> float:
    kind_b = d["msg_type"] == 18
    status = d.get("status", 0)
    return position_interval(
        "B" if kind_b else "A", d["speed"], int(status) if status is not None else 0
    )


def test_reporting_intervals_match_speed_and_class(clean_recording):
    by_mmsi = defaultdict(list)
    statics = defaultdict(list)
    for d in decode_lines(body(clean_recording)):
        (by_mmsi if d.data["msg_type"] in POSITION_TYPES else statics)[d.data["mmsi"]].append(d)
    checked = defaultdict(int)
    for table in (by_mmsi, statics):  # two transmitters, one MMSI: the position_jump situation
        del table[scenarios.CLONED]
    for reports in by_mmsi.values():
        for prev, nxt in zip(reports, reports[1:], strict=False):
            want = _expected(prev.data)
            got = nxt.epoch - prev.epoch
            if got > want + 1:
                continue  # a silent leg (ferry out of coverage) is the only allowed gap
            assert want - 1 <= got <= want + 1, (prev.data, nxt.epoch - prev.epoch)
            checked[want] += 1
    assert set(checked) == {2.0, 6.0, 10.0, 30.0, 180.0, SART_POSITION_INTERVAL}
    gaps = [
        nxt.epoch - prev.epoch
        for reports in statics.values()
        for prev, nxt in zip(reports, reports[1:], strict=False)
        if prev.data["msg_type"] == 5
    ]
    assert gaps and all(abs(g - STATIC_INTERVAL) <= 1 for g in gaps)


def test_only_ferries_and_the_scripted_dark_vessel_fall_silent(clean_recording):
    positions = defaultdict(list)
    kinds = {}
    for d in decode_lines(body(clean_recording)):
        if d.data["msg_type"] in POSITION_TYPES:
            positions[d.data["mmsi"]].append(d)
        elif d.data["msg_type"] == 5:
            kinds[d.data["mmsi"]] = int(d.data["ship_type"])
    for mmsi, reports in positions.items():
        longest = max(
            (b.epoch - a.epoch for a, b in zip(reports, reports[1:], strict=False)), default=0
        )
        if longest > 181 and mmsi != scenarios.WATCHED_FISHER:
            assert kinds.get(mmsi) == KINDS["passenger"].ship_type, mmsi


def test_vessels_stay_on_water_inside_the_box(recording, world):
    frame = box(*world.box)
    shapely.prepare(world.land)
    count = 0
    for d in decode_lines(body(recording)):
        if d.data["msg_type"] in POSITION_TYPES:
            p = Point(d.data["lon"], d.data["lat"])
            assert frame.contains(p) and not world.land.contains(p), d.data
            count += 1
    assert count > 1000


def test_anchored_and_moored_ships_report_type3_and_keep_still(clean_recording):
    spots = defaultdict(set)
    for d in decode_lines(body(clean_recording)):
        if d.data["msg_type"] == 3:
            assert d.data["status"] in (AT_ANCHOR, MOORED)
            spots[d.data["mmsi"]].add((round(d.data["lon"], 4), round(d.data["lat"], 4)))
    assert len(spots) > 20
    assert sum(len(s) == 1 for s in spots.values()) >= 0.8 * len(spots)


def test_recording_starts_at_the_requested_time(recording):
    epochs = [int(split(line)[0].split("c:")[1].split("*")[0]) for line in body(recording)]
    assert epochs == sorted(epochs)
    assert START <= epochs[0] < START + 15 and epochs[-1] < START + 20 * 60
