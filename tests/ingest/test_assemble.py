"""Multi-sentence reassembly through the public Decoder, with real type 5 fragments."""

from __future__ import annotations

from services.core.settings import IngestSettings
from services.ingest.decoder import Decoder
from tests.ingest.helpers import decode_lines, nmea, tag

# Two real two-part type 5 messages (dma-aislib/retry_example.txt), re-sequenced as needed.
A1 = "AIVDM,2,1,{s},A,58IIrt025jfSUKW;;:0l4E9<f18E<tiE@F22220P3iVUO6oS0>4kmE28,0"
A2 = "AIVDM,2,2,{s},A,0DSQH1RAC188880,2"
B1 = "AIVDM,2,1,{s},A,539LiU000000@89:221@PDv0HU<<PE:22222220k1H<334@Q04DhD`3k,0"
B2 = "AIVDM,2,2,{s},A,`15E6H888888880,2"
SINGLE = nmea("AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0")


def frag(body: str, seq: str = "3") -> bytes:
    return nmea(body.format(s=seq)).encode()


def mmsis(lines: list[bytes]) -> list[int]:
    return [m.mmsi for m in decode_lines(lines)[0]]


def test_two_part_message_assembles() -> None:
    messages, decoder = decode_lines([frag(A1), frag(A2)])
    assert [(m.msg_type, m.mmsi) for m in messages] == [(5, 563510000)]
    assert decoder.counters.feed("test").accepted == 2


def test_lost_first_fragment_is_not_glued_to_the_next_message() -> None:
    # A1 lost: A2 is an orphan; B on the same sequence id must decode as B alone.
    messages, decoder = decode_lines([frag(A2), frag(B1), frag(B2), frag(A1), frag(A2)])
    assert [m.mmsi for m in messages] == [211235220, 563510000]
    counts = decoder.counters.feed("test")
    assert counts.rejected["incomplete_group"] == 1 and counts.accepted == 4


def test_lost_last_fragment_is_displaced_not_glued() -> None:
    # A2 lost: B1 on the same key replaces A1; B2 completes B, not A1+B2.
    messages, decoder = decode_lines([frag(A1), frag(B1), frag(B2)])
    assert [m.mmsi for m in messages] == [211235220]
    assert decoder.counters.feed("test").rejected["incomplete_group"] == 1


def test_interleaved_messages_of_other_keys() -> None:
    lines = [frag(A1, "1"), frag(B1, "2"), SINGLE.encode(), frag(B2, "2"), frag(A2, "1")]
    assert mmsis(lines) == [366053209, 211235220, 563510000]


def test_same_sequence_on_other_talker_or_channel_does_not_mix() -> None:
    body = B1.format(s="3").replace("AIVDM", "ABVDM")
    lines = [frag(A1), nmea(body).encode(), frag(A2)]
    messages, decoder = decode_lines(lines)
    assert [m.mmsi for m in messages] == [563510000]
    assert decoder.counters.feed("test").rejected["incomplete_group"] == 1  # B1 at finish


def test_incomplete_group_counted_at_finish() -> None:
    messages, decoder = decode_lines([frag(A1)])
    counts = decoder.counters.feed("test")
    assert messages == [] and counts.rejected["incomplete_group"] == 1
    assert counts.pending == 0 and counts.balanced()


def test_ttl_expiry_on_the_receive_clock() -> None:
    decoder = Decoder(IngestSettings(assembly_ttl=5.0))
    assert decoder.push(frag(A1), feed="f", received_at=100.0) == []
    decoder.expire(104.0)
    assert [m.mmsi for m in decoder.push(frag(A2), feed="f", received_at=104.5)] == [563510000]
    decoder.push(frag(A1), feed="f", received_at=200.0)
    decoder.expire(205.5)
    assert decoder.push(frag(A2), feed="f", received_at=205.6) == []
    counts = decoder.counters.feed("f")
    assert counts.rejected["incomplete_group"] == 2 and counts.balanced()


def test_tag_block_group_separated_by_another_sentence_takes_first_time() -> None:
    lines = [
        f"{tag('g:1-2-1278,s:66,c:1661782369')}{nmea(A1.format(s='3'))}".encode(),
        f"{tag('s:66,c:1661782474')}{SINGLE}".encode(),
        f"{tag('g:2-2-1278')}{nmea(A2.format(s='3'))}".encode(),
    ]
    messages, _ = decode_lines(lines)
    assert [m.msg_type for m in messages] == [1, 5]
    assert messages[1].ts == 1661782369.0 and messages[1].source == "66"
    assert messages[1].fields["ts"] == "2022-08-29T14:12:49Z"


def test_feeds_do_not_mix_fragments() -> None:
    decoder = Decoder(IngestSettings())
    assert decoder.push(frag(A1), feed="north") == []
    assert decoder.push(frag(A2), feed="south") == []
    assert [m.mmsi for m in decoder.push(frag(A2), feed="north")] == [563510000]
