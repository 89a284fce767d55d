"""Channels by URL scheme, and the `[[channels]]` section of seagrid.toml.

Like Tile38's endpoints, the URL picks the transport: `log://`, `http://`, `https://`.
A new transport is one module with a class that has `send()` and one line here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from services.alerts.channels.base import DEFAULT_CHANGES, Channel, ChannelSpec
from services.alerts.channels.log import LogChannel
from services.alerts.channels.webhook import WebhookChannel
from services.alerts.model import Change, Severity

Factory = Callable[[ChannelSpec], Channel]


def _webhook(spec: ChannelSpec) -> Channel:
    return WebhookChannel(
        spec.name, spec.url, timeout=spec.timeout, headers=spec.headers, secret=_secret(spec)
    )


def _secret(spec: ChannelSpec) -> bytes | None:
    """The signing key named by `secret_env`; raises ValueError when the variable is unset."""
    if spec.secret_env is None:
        return None
    value = os.environ.get(spec.secret_env, "")
    if not value:
        raise ValueError(f"secret_env {spec.secret_env} is not set (the webhook's signing key)")
    return value.encode("utf-8")


SCHEMES: dict[str, Factory] = {
    "log": lambda spec: LogChannel(spec.name, spec.url),
    "http": _webhook,
    "https": _webhook,
}

_NUMBERS = {
    "queue_size": (int, 1),
    "max_attempts": (int, 1),
    "backoff_initial": (float, 0.0),
    "backoff_max": (float, 0.0),
    "timeout": (float, 0.001),
}


class ChannelConfigError(ValueError):
    """`[[channels]]` is malformed; `problems` lists every one, as `channels NAME: reason`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def open_channel(spec: ChannelSpec) -> Channel:
    """The channel for `spec.url`; raises ChannelConfigError for an unknown scheme."""
    scheme = spec.url.split("://", 1)[0].lower() if "://" in spec.url else ""
    factory = SCHEMES.get(scheme)
    if factory is None:
        known = ", ".join(f"{s}://" for s in sorted(SCHEMES))
        raise ChannelConfigError([f"channels {spec.name}: unknown URL scheme (use {known})"])
    try:
        return factory(spec)
    except ValueError as exc:
        raise ChannelConfigError([f"channels {spec.name}: {exc}"]) from None


def parse_channels(sections: dict[str, Any]) -> list[ChannelSpec]:
    """The `[[channels]]` of a loaded seagrid.toml; raises ChannelConfigError listing all
    problems (missing name or url, duplicate names, unknown change or severity, bad numbers)."""
    entries = sections.get("channels", [])
    if not isinstance(entries, list):
        raise ChannelConfigError(["channels: must be an array of tables [[channels]]"])
    problems: list[str] = []
    specs: list[ChannelSpec] = []
    for index, entry in enumerate(entries):
        spec = _parse_one(entry, index, problems)
        if spec is not None:
            if any(s.name == spec.name for s in specs):
                problems.append(f"channels {spec.name}: duplicate name")
            specs.append(spec)
    for spec in specs:
        scheme = spec.url.split("://", 1)[0].lower() if "://" in spec.url else ""
        if scheme not in SCHEMES:
            problems.append(f"channels {spec.name}: unknown URL scheme in {spec.url!r}")
    if problems:
        raise ChannelConfigError(problems)
    return specs


def _parse_one(entry: Any, index: int, problems: list[str]) -> ChannelSpec | None:
    if not isinstance(entry, dict):
        problems.append(f"channels #{index + 1}: not a table")
        return None
    name, url = entry.get("name"), entry.get("url")
    label = name if isinstance(name, str) and name else f"#{index + 1}"
    if not (isinstance(name, str) and name and isinstance(url, str) and url):
        problems.append(f"channels {label}: needs a non-empty name and url")
        return None
    start = len(problems)
    values: dict[str, Any] = {"name": name, "url": url}
    values["changes"] = _choices(entry, "changes", DEFAULT_CHANGES, set(Change), label, problems)
    values["offices"] = _strings(entry, "offices", label, problems)
    values["rules"] = _strings(entry, "rules", label, problems)
    severity = entry.get("min_severity", Severity.INFO.value)
    if severity not in set(Severity):
        problems.append(f"channels {label}: min_severity must be info, warning or critical")
    values["min_severity"] = severity
    for key, (kind, least) in _NUMBERS.items():
        if key in entry:
            values[key] = _number(entry[key], kind, least, f"channels {label}: {key}", problems)
    headers = entry.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        problems.append(f"channels {label}: headers must be a table of strings")
    values["headers"] = dict(headers) if isinstance(headers, dict) else {}
    secret_env = entry.get("secret_env")
    if secret_env is not None and not (isinstance(secret_env, str) and secret_env):
        problems.append(f"channels {label}: secret_env must be the name of an environment variable")
    values["secret_env"] = secret_env if isinstance(secret_env, str) and secret_env else None
    return ChannelSpec(**values) if len(problems) == start else None


def _strings(entry: dict[str, Any], key: str, label: str, problems: list[str]) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"channels {label}: {key} must be a list of strings")
        return ()
    return tuple(value)


def _choices(
    entry: dict[str, Any],
    key: str,
    default: tuple[str, ...],
    allowed: set[str],
    label: str,
    problems: list[str],
) -> tuple[str, ...]:
    if key not in entry:
        return default
    values = _strings(entry, key, label, problems)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        problems.append(f"channels {label}: unknown {key} {unknown} (use {sorted(allowed)})")
    return values


def _number(value: Any, kind: type, least: float, where: str, problems: list[str]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < least:
        problems.append(f"{where} must be a number >= {least}")
        return least
    if kind is int and not isinstance(value, int):
        problems.append(f"{where} must be a whole number")
    return kind(value)
