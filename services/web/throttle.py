"""Login throttling: per account and per client address, exponential back-off (pure).

Without it a client tried 1,576 passwords in 30 s and the right one then worked at once.
Each key (an account name, a client address) counts its failed logins. The first `free`
failures cost nothing (typos); each one after that closes the key for `base * 2**k`
seconds, capped at `cap`. While a key is closed, a login on it is answered 429 with
`Retry-After` *without checking the password*: a guess during the wait would otherwise still
tell the attacker whether it was right, and every check costs a scrypt (16 MiB, ~50 ms).

Why an attacker cannot lock a real user out for long: the account's wait is capped low
(default 60 s: an attacker holding it closed gets one guess a minute, a real user waits a
minute at worst), and a successful login clears the account's count. Addresses get more free
failures (an office behind one NAT address shares it) and a higher cap (5 min). A key
forgets its failures `forget_after` seconds after the last one. At most `max_keys` keys are
kept (the oldest forgotten first), so a flood of made-up names cannot fill memory.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass

from pydantic import BaseModel, Field


class BackoffSettings(BaseModel):
    free: int = Field(ge=0, description="failures allowed before any wait")
    base: float = Field(gt=0, description="first wait, seconds; doubles with each failure")
    cap: float = Field(gt=0, description="longest wait, seconds")


class ThrottleSettings(BaseModel):
    """`SEAGRID_WEB__LOGIN__ACCOUNT__FREE=5` and so on."""

    account: BackoffSettings = Field(
        default_factory=lambda: BackoffSettings(free=5, base=1.0, cap=60.0)
    )
    address: BackoffSettings = Field(
        default_factory=lambda: BackoffSettings(free=20, base=1.0, cap=300.0)
    )
    forget_after: float = Field(default=900.0, gt=0, description="after the last failure, s")
    max_keys: int = Field(default=100_000, ge=100, description="kept, oldest forgotten first")


@dataclass(slots=True)
class _Key:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0  # closed until this time


class _Book:
    """Failures and waits of one kind of key."""

    def __init__(self, rule: BackoffSettings, forget_after: float, max_keys: int) -> None:
        self.rule, self.forget_after, self.max_keys = rule, forget_after, max_keys
        self._keys: OrderedDict[str, _Key] = OrderedDict()

    def wait(self, key: str, now: float) -> float:
        entry = self._keys.get(key)
        if entry is None:
            return 0.0
        if now - entry.last > self.forget_after:
            del self._keys[key]
            return 0.0
        return max(0.0, entry.until - now)

    def fail(self, key: str, now: float) -> None:
        entry = self._keys.pop(key, None)
        if entry is None or now - entry.last > self.forget_after:
            entry = _Key()
        entry.failures += 1
        entry.last = now
        over = entry.failures - self.rule.free
        if over > 0:
            entry.until = now + min(self.rule.cap, self.rule.base * 2.0 ** min(over - 1, 30))
        self._keys[key] = entry  # most recent last
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def clear(self, key: str) -> None:
        self._keys.pop(key, None)

    def closed(self, now: float) -> int:
        return sum(1 for e in self._keys.values() if e.until > now)


class LoginThrottle:
    """Asks before a password is checked (`wait`), and hears how it went (`failed`, `ok`)."""

    def __init__(self, settings: ThrottleSettings | None = None) -> None:
        s = settings or ThrottleSettings()
        self._accounts = _Book(s.account, s.forget_after, s.max_keys)
        self._addresses = _Book(s.address, s.forget_after, s.max_keys)
        self.outcomes: Counter[str] = Counter()  # ok, failed, throttled (for /metrics)

    def wait(self, account: str, address: str, now: float) -> int:
        """Whole seconds to wait before a login may be tried; 0 when it may now."""
        seconds = max(
            self._accounts.wait(account.casefold(), now), self._addresses.wait(address, now)
        )
        if seconds > 0:
            self.outcomes["throttled"] += 1
        return math.ceil(seconds)

    def failed(self, account: str, address: str, now: float) -> None:
        self.outcomes["failed"] += 1
        self._accounts.fail(account.casefold(), now)
        self._addresses.fail(address, now)

    def ok(self, account: str) -> None:
        """A good login clears the account (not the address: one good account of an
        attacker's must not reset the count of the guesses made from there)."""
        self.outcomes["ok"] += 1
        self._accounts.clear(account.casefold())

    def closed(self, now: float) -> dict[str, int]:
        return {"account": self._accounts.closed(now), "address": self._addresses.closed(now)}
