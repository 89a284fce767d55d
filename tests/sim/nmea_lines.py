"""Reading simulated lines back with pyais: checksums, reassembly, decoding."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyais import decode

from services.sim.nmea import checksum


@dataclass
class Decoded:
    epoch: int
    source: str
    data: dict[str, Any]


def split(line: str) -> tuple[str, str]:
    """(tag block body, sentence) of a tag-blocked line."""
    assert line.startswith("\\"), line
    tag, _, sentence = line[1:].partition("\\")
    return tag, sentence


def checksum_ok(text: str) -> bool:
    """Whether `!body*hh` or `body*hh` carries the right checksum."""
    body, star, cs = text.lstrip("!").rpartition("*")
    return bool(star) and len(cs) == 2 and checksum(body) == cs


def decode_lines(lines: list[str]) -> Iterator[Decoded]:
    """Every message of intact lines, multi-sentence ones reassembled per source and seq id."""
    pending: dict[tuple[str, str], list[str]] = {}
    for line in lines:
        tag, sentence = split(line)
        if not checksum_ok(sentence):
            continue
        fields = sentence.split(",")
        source = tag.split(",")[0][2:]
        epoch = int(tag.split(",")[1].split("*")[0][2:])
        if fields[1] == "1":
            yield Decoded(epoch, source, decode(sentence).asdict())
            continue
        key = (source, fields[3])
        pending.setdefault(key, []).append(sentence)
        if fields[2] == fields[1]:
            parts = pending.pop(key)
            if len(parts) == int(fields[1]):
                yield Decoded(epoch, source, decode(*parts).asdict())
