"""Security headers on every HTTP response (a pure ASGI middleware, outermost).

- `Content-Security-Policy`: the map loads only its own scripts, styles and data. MapLibre
  runs its tile workers from `blob:` URLs (`worker-src blob:`, `child-src blob:` for older
  engines), its stylesheet draws control icons from `data:` images, and the map reads tiles
  from the configured raster tile server (`WebSettings.tile_url`, whose origin is added to
  `img-src` and `connect-src`). The WebSocket is same-origin (`'self'` covers ws/wss in CSP
  level 3). `frame-ancestors 'none'`: the console must not be framed (clickjacking of the
  acknowledge buttons). `/docs` and `/redoc` load FastAPI's Swagger/ReDoc from its CDN and an
  inline script, so they get a policy that allows exactly that.
- `X-Frame-Options: DENY` for engines without `frame-ancestors`.
- `X-Content-Type-Options: nosniff`: a JSON or text response is never run as a script.
- `Referrer-Policy: no-referrer`: URLs (alert ids, tokens in a WebSocket URL) stay here.
- `Cache-Control: no-store` on /api responses: office data does not stay in shared caches.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.reports.style import STYLE_HASH  # the one inline stylesheet allowed

_DOCS_PATHS = ("/docs", "/redoc")
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https:; "
    "worker-src 'self' blob:; frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
)


def map_policy(tile_url: str | None) -> str:
    """The map's Content-Security-Policy, with the tile server's origin when there is one."""
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{", "").replace("}", ""))
        if parts.scheme in ("http", "https") and parts.hostname:
            tiles = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src blob:; "
        f"style-src 'self' {STYLE_HASH}; img-src 'self' data: blob:{tiles}; connect-src 'self'{tiles}; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, tile_url: str | None = None) -> None:
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        self._map = [(b"content-security-policy", map_policy(tile_url).encode()), *common]
        self._docs = [(b"content-security-policy", _DOCS_CSP.encode()), *common]
        self._api = [*self._map, (b"cache-control", b"no-store")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = self._map
        if path.startswith(_DOCS_PATHS):
            extra = self._docs
        elif path.startswith("/api/"):
            extra = self._api

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in have]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
