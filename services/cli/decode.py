"""`seagrid decode [FILE ...]`: recorded AIS NMEA to JSON Lines (CONTRACTS §1, §3).

Standard input when no FILE or `-`. One JSON object per decoded message on stdout, in input
order of each message's last fragment; nothing else on stdout. A summary of what happened to
every line (per input, by reason) goes to stderr.

Exit status: 0 when every input could be read; 2 when a file is missing or unreadable. Like
`cat`, an unreadable file does not stop the others from being decoded (an operator gets all
the data there is, and the status still says something was missing). Each file is its own
feed: counters, reassembly and pending `$PGHP` times never cross from one file to the next.
This is a decoder, not the ingest stage: duplicates are printed, not suppressed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO

import orjson

from services.core.faults import reason_of
from services.core.settings import Settings
from services.ingest.counters import TOO_LONG
from services.ingest.decoder import Decoder
from services.ingest.framing import LineBuffer
from services.ingest.message import Message

CHUNK = 1 << 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "decode",
        help="decode recorded AIS NMEA to JSON Lines",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="input files (- for stdin)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings().ingest
    decoder = Decoder(settings)
    status = 0
    out = sys.stdout.buffer
    try:
        for name in args.files or ["-"]:
            if not _decode_one(name, decoder, settings.max_line_length, out):
                status = 2
        decoder.finish()
        out.flush()
    except BrokenPipeError:  # `seagrid decode x | head`: the reader has all it wants
        # Nothing more can be written there: point stdout at /dev/null so that the
        # interpreter's final flush does not fail (and turn the exit status into 120).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    print(decoder.counters.summary(), file=sys.stderr)
    return status


def _decode_one(name: str, decoder: Decoder, max_line: int, out: BinaryIO) -> bool:
    """Decode one input; False when it could not be (fully) read."""
    feed = "stdin" if name == "-" else name
    try:
        stream = sys.stdin.buffer if name == "-" else open(name, "rb")
    except OSError as exc:
        print(f"seagrid decode: {name}: {exc.strerror or exc}", file=sys.stderr)
        return False
    decoder.counters.feed(feed)  # an empty input still shows up in the summary
    buffer = LineBuffer(max_line)
    try:
        while chunk := stream.read(CHUNK):
            _emit(decoder, feed, buffer.feed(chunk), out)
        _emit(decoder, feed, buffer.flush(), out)
    except BrokenPipeError:  # the reader of stdout went away: not a read error
        raise
    except OSError as exc:
        print(f"seagrid decode: {name}: {exc.strerror or exc}", file=sys.stderr)
        return False
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
        counts = decoder.counters.feed(feed)
        counts.lines += buffer.too_long
        counts.rejected[TOO_LONG] += buffer.too_long
    return True


def _emit(decoder: Decoder, feed: str, lines: list[bytes], out: BinaryIO) -> None:
    push = decoder.push
    chunks = [
        chunk for line in lines for m in push(line, feed=feed) if (chunk := _json(decoder, m))
    ]
    if chunks:
        out.write(b"\n".join(chunks) + b"\n")


def _json(decoder: Decoder, message: Message) -> bytes:
    """The message's JSON line; empty (and counted as a fault) if it cannot be built."""
    try:
        return orjson.dumps(message.fields)
    except Exception as exc:  # a bug met by an odd message: lose it, not the rest
        decoder.faults.record(reason_of("message", exc), exc, message.payload)
        return b""
