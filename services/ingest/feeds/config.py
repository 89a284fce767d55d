"""Feed configuration (`[[feeds]]` tables of seagrid.toml, CONTRACTS §5) and the registry
that turns one into a running feed by its `kind`.

Problems are reported with the feed's name and the offending key, at start-up, so that a
typo in seagrid.toml stops the process with one clear line instead of a feed that silently
never connects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.ingest.feeds.base import Backoff, Feed
from services.ingest.feeds.file import FileFeed
from services.ingest.feeds.stdin import StdinFeed
from services.ingest.feeds.tcp import TcpFeed
from services.ingest.feeds.udp import UdpFeed


class FeedConfigError(ValueError):
    """A `[[feeds]]` entry is unusable; the message names the feed and the key."""


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One feed. `speed` None means as fast as possible ("max"); file feeds only."""

    name: str
    kind: str
    host: str | None = None
    port: int | None = None
    path: Path | None = None
    speed: float | None = None
    max_line_length: int = 1024
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    idle_timeout: float | None = 300.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: Path | None = None) -> FeedConfig:
        """Build from a `[[feeds]]` table; relative paths are taken from `base_dir`."""
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise FeedConfigError("feed without a name")
        unknown = set(data) - _KEYS
        if unknown:
            raise FeedConfigError(f"feed {name}: unknown keys {sorted(unknown)}")
        path = data.get("path")
        if path is not None:
            path = Path(path)
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
        try:
            cfg = cls(
                name=name,
                kind=str(data.get("kind", "")),
                host=data.get("host"),
                port=data.get("port"),
                path=path,
                speed=parse_speed(data.get("speed", "max")),
                **{k: data[k] for k in _TUNING if k in data},
            )
        except ValueError as exc:
            raise FeedConfigError(f"feed {name}: {exc}") from exc
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Raise FeedConfigError when a key the kind needs is missing or out of range."""
        if self.kind not in FEED_KINDS:
            raise FeedConfigError(
                f"feed {self.name}: kind {self.kind!r} is not one of {sorted(FEED_KINDS)}"
            )
        if self.kind == "tcp" and not self.host:
            raise FeedConfigError(f"feed {self.name}: tcp needs a host")
        if self.kind in ("tcp", "udp") and not _is_port(self.port, allow_zero=self.kind == "udp"):
            raise FeedConfigError(f"feed {self.name}: port must be 1-65535, not {self.port!r}")
        if self.kind == "file" and self.path is None:
            raise FeedConfigError(f"feed {self.name}: file needs a path")
        if self.speed is not None and self.kind not in ("file", "stdin"):
            raise FeedConfigError(f"feed {self.name}: speed applies to file feeds only")


_TUNING = ("max_line_length", "backoff_initial", "backoff_max", "idle_timeout")
_KEYS = {"name", "kind", "host", "port", "path", "speed", *_TUNING}


def _is_port(port: object, *, allow_zero: bool) -> bool:
    low = 0 if allow_zero else 1
    return isinstance(port, int) and not isinstance(port, bool) and low <= port <= 65535


def parse_speed(value: object) -> float | None:
    """ "max" (None: as fast as possible) or a positive factor of real time."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "max"):
        return None
    try:
        speed = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"speed must be 'max' or a positive number, not {value!r}") from None
    if not speed > 0 or speed == float("inf"):
        raise ValueError(f"speed must be 'max' or a positive number, not {value!r}")
    return speed


def _tcp(cfg: FeedConfig) -> Feed:
    assert cfg.host is not None and cfg.port is not None
    return TcpFeed(
        cfg.name,
        cfg.host,
        cfg.port,
        max_line_length=cfg.max_line_length,
        backoff=Backoff(cfg.backoff_initial, cfg.backoff_max),
        idle_timeout=cfg.idle_timeout,
    )


def _udp(cfg: FeedConfig) -> Feed:
    assert cfg.port is not None
    return UdpFeed(cfg.name, cfg.host or "0.0.0.0", cfg.port, max_line_length=cfg.max_line_length)


def _file(cfg: FeedConfig) -> Feed:
    assert cfg.path is not None
    return FileFeed(cfg.name, cfg.path, speed=cfg.speed, max_line_length=cfg.max_line_length)


def _stdin(cfg: FeedConfig) -> Feed:
    return StdinFeed(cfg.name, speed=cfg.speed, max_line_length=cfg.max_line_length)


FEED_KINDS: dict[str, Callable[[FeedConfig], Feed]] = {
    "tcp": _tcp,
    "udp": _udp,
    "file": _file,
    "stdin": _stdin,
}


def make_feed(cfg: FeedConfig) -> Feed:
    """A feed ready to `run`, of the class registered for `cfg.kind`."""
    cfg.validate()
    return FEED_KINDS[cfg.kind](cfg)


def feeds_from_tables(
    tables: Sequence[Mapping[str, Any]], base_dir: Path | None = None
) -> list[Feed]:
    """The feeds of seagrid.toml's `[[feeds]]` list; FeedConfigError on the first bad one."""
    configs = [FeedConfig.from_dict(table, base_dir) for table in tables]
    names = [cfg.name for cfg in configs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise FeedConfigError(f"feed names must be unique: {', '.join(duplicates)}")
    return [make_feed(cfg) for cfg in configs]
