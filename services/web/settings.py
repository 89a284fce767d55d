"""Settings of the web service: a slice `web` of the process settings, plus the signing key.

`SEAGRID_SECRET_KEY` signs bearer tokens; `SEAGRID_WEB__TICK`, `SEAGRID_WEB__TILE_URL` and
the other `SEAGRID_WEB__*` variables tune the service. Built once by the entry point
(`ServeSettings()`), never at import time, so tests construct their own.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from services.core.settings import Settings
from services.web.throttle import ThrottleSettings


class WebSettings(BaseModel):
    """Live push, tokens and the map; each default says why it is what it is."""

    tick: float = Field(
        default=1.0,
        gt=0,
        description="Seconds between WebSocket position frames. Class A vessels under way "
        "report every 2-10 s, so 1 s shows every report with at most one second of delay.",
    )
    stale_after: float = Field(
        default=600.0,
        gt=0,
        description="Seconds of silence after which a vessel leaves the live picture (sent "
        "as `removed`). Twice the slowest regular report interval (3 min at anchor) plus margin.",
    )
    client_buffer: int = Field(
        default=4,
        ge=1,
        description="Frames a WebSocket client may have queued before the server stops "
        "queueing and coalesces to the latest position per vessel instead.",
    )
    alert_buffer: int = Field(
        default=500, ge=1, description="Alert messages queued per client before a resync."
    )
    token_ttl: float = Field(
        default=12 * 3600.0,
        gt=0,
        description="Bearer token lifetime in seconds: one watch (shift) of 12 hours.",
    )
    track_points: int = Field(
        default=2000,
        ge=10,
        description="Demo mode: positions kept in memory per vessel for /track (about 2 h "
        "of a class A vessel at its slowest under-way rate).",
    )
    tile_url: str | None = Field(
        default=None,
        description="Raster tile URL template for the map ({z}/{x}/{y}); None: the bundled "
        "offline basemap only (the centre's machines have no internet).",
    )
    language: str = Field(default="zh-CN", description="Default UI language.")
    host: str = Field(default="127.0.0.1", description="Listen address of `seagrid run web`.")
    port: int = Field(default=8000, gt=0, lt=65536, description="Port of `seagrid run web`.")
    max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body in bytes (413 beyond): JSON bodies are a few KiB "
        "at most, and a body is held in memory while it is read (services/web/limits.py).",
    )
    body_limits: dict[str, int] = Field(
        # Uploads: registry exports (CSV/xlsx) and drawn or uploaded GeoJSON areas, whose
        # detailed coastlines pass 64 KiB easily.
        default_factory=lambda: {
            "/api/registry/import": 10 * 1024 * 1024,
            "/api/waterworks": 1024 * 1024,
            "/api/notices": 1024 * 1024,
        },
        description="Larger limits for path prefixes that take uploads, e.g. "
        '{"/api/cases/": 10485760}; the longest matching prefix wins.',
    )
    login: ThrottleSettings = Field(
        default_factory=ThrottleSettings,
        description="Login back-off per account and per client address (services/web/throttle.py).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser. Empty (closed): the "
        "map is served from the same origin and needs none.",
    )


class ServeSettings(Settings):
    """The process settings with the web slice and the token signing key."""

    web: WebSettings = Field(default_factory=WebSettings)
    secret_key: SecretStr | None = Field(
        default=None, description="Signs bearer tokens; required outside demo mode."
    )
