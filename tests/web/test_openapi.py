"""The OpenAPI schema the real server publishes documents what its shared machinery answers
(schemathesis checks every response against it: test_schema.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.core.config import SeagridConfig
from tests.web.conftest import start_env


@pytest.fixture
async def schema(demo_config: SeagridConfig) -> AsyncIterator[dict]:
    async for env in start_env(demo_config):
        yield (await env.http.get("/openapi.json")).json()


def _ops(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "delete", "put", "patch")
    ]


async def test_errors_of_the_shared_machinery_are_documented(schema: dict) -> None:
    for path, method, op in _ops(schema):
        responses = op["responses"]
        if path.startswith("/api/") and path != "/api/auth/token":
            assert {"401", "403"} <= set(responses), (method, path)
            assert "WWW-Authenticate" in responses["401"]["headers"]
        if "requestBody" in op:
            assert {"400", "413", "422"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status == "422":
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ValidationErrorOut"), (method, path)
            elif status[0] in "45":
                assert response["content"]["application/json"]["schema"], (method, path, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    login = schema["paths"]["/api/auth/token"]["post"]["responses"]
    assert "Retry-After" in login["429"]["headers"]


async def test_geojson_is_documented_as_geojson(schema: dict) -> None:
    for path in ("/api/cells", "/api/zones", "/api/basemap"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["application/geo+json"], path
