"""Field-by-field agreement with independent decoders: gpsd `.log.chk` and libais json.

gpsd writes raw units ("scaled": false): lon/lat in 1/10000 minute, speed/course/draught in
tenths, sentinels as numbers; it merges type 24 A+B into one record. Each gpsd record is
matched with our message of the same type and MMSI in input order (24: part A for the name,
part B for call sign and dimensions), then every field both sides have is compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.ingest.message import Message
from tests.ingest.helpers import decode_lines, read_lines

NA = {"lat": 91 * 600000, "lon": 181 * 600000, "speed": 1023, "course": 3600, "heading": 511}
SCALE = {"lat": 600000, "lon": 600000, "speed": 10, "course": 10, "draught": 10}
FIELDS = (
    "status accuracy second maneuver raim radio epfd shipname callsign destination imo "
    "ship_type to_bow to_stern to_port to_starboard draught lat lon speed course heading "
    "partno dte ais_version"
).split()
FIELDS_24 = {0: ("shipname",), 1: ("callsign", "ship_type", "to_bow", "to_stern", "vendorid")}


def _ours_in_gpsd_units(name: str, value: Any) -> Any:
    if value is None:
        return NA.get(name, 0 if name == "imo" else "")
    if name in SCALE:
        return round(value * SCALE[name])
    return value


def _theirs(value: Any) -> Any:
    return value.rstrip("@ ") if isinstance(value, str) else value


def _compare(ours: Message, gpsd: dict[str, Any], fields: tuple[str, ...]) -> tuple[int, int]:
    agree = total = 0
    for name in fields:
        if name not in gpsd or name not in ours.fields:
            continue
        total += 1
        agree += _ours_in_gpsd_units(name, ours.fields[name]) == _theirs(gpsd[name])
    return agree, total


def _agreement(path: Path) -> tuple[float, int]:
    records = [json.loads(x) for x in path.read_text().splitlines() if x.startswith("{")]
    # gpsd's regression output repeats some records (one per client report); keep each once.
    unique = {json.dumps(r, sort_keys=True): r for r in records if r.get("class") == "AIS"}
    records = list(unique.values())
    messages, _ = decode_lines(read_lines(path.with_suffix("")))
    agree = total = matched = 0
    pool = list(messages)
    for rec in records:
        parts = _match(pool, rec)
        matched += bool(parts)
        for m in parts:
            fields = FIELDS_24[m.fields["partno"]] if m.msg_type == 24 else tuple(FIELDS)
            a, t = _compare(m, rec, fields)
            agree, total = agree + a, total + t
    assert matched >= 0.95 * min(len(records), len(messages)), (path.name, matched, len(records))
    return agree / total, total


def _match(pool: list[Message], rec: dict[str, Any]) -> list[Message]:
    found: list[Message] = []
    wanted = {0, 1} if rec["type"] == 24 and "callsign" in rec and "shipname" in rec else None
    for m in list(pool):
        if m.msg_type == rec["type"] and m.mmsi == rec["mmsi"]:
            if wanted is None:
                pool.remove(m)
                return [m]
            if m.fields["partno"] in wanted:
                wanted.discard(m.fields["partno"])
                pool.remove(m)
                found.append(m)
                if not wanted:
                    break
    return found


@pytest.mark.parametrize(
    "name",
    ["ais-raw-messages.log.chk", "ais-nmea.log.chk", "ait250.log.chk", "ais_unpack_sixbit.log.chk"],
)
def test_gpsd_agreement(shared_ais: Path, name: str, record_property: Any) -> None:
    ratio, compared = _agreement(shared_ais / "gpsd" / name)
    record_property("agreement", f"{ratio:.4f} of {compared} fields")  # in the JUnit report
    assert compared > 30 and ratio >= 0.99


def test_libais_tagblock_agreement(shared_ais: Path, record_property: Any) -> None:
    expected = [
        json.loads(x)
        for x in (shared_ais / "libais/tagblock.json").read_text().splitlines()
        if x.strip()
    ]
    messages, _ = decode_lines(read_lines(shared_ais / "libais/tagblock.nmea"))
    by_mmsi_type = {(m.mmsi, m.msg_type, m.fields["ts"]): m for m in messages}
    agree = total = 0
    for rec in expected:
        ts = rec["tagblock_timestamp"].replace(".000000Z", "Z")
        m = by_mmsi_type[(rec["mmsi"], rec["type"], ts)]
        checks = [m.source == rec.get("tagblock_station")]
        for key in ("lat", "lon", "speed", "course"):
            if key in rec:
                checks.append(m.fields[key] == pytest.approx(rec[key], abs=1e-4))
        for key in ("heading", "status", "second", "callsign", "name"):
            if key in rec:
                ours = m.fields["shipname" if key == "name" else key]
                checks.append(ours == _theirs(rec[key]))
        agree, total = agree + sum(checks), total + len(checks)
    record_property("agreement", f"{agree}/{total} fields")
    assert len(expected) == len(messages) == 4 and agree == total
