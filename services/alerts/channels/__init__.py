"""Alert delivery beyond the UI: channels chosen by URL scheme, each behind its own outbox."""

from services.alerts.channels.base import Channel, ChannelSpec, SendResult, payload_of
from services.alerts.channels.outbox import Outbox
from services.alerts.channels.registry import (
    SCHEMES,
    ChannelConfigError,
    open_channel,
    parse_channels,
)

__all__ = [
    "SCHEMES",
    "Channel",
    "ChannelConfigError",
    "ChannelSpec",
    "Outbox",
    "SendResult",
    "open_channel",
    "parse_channels",
    "payload_of",
]
