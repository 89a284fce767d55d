"""Shared helpers for the ingest tests: build checksummed sentences, run a decoder."""

from __future__ import annotations

from functools import reduce
from operator import xor
from pathlib import Path

from services.core.settings import IngestSettings
from services.ingest.decoder import Decoder
from services.ingest.framing import LineBuffer
from services.ingest.message import Message


def nmea(body: str, start: str = "!") -> str:
    """A sentence with a correct checksum: nmea("AIVDM,1,1,,A,...,0")."""
    return f"{start}{body}*{reduce(xor, body.encode(), 0):02X}"


def tag(fields: str) -> str:
    """A tag block with a correct checksum: tag("s:rx1,c:1700000000")."""
    return f"\\{fields}*{reduce(xor, fields.encode(), 0):02X}\\"


def decode_lines(
    lines: list[bytes], settings: IngestSettings | None = None, feed: str = "test"
) -> tuple[list[Message], Decoder]:
    decoder = Decoder(settings or IngestSettings())
    out = [m for line in lines for m in decoder.push(line, feed=feed)]
    decoder.finish()
    return out, decoder


def read_lines(path: Path) -> list[bytes]:
    buffer = LineBuffer(IngestSettings().max_line_length)
    return buffer.feed(path.read_bytes()) + buffer.flush()
