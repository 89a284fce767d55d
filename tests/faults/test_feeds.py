"""A feed that hangs up every few seconds and a feed sending garbage at full speed do not
disturb another feed: every position of the good feed reaches the bus (`run ingest`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from services.core import topics
from services.core.codec import decode_as
from services.core.settings import IngestSettings
from services.core.types import Position
from services.ingest.decoder import Decoder
from services.ingest.dedup import Deduplicator
from services.ingest.records import to_records
from tests.faults.harness import PrivateRedis, StageProcess, stage_env, wait_until
from tests.faults.pipeline import DEMO_RECORDING, config_with_feeds
from tests.faults.servers import FlakyServer, GarbageServer, PacedServer, read_lines, tcp_feed

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
Identity = tuple[int, float, float, float]


def _expected(lines: list[bytes], feed: str) -> set[Identity]:
    """The positions ingest should publish for `lines`, computed in-process."""
    decoder, dedup = Decoder(IngestSettings()), Deduplicator(IngestSettings().dedup_window)
    out = set()
    for message in decoder.push_lines(lines, feed=feed, received_at=0.0):
        if dedup.is_duplicate(message):
            continue
        for record in to_records(message, feed):
            if isinstance(record, Position):
                out.add((record.mmsi, round(record.ts, 3), record.lat, record.lon))
    return out


class _Positions:
    """Positions read off the private Redis so far (their `source` is the tag block's
    station, not the feed: they are told apart by identity)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client, self.last = client, "0-0"
        self.seen: set[Identity] = set()

    def poll(self) -> None:
        while True:
            got = self.client.xread({topics.POSITIONS: self.last}, count=5000)
            if not got:
                return
            for entry_id, fields in got[0][1]:
                self.last = entry_id
                for key, payload in fields.items():
                    del key
                    p = decode_as(payload, Position)
                    self.seen.add((p.mmsi, round(p.ts, 3), p.lat, p.lon))


def test_flaky_and_garbage_feeds_do_not_disturb_a_good_one(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    good_lines = read_lines(DEMO_RECORDING, 0, 6000)
    flaky_lines = read_lines(DEMO_RECORDING, 60_000, 4000)  # other hours: no dedup across
    expected, flaky_expected = _expected(good_lines, "good"), _expected(flaky_lines, "flaky")
    assert len(expected) > 3000 and not expected & flaky_expected
    with (
        PacedServer(good_lines, rate=600) as good,
        FlakyServer(flaky_lines, period=2.0) as flaky,
        GarbageServer() as garbage,
    ):
        feeds = tcp_feed("good", good.port) + tcp_feed(
            "flaky", flaky.port, backoff_initial=0.2, backoff_max=1.0
        )
        feeds += tcp_feed("garbage", garbage.port)
        config = config_with_feeds(tmp_path, feeds)
        ingest = StageProcess("ingest", config, stage_env(private_redis.url, None))
        ingest.start()
        seen = _Positions(private_redis.client())
        started = time.monotonic()
        try:

            def good_all_in() -> bool:
                ingest.assert_alive()
                seen.poll()
                return seen.seen >= expected and flaky.connections >= 4

            try:
                wait_until(good_all_in, 60, "every position of the good feed", every=0.5)
            except AssertionError as exc:
                got = len(seen.seen & expected)
                raise AssertionError(
                    f"{exc}: {got} of {len(expected)} good positions, good server sent "
                    f"{good.sent} lines, flaky: {flaky.connections} connections; "
                    f"ingest log: {ingest.tail(1500)}"
                ) from None
            elapsed = time.monotonic() - started
        finally:
            status = ingest.stop()
    assert status == 0, ingest.tail()
    assert seen.seen >= expected  # every position of the good feed
    assert seen.seen & flaky_expected  # the flaky one delivers between its hang-ups
    assert seen.seen <= expected | flaky_expected  # garbage never makes a position
    # 6000 lines at 600 lines/s: ten seconds plus start-up, not slowed by the garbage.
    assert elapsed < 40, f"the good feed took {elapsed:.1f} s"
    print(  # noqa: T201 (the figures of the run, for the test log)
        f"good feed: {len(expected)} positions in {elapsed:.1f} s; "
        f"flaky feed: {flaky.connections} connections"
    )
