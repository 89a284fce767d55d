"""What a delivery channel is, and how one is configured.

A channel takes one alert change and tries once to hand it over (write a log line, POST a
webhook). Retrying, back-off, queueing and receipts are the outbox's job (`outbox.py`), so a
new transport is a small class with `send()`, chosen by URL scheme (`registry.py`).
`send` never raises: a failure is a `SendResult` with `ok=False`, recorded on the alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from services.alerts.model import AlertChange, Change, Severity, iso_utc

# Raised and escalated alerts are what someone must act on; updates, clears and operator
# actions are visible in the UI, and forwarding them all would bury the ones that matter.
DEFAULT_CHANGES = (Change.RAISED.value, Change.ESCALATED.value)
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str | None = None


class Channel(Protocol):
    name: str

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        """One attempt; never raises (a failure is `ok=False` with the reason)."""

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One `[[channels]]` entry of seagrid.toml (docs/alerts-delivery.md lists the keys).

    Filters: `changes` (which alert changes), `offices` (alerts of these offices; the centre's
    id also selects alerts escalated to the centre), `min_severity`, `rules`. A channel named
    as `[escalation] provincial_channel` receives only provincial escalations.
    """

    name: str
    url: str
    changes: tuple[str, ...] = DEFAULT_CHANGES
    offices: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    min_severity: str = Severity.INFO.value
    queue_size: int = 1000
    max_attempts: int = 5
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    timeout: float = 5.0
    headers: dict[str, str] = field(default_factory=dict)
    # HMAC-SHA256 key of a webhook, read from this environment variable at start-up (never
    # from the file: secrets stay out of configuration repositories)
    secret_env: str | None = None

    def wants(self, change: AlertChange, centre_id: str) -> bool:
        alert = change.alert
        if change.change not in self.changes:
            return False
        if self.rules and alert.rule not in self.rules:
            return False
        if _SEVERITY_RANK[Severity(alert.severity)] < _SEVERITY_RANK[Severity(self.min_severity)]:
            return False
        if not self.offices or alert.office in self.offices:
            return True
        return centre_id in self.offices and "centre" in alert.escalated_to


def payload_of(change: AlertChange) -> dict[str, Any]:
    """The JSON a channel sends: the change, and the alert as in CONTRACTS §4."""
    alert = change.alert.to_json()
    alert["escalated_to"] = list(change.alert.escalated_to)
    return {
        "type": "alert",
        "change": change.change,
        "at": iso_utc(change.at),
        "actor": change.actor,
        "note": change.note,
        "alert": alert,
    }


def idempotency_key(change: AlertChange) -> str:
    """Same for every retry of one change, so a receiver can drop the copies it already has."""
    return f"{change.alert.id}:{change.change}:{change.at:.3f}"
