"""Feeds: where raw AIS lines come from (TCP client, UDP listener, file, stdin).

`make_feed(FeedConfig(...))` builds one by kind; every feed has a `name` (the `source` of
its messages when no tag block names one) and `async run(sink)`.
"""

from services.ingest.feeds.base import Backoff, Feed, FeedStats, LineSink
from services.ingest.feeds.config import (
    FEED_KINDS,
    FeedConfig,
    FeedConfigError,
    feeds_from_tables,
    make_feed,
    parse_speed,
)
from services.ingest.feeds.file import FileFeed, ReplayClock
from services.ingest.feeds.stdin import StdinFeed
from services.ingest.feeds.tcp import TcpFeed
from services.ingest.feeds.udp import UdpFeed

__all__ = [
    "FEED_KINDS",
    "Backoff",
    "Feed",
    "FeedConfig",
    "FeedConfigError",
    "FeedStats",
    "FileFeed",
    "LineSink",
    "ReplayClock",
    "StdinFeed",
    "TcpFeed",
    "UdpFeed",
    "feeds_from_tables",
    "make_feed",
    "parse_speed",
]
