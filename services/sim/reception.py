"""Shore receivers: who hears a message, duplicates, and the damage reception does.

A message is logged by the receiver nearest the vessel and, sometimes, also by the next
nearest (the same sentence from a second source, which ingest must de-duplicate). A small
share of lines is damaged the way real logs are: a changed character (checksum no longer
matches) or a line cut short.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.sim.geo import Coord, distance_nm
from services.sim.nmea import frame, tag_block

ARMOUR = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"


@dataclass(frozen=True)
class Receiver:
    source: str
    at: Coord


# Invented shore stations, one per stretch of coast (names are tag-block sources).
RECEIVERS = (
    Receiver("qz-ais-douwei", (119.015, 25.05)),
    Receiver("qz-ais-chongwu", (118.92, 24.89)),
    Receiver("qz-ais-xiangzhi", (118.77, 24.77)),
    Receiver("qz-ais-weitou", (118.575, 24.53)),
)


@dataclass(frozen=True)
class Noise:
    duplicate: float = 0.06  # share of messages also logged by a second receiver
    corrupt: float = 0.003  # share of lines with one payload character changed
    truncate: float = 0.002  # share of lines cut short


class Reception:
    """Turns one encoded message into the log lines of the receivers that heard it."""

    def __init__(
        self, rng: random.Random, noise: Noise, receivers: tuple[Receiver, ...] = RECEIVERS
    ) -> None:
        self.rng = rng
        self.noise = noise
        self.receivers = receivers
        self.seq = {r.source: 0 for r in receivers}
        self.damaged = 0

    def _ranked(self, at: Coord) -> list[Receiver]:
        return sorted(self.receivers, key=lambda r: (distance_nm(r.at, at), r.source))

    def lines(self, payload: str, fill: int, channel: str, epoch: int, at: Coord) -> list[str]:
        ranked = self._ranked(at)
        heard = ranked[:2] if self.rng.random() < self.noise.duplicate else ranked[:1]
        out: list[str] = []
        for receiver in heard:
            seq = self.seq[receiver.source]
            self.seq[receiver.source] = (seq + 1) % 10
            prefix = tag_block(receiver.source, epoch)
            out.extend(self._damage(prefix + s) for s in frame(payload, fill, channel, seq))
        return out

    def _damage(self, line: str) -> str:
        roll = self.rng.random()
        if roll < self.noise.corrupt:
            self.damaged += 1
            return self._corrupt(line)
        if roll < self.noise.corrupt + self.noise.truncate:
            self.damaged += 1
            # cut inside the sentence, as a receiver losing the end of a burst does
            return line[: self.rng.randint(line.index("!") + 8, len(line) - 4)]
        return line

    def _corrupt(self, line: str) -> str:
        head, _, rest = line.rpartition("!")
        fields = rest.split(",")
        payload = fields[5]
        i = self.rng.randrange(len(payload))
        swap = self.rng.choice([c for c in ARMOUR if c != payload[i]])
        fields[5] = payload[:i] + swap + payload[i + 1 :]
        return head + "!" + ",".join(fields)
