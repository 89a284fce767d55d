"""One decoded AIS message, as the decoder hands it on: what ingest needs at once, and its
CONTRACTS §3 fields only when asked for.

Most messages are decoded in batches (`fastdecode` for position reports, `staticdecode` for
type 5) or only peeked at (`peek`): they carry no pyais object (`decoded` is None) until
their `fields` are asked for, and then pyais decodes the payload, so `fields` is always
pyais's. Records are made from the batch values (`_record`, `_static`) while `fields` has not
been built, and from `fields` once it has, so what a message shows and the records made of
it never disagree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS

from services.core.types import Position
from services.ingest.normalize import Motion, motion, normalize, normalize_static
from services.ingest.staticdecode import StaticValues


@dataclass(slots=True)
class Message:
    """One decoded AIS message.

    Its CONTRACTS §3 dict (`fields`) is built on first use and then kept: building it costs
    about as much as decoding, and the ingest path reads the few values a record needs
    straight from the pyais message (`motion`) instead.
    """

    decoded: Any  # the pyais message object; None until asked for after a batch decode
    payload: str  # joined armoured payload + "," + fill bits: the de-duplication key
    ts: float | None
    source: str | None
    channel: str | None
    msg_type: int
    mmsi: int
    own: bool = False  # a VDO sentence: our own ship's report
    _fields: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    _motion: Motion | None = field(default=None, repr=False, compare=False)
    # the Position record of a batch-decoded report, made for feed `_record_feed` (and
    # then the only place of its motion values)
    _record: Position | None = field(default=None, repr=False, compare=False)
    _record_feed: str | None = field(default=None, repr=False, compare=False)
    # the VesselStatic values of a batch-decoded type 5 (records._static_values)
    _static: StaticValues | None = field(default=None, repr=False, compare=False)

    @property
    def fields(self) -> dict[str, Any]:
        """Exactly what `seagrid decode` prints (CONTRACTS §3)."""
        fields = self._fields
        if fields is None:
            if self.decoded is None:  # batch-decoded: pyais only now, for all the fields
                payload, _, fill = self.payload.rpartition(",")
                self.decoded = decode_payload(payload.encode("ascii"), int(fill))
            fields = self._fields = normalize(self.decoded)
            ts = self.ts
            fields["ts"] = iso_utc(ts) if ts is not None else None
            fields["source"] = self.source
            fields["channel"] = self.channel
        return fields

    def static_fields(self) -> dict[str, Any]:
        """The STATIC_NAMES entries of `fields` the message has; from `fields` once built."""
        f = self._fields
        if f is None:
            return normalize_static(self.decoded) if self.decoded is not None else self.fields
        return f

    def motion(self) -> Motion | None:
        """Position fields (see normalize.motion); from `fields` once that is built, so that
        what a message shows and the records made of it never disagree."""
        f = self._fields
        if f is None:
            if self.decoded is not None:
                return motion(self.decoded)
            r = self._record  # batch-decoded: its values are in its record
            if r is None:
                return self._motion
            return (r.lat, r.lon, r.speed, r.course, r.heading, r.status, r.turn)
        lat, lon = f.get("lat"), f.get("lon")
        if lat is None or lon is None:
            return None
        get = f.get
        return (lat, lon, get("speed"), get("course"), get("heading"), get("status"), get("turn"))


def decode_payload(payload: bytes, fill: int) -> Any:
    """pyais's message of a payload; raises what pyais raises (ValueError when empty or of an
    unknown type)."""
    if not payload:
        raise ValueError("empty payload")
    bv = bit_vector(payload, fill)
    cls = MSG_CLASS.get(bv.get(0, 6))
    if cls is None:
        raise ValueError("unknown message type")
    return cls.from_vector(bv)


_second_cache: dict[int, str] = {}


def iso_utc(ts: float) -> str:
    """ISO-8601 UTC with a Z; milliseconds only when the time has a fraction."""
    sec = int(ts // 1)
    text = _second_cache.get(sec)
    if text is None:
        if len(_second_cache) > 4096:
            _second_cache.clear()
        text = _second_cache[sec] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    ms = round((ts - sec) * 1000)
    if ms == 0:
        return text + "Z"
    if ms == 1000:
        return iso_utc(float(sec + 1))
    return f"{text}.{ms:03d}Z"
