"""Handover notices: what one MSA tells another about a vessel heading its way, signed.

The envelope is `{"notice": {...}, "signature": "hmac-sha256=<hex>"}`, the HMAC (SHA-256,
the neighbour's shared key) taken over the notice encoded canonically (orjson, keys
sorted). Signing a canonical form rather than the raw request body lets the notice travel
through any delivery channel, which encodes JSON its own way. A notice carries its own id
(receivers drop copies: delivery is at least once) and `sent_at` (receivers refuse a
notice too old or from the future, so a captured one cannot be replayed later).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

PREFIX = "hmac-sha256="
MAX_SKEW_S = 3600.0


class NoticeRejected(ValueError):
    """A notice that must not be acted on; `reason` is the counter it is counted under."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def canonical(notice: dict[str, Any]) -> bytes:
    return orjson.dumps(notice, option=orjson.OPT_SORT_KEYS)


def sign(notice: dict[str, Any], key: bytes) -> dict[str, Any]:
    digest = hmac.new(key, canonical(notice), hashlib.sha256).hexdigest()
    return {"notice": notice, "signature": PREFIX + digest}


def verify(envelope: Any, keys: dict[str, bytes], now: float) -> dict[str, Any]:
    """The notice when the envelope is well-formed, from a known neighbour, signed with its
    key and recent; raises NoticeRejected otherwise."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("notice"), dict):
        raise NoticeRejected("malformed", "body must be {notice: {...}, signature}")
    notice, signature = envelope["notice"], envelope.get("signature")
    sender = notice.get("from")
    key = keys.get(sender) if isinstance(sender, str) else None
    if key is None:
        raise NoticeRejected("unknown_sender", f"unknown sender {sender!r}")
    if not isinstance(signature, str) or not signature.startswith(PREFIX):
        raise NoticeRejected("bad_signature", "missing or malformed signature")
    expected = hmac.new(key, canonical(notice), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.removeprefix(PREFIX)):
        raise NoticeRejected("bad_signature", "signature does not match")
    sent = notice.get("sent_at")
    if not isinstance(sent, int | float) or abs(now - sent) > MAX_SKEW_S:
        raise NoticeRejected("stale", "sent_at missing or more than an hour away from now")
    checked: dict[str, Any] = notice
    return checked
