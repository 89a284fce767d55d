"""AIS message encoding (via pyais) and NMEA 0183 / IEC 61162-450 line framing.

pyais builds the six-bit payloads and fragments long ones; this module adds what a shore
receiver's log has around them: the tag block with source and time, and per-receiver
sequence ids for multi-sentence messages (two receivers number the same message apart).
"""

from __future__ import annotations

from typing import Any

from pyais.encode import ais_to_nmea_0183, encode_dict

from services.sim.fleet import Identity
from services.sim.track import State

Sentences = list[str]


def checksum(body: str) -> str:
    """NMEA checksum (XOR of the characters between the delimiters) as two hex digits."""
    value = 0
    for ch in body:
        value ^= ord(ch)
    return f"{value:02X}"


def tag_block(source: str, epoch: int) -> str:
    """`\\s:SOURCE,c:EPOCH*hh\\` with its checksum."""
    body = f"s:{source},c:{epoch}"
    return f"\\{body}*{checksum(body)}\\"


def _encode(data: dict[str, Any], channel: str) -> tuple[str, int]:
    """The armoured payload and fill bits of one message."""
    sentences = encode_dict(data, talker_id="AI", sentence_type="VDM", radio_channel=channel)
    payload = "".join(s.split(",")[5] for s in sentences)
    fill = int(sentences[-1].split(",")[6].split("*")[0])
    return payload, fill


def frame(payload: str, fill: int, channel: str, seq_id: int | None) -> Sentences:
    """NMEA sentences carrying one payload; seq_id matters only when it needs several."""
    return ais_to_nmea_0183(payload, "AI", "VDM", channel, fill, seq_id=seq_id)


def position_message(
    ident: Identity, state: State, second: int, channel: str, msg_type: int = 1
) -> tuple[str, int]:
    """Type 1/3 (class A) or 18 (class B) for the state at a report time."""
    heading = round(state.cog) % 360 if state.sog > 0.5 else 511
    common = {
        "mmsi": ident.mmsi,
        "speed": round(state.sog, 1),
        "lon": state.lon,
        "lat": state.lat,
        "course": round(state.cog, 1),
        "second": second,
        "accuracy": 1,
    }
    if ident.ais_class == "B":
        data = {"msg_type": 18, **common, "heading": 511, "cs": 1, "band": 1, "msg22": 1}
    else:
        data = {
            "msg_type": msg_type,
            **common,
            "heading": heading,
            "status": state.status,
            "turn": 0,
        }
    return _encode(data, channel)


def safety_message(ident: Identity, text: str, channel: str) -> tuple[str, int]:
    """Type 14, a broadcast safety text (an AIS-SART's "SART ACTIVE")."""
    return _encode({"msg_type": 14, "mmsi": ident.mmsi, "text": text}, channel)


def static_messages(
    ident: Identity, channel: str, eta: tuple[int, int, int, int]
) -> list[tuple[str, int]]:
    """Type 5 (class A) or 24 part A and B (class B)."""
    dims = {
        "to_bow": ident.to_bow,
        "to_stern": ident.to_stern,
        "to_port": ident.to_port,
        "to_starboard": ident.to_starboard,
    }
    if ident.ais_class == "B":
        part_a = {"msg_type": 24, "mmsi": ident.mmsi, "partno": 0, "shipname": ident.name}
        part_b = {
            "msg_type": 24,
            "mmsi": ident.mmsi,
            "partno": 1,
            "ship_type": ident.ship_type,
            "vendorid": "SGSIM",
            "callsign": ident.callsign,
            **dims,
        }
        return [_encode(part_a, channel), _encode(part_b, channel)]
    month, day, hour, minute = eta
    data = {
        "msg_type": 5,
        "mmsi": ident.mmsi,
        "ais_version": 2,
        "imo": ident.imo,
        "callsign": ident.callsign,
        "shipname": ident.name,
        "ship_type": ident.ship_type,
        **dims,
        "epfd": 1,
        "month": month,
        "day": day,
        "hour": hour,
        "minute": minute,
        "draught": ident.draught,
        "destination": ident.destination,
        "dte": 0,
    }
    return [_encode(data, channel)]
