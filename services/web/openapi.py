"""The OpenAPI schema says what the server does, for every route, including new ones.

FastAPI documents what a route declares; what the shared machinery answers it cannot see.
`install(app)` completes the schema once, when it is first asked for:

- 422 is `ValidationErrorOut` (`{"detail": str, "errors": [...]}`, errors.py), not FastAPI's
  default body, which the server never sends;
- every /api route but the login documents 401 (missing, forged, expired or revoked token,
  with `WWW-Authenticate`) and 403 (the role or office may not do this);
- every /api route with parameters or a body documents 400 (a value the server cannot use:
  errors.py maps domain errors there), and every route with a body documents 413
  (limits.py) and 422, and every route naming an object in its path documents 404;
- GeoJSON answers (`FeatureCollection` bodies) are `application/geo+json`, as sent.

A route's own declarations win: what it says about a status code is kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.web.schemas import ErrorOut, ValidationErrorOut

_METHODS = ("get", "post", "put", "patch", "delete")
_PUBLIC = ("/api/auth/token",)
_ERROR = {"$ref": "#/components/schemas/ErrorOut"}
_GEOJSON = "application/geo+json"


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ERROR}},
    }
    if headers:
        out["headers"] = headers
    return out


_UNAUTHORIZED = _error(
    "no valid token: missing, forged, expired or revoked (log in again)",
    {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
)
_FORBIDDEN = _error("your role or office may not do this")
_BAD_VALUE = _error("a value the server cannot use (the detail says which)")
_NOT_FOUND = _error("no such object (the detail names the id)")
_TOO_LARGE = _error("the request body is larger than the route's limit (64 KiB by default)")
_INVALID = {
    "description": "the request does not fit the schema (`detail` names the first problem)",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrorOut"}}
    },
}


def install(app: FastAPI) -> None:
    """Replace `app.openapi` with one that completes FastAPI's schema (cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            complete(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 (FastAPI's documented way to override it)


def complete(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, ValidationErrorOut):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in model_schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = model_schema
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                _operation(path, item[method])
    for unused in ("HTTPValidationError", "ValidationError"):
        if not _referenced(schema, unused):
            components.pop(unused, None)


def _operation(path: str, op: dict[str, Any]) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    has_body = "requestBody" in op
    has_input = has_body or bool(op.get("parameters"))
    if "422" in responses or has_input:
        responses["422"] = _INVALID
    if path.startswith("/api/"):
        if path not in _PUBLIC:
            _default(responses, "401", _UNAUTHORIZED)
            _default(responses, "403", _FORBIDDEN)
        if has_input:
            _default(responses, "400", _BAD_VALUE)
        if "{" in path:  # a path naming an object: an unknown id is 404
            _default(responses, "404", _NOT_FOUND)
        if has_body:
            _default(responses, "413", _TOO_LARGE)
    for status, response in responses.items():
        _error_body(status, response)
        _geojson(response)


def _default(responses: dict[str, Any], status: str, response: dict[str, Any]) -> None:
    """Add the shared answer; a route's own description is kept, its body made ErrorOut."""
    if status not in responses:
        responses[status] = response
    else:
        responses[status].setdefault("description", response["description"])


def _error_body(status: str, response: dict[str, Any]) -> None:
    """Every 4xx/5xx body but 422 is ErrorOut: routes that declared a status without a
    model (`responses={404: {}}`) would otherwise promise an empty body or any JSON."""
    if status.startswith(("4", "5")) and status != "422":
        content = response.setdefault("content", {})
        if "application/json" not in content or not content["application/json"].get("schema"):
            content["application/json"] = {"schema": _ERROR}


def _geojson(response: dict[str, Any]) -> None:
    content = response.get("content", {})
    json = content.get("application/json")
    if json and json.get("schema", {}).get("$ref", "").endswith("/FeatureCollection"):
        content[_GEOJSON] = content.pop("application/json")


def _referenced(node: Any, name: str) -> bool:
    target = f"#/components/schemas/{name}"
    if isinstance(node, dict):
        return any(v == target or _referenced(v, name) for k, v in node.items() if k != name)
    if isinstance(node, list):
        return any(_referenced(v, name) for v in node)
    return False
