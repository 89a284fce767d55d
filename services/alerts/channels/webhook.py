"""`http://` and `https://`: POST each alert change as JSON to a webhook.

2xx is delivered. Anything else (a 5xx, a timeout, a refused connection) is a failed
attempt that the outbox retries with back-off, except 4xx other than 408/429: the receiver
rejected this payload, and sending it again will not change its mind. Every request carries
`Idempotency-Key`, the same on every retry, so a receiver can drop copies.

With a key (`secret_env`), each request is signed: `X-Seagrid-Timestamp` (Unix seconds) and
`X-Seagrid-Signature: sha256=<hex>`, the HMAC-SHA256 of `"<timestamp>.<body>"`, so the
receiver (the provincial centre) can check who sent it and refuse a replayed old request.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import orjson

from services.alerts.channels.base import SendResult

_RETRYABLE_4XX = frozenset({408, 425, 429})


class WebhookChannel:
    def __init__(
        self,
        name: str,
        url: str,
        *,
        timeout: float = 5.0,
        headers: dict[str, str] | None = None,
        secret: bytes | None = None,
    ) -> None:
        self.name = name
        self.url = url
        self._secret = secret
        self._client = httpx.AsyncClient(
            timeout=timeout,
            headers={"User-Agent": "seagrid-alerts", **(headers or {})},
            follow_redirects=False,
        )

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        try:
            body = orjson.dumps(payload)
            headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
            if self._secret is not None:
                headers.update(signature_headers(self._secret, body, time.time()))
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        code = response.status_code
        if 200 <= code < 300:
            return SendResult(ok=True, status_code=code)
        return SendResult(ok=False, status_code=code, error=f"HTTP {code}")

    async def close(self) -> None:
        await self._client.aclose()


def signature_headers(secret: bytes, body: bytes, now: float) -> dict[str, str]:
    """The headers that sign `body` at time `now` (see the module docstring)."""
    stamp = str(int(now))
    digest = hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Seagrid-Timestamp": stamp, "X-Seagrid-Signature": f"sha256={digest}"}


def is_permanent(result: SendResult) -> bool:
    """A rejection that retrying cannot fix."""
    code = result.status_code
    return code is not None and 400 <= code < 500 and code not in _RETRYABLE_4XX
