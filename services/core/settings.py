"""The settings object: built once in the entry point and passed down.

Environment variables use the prefix `SEAGRID_` and `__` for nesting, e.g.
`SEAGRID_BUS_URL=redis://127.0.0.1:6379/0` or `SEAGRID_INGEST__DEDUP_WINDOW=5`. Each stage
receives only its own slice. There is deliberately no module-level instance: tests build
their own `Settings(...)` instead of patching a global.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_CONFIG_DIR = Path(__file__).resolve().parent.parent / "demo" / "config"


class IngestSettings(BaseModel):
    """Framing, reassembly and de-duplication limits."""

    max_line_length: int = Field(
        default=1024,
        description="Longer lines are rejected as too_long. An NMEA sentence is at most 82 "
        "characters; tag blocks and prefixes add a few hundred at most.",
    )
    assembly_ttl: float = Field(
        default=10.0,
        description="Seconds an incomplete multi-sentence group waits for its other fragments. "
        "Fragments of one message are sent back to back, so a few seconds is generous.",
    )
    dedup_window: float = Field(
        default=10.0,
        description="Seconds within which the same payload heard again (another receiver, "
        "another talker) counts as a duplicate.",
    )
    batch_size: int = Field(default=512, description="Records per bus publish.")
    flush_interval: float = Field(
        default=0.2, description="Seconds before a partial batch is sent."
    )


class DatabaseSettings(BaseModel):
    """PostgreSQL persistence (distributed mode, and `seagrid serve` without --demo)."""

    flush_interval: float = Field(
        default=1.0, description="Positions are written at least this often (seconds)."
    )
    batch_size: int = Field(default=5000, description="Positions per COPY batch at most.")
    buffer_size: int = Field(
        default=50_000,
        ge=1,
        description="Records persist holds (read, not yet committed) at most. While the "
        "database is down it keeps reading until this many wait, then stops reading, so "
        "Redis holds the rest (about a minute of a busy regional feed, a few tens of MB).",
    )
    retention_days: int = Field(
        default=180,
        description="Raw positions older than this many days are dropped, a daily partition "
        "at a time (the persist stage checks hourly; 0 keeps them for ever). Statistics stay.",
    )


class Settings(BaseSettings):
    """Everything a seagrid process can be told from its environment."""

    model_config = SettingsConfigDict(env_prefix="SEAGRID_", env_nested_delimiter="__")

    bus_url: str = Field(default="memory://", description="memory:// or redis://host:port/db")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0")
    bus_reconnect: float = Field(
        default=3600.0,
        ge=0,
        description="Seconds a `seagrid run` process keeps retrying Redis (with back-off) "
        "after losing it, before its stages give up and the process exits for its "
        "supervisor to restart: an hour rides out any restart or failover.",
    )
    database_url: str | None = Field(default=None, description="postgresql://... (asyncpg)")
    config_dir: Path = Field(default=DEMO_CONFIG_DIR)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
