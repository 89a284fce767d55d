"""What ingest needs of the messages that make no records, without decoding them whole.

Base station reports (4), slot management (20), aids to navigation (21), DGNSS corrections
(17), safety text (12, 14), acknowledgements... are a tenth of a busy feed and make no record:
ingest only counts them (or the stage hands the few safety ones on with their `fields`).
Yet building pyais's message object costs 20-30 µs each, as much as everything else ingest
does for three position reports. For these types the decoder only needs to know what decoding
would give: the type and MMSI, whether pyais would raise, and whether the position is out of
range (`normalize.check_position`). `peek` reads exactly those fields with pyais's own plan of
the message class (offset, width, sign, conversion) from pyais's own bit vector, so the values
are pyais's; the message object itself is built only if its `fields` are asked for.

Taken: every type whose pyais class decodes by its plan alone (`Payload.from_vector`), and
binary messages (6, 8) whose variant, picked by DAC and FID exactly as pyais picks it, does.
Left to pyais whole: types that make records (1, 2, 3, 5, 18, 19, 24, 27), the other types
whose class picks a variant by content (16, 22, 25, 26), and short type 6 messages (pyais
picks their variant another way). Held to pyais by `tests/ingest/test_peek.py` on every
recording and on generated payloads of every type, length and fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyais.bit_vector import bit_vector
from pyais.messages import (
    FLOAT,
    INT,
    MSG_CLASS,
    MessageType6Default,
    MessageType8Default,
    Payload,
    _msg6_variant,
    _msg8_variant,
)

from services.ingest.normalize import BadPosition

# Types whose messages make records (records.POSITION_TYPES | STATIC_TYPES): decoded whole.
_WHOLE = frozenset({1, 2, 3, 5, 18, 19, 24, 27})
_LAT_NA, _LON_NA = 91.0, 181.0  # normalize's "not available"
_PLAIN_DECODE = Payload.from_vector.__func__  # type: ignore[attr-defined]

# (name, offset, width, signed, kind, converter): one entry of pyais's decoder plan
Entry = tuple[str, int, int, bool, int, Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """Where a class keeps the fields `peek` reads (lat and lon None: no position check)."""

    mmsi: Entry
    lat: Entry | None
    lon: Entry | None


def _plan(msg_type: int) -> Plan | None:
    cls = MSG_CLASS.get(msg_type)
    if cls is None or msg_type in _WHOLE:
        return None
    return _class_plan(cls, msg_type)


def _class_plan(cls: Any, msg_type: int) -> Plan | None:
    if getattr(cls.from_vector, "__func__", None) is not _PLAIN_DECODE:
        return None  # picks a variant by content
    entries = {e[0]: e for e in cls.decoder_plan()}
    mmsi = entries.get("mmsi")
    if mmsi is None or mmsi[4] != INT or entries.get("msg_type", ())[1:3] != (0, 6):
        return None
    lat, lon = entries.get("lat"), entries.get("lon")
    if lat is None or lon is None or msg_type == 17:  # 17: tenths of minutes, not checked
        lat = lon = None
    return Plan(mmsi, lat, lon)


PLANS: dict[int, Plan] = {
    t: plan for t in range(64) if (plan := _plan(t)) is not None
}  # fmt: skip


_VARIANT_PLANS: dict[Any, Plan | None] = {}


def plan_of(bv: Any, msg_type: int) -> Plan | None:
    """The plan to peek at a message with, or None when it must be decoded whole: a `PLANS`
    type, or a binary message (6, 8) of a variant that decodes by its plan alone."""
    plan = PLANS.get(msg_type)
    if plan is not None or msg_type not in (6, 8):
        return plan
    if msg_type == 8:  # as MessageType8.from_vector picks it
        cls = _msg8_variant(bv.get(40, 10), bv.get(50, 6)) or MessageType8Default
    elif len(bv) > 72:  # as MessageType6.from_vector picks it (shorter ones: another way)
        cls = _msg6_variant(bv.get(72, 10), bv.get(82, 6)) or MessageType6Default
    else:
        return None
    if cls not in _VARIANT_PLANS:
        _VARIANT_PLANS[cls] = _class_plan(cls, msg_type)
    return _VARIANT_PLANS[cls]


def _value(bv: Any, length: int, entry: Entry) -> Any:
    """A field as pyais's `from_vector` reads it (INT and FLOAT fields)."""
    _, offset, width, signed, kind, converter = entry
    if offset >= length:
        return None
    value: Any = bv.get_num(offset, width, signed)
    if kind == FLOAT:
        value = float(value)
    if converter is not None:
        value = converter(value)
    return value


def peek(bv: Any, plan: Plan) -> int | None:
    """The MMSI of a message of a `PLANS` type; raises BadPosition when pyais's message would
    fail `normalize.check_position`."""
    length = len(bv)
    if plan.lat is not None and plan.lon is not None:
        lat, lon = _value(bv, length, plan.lat), _value(bv, length, plan.lon)
        if (lat is not None and lat != _LAT_NA and not -90.0 <= lat <= 90.0) or (
            lon is not None and lon != _LON_NA and not -180.0 <= lon <= 180.0
        ):
            raise BadPosition(f"position out of range: lat={lat} lon={lon}")
    mmsi: int | None = _value(bv, length, plan.mmsi)
    return mmsi


def vector(payload: bytes, fill: int) -> Any:
    """pyais's bit vector of a payload (ValueError when empty, as the decoder has it)."""
    if not payload:
        raise ValueError("empty payload")
    return bit_vector(payload, fill)
