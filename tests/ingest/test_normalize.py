from __future__ import annotations

import pyais
import pytest

from services.ingest.normalize import BadPosition, normalize

# Real sentences: gpsd/ais-raw-messages.log (type 1 with heading/course/turn not available),
# gfw mixed_types (type 27) and ais_unpack_sixbit (type 5 text).
TYPE1_NA = "!AIVDM,1,1,,A,13U79k?P00Qah;tEdTH>4?vV2<0I,0*33"
TYPE18 = "!AIVDM,1,1,,A,B>cSnNP00FVur7UaC7WQ3wS1jCJJ,0*73"


def test_matches_pyais_asdict_apart_from_edge_conversions() -> None:
    msg = pyais.decode(TYPE1_NA)
    ours, theirs = normalize(msg), msg.asdict(enum_as_int=True)
    assert list(ours) == list(theirs)
    assert (theirs["heading"], theirs["course"], int(theirs["turn"])) == (511, 360.0, -128)
    assert ours["heading"] is None and ours["course"] is None and ours["turn"] is None
    assert type(ours["status"]) is int
    same = {k for k in ours if ours[k] == theirs[k]}
    assert same == set(ours) - {"heading", "course", "turn"}


def test_text_trimmed_and_empty_text_none() -> None:
    d = normalize(pyais.decode("!AIVDM,1,1,,B,H>cSnNP@4eEL544000000000000,0*3E"))
    assert d["shipname"] == "DAKUWAQA"
    m5 = pyais.decode(
        "!AIVDM,2,1,3,A,58IIrt025jfSUKW;;:0l4E9<f18E<tiE@F22220P3iVUO6oS0>4kmE28,0*70",
        "!AIVDM,2,2,3,A,0DSQH1RAC188880,2*50",
    )
    m5.destination = "XIAMEN@@@   "
    m5.callsign = "@@@@"
    d = normalize(m5)
    assert d["destination"] == "XIAMEN" and d["callsign"] is None


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 181.0), (45.0, 120.0), (-90.0, -180.0)])
def test_position_in_range_or_not_available(lat: float, lon: float) -> None:
    msg = pyais.decode(TYPE1_NA)
    msg.lat, msg.lon = lat, lon
    d = normalize(msg)
    assert (d["lat"], d["lon"]) == ((None, None) if lat == 91.0 else (lat, lon))


@pytest.mark.parametrize(("lat", "lon"), [(90.5, 0.0), (0.0, -180.5), (-95.0, 10.0)])
def test_position_out_of_range_is_rejected(lat: float, lon: float) -> None:
    msg = pyais.decode(TYPE1_NA)
    msg.lat, msg.lon = lat, lon
    with pytest.raises(BadPosition):
        normalize(msg)


def test_type27_sentinels() -> None:
    msg = pyais.decode("!AIVDM,1,1,,A,K8VSqb9LdU28WP8p,0*1E")
    msg.speed, msg.course = 63.0, 511.0
    d = normalize(msg)
    assert d["msg_type"] == 27 and d["speed"] is None and d["course"] is None
