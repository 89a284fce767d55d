"""Schemathesis against the OpenAPI schema of a real server: no input gives a 5xx, and
every response conforms to the schema (status code documented, content type, body and
headers as declared), for every role.

Requests carry each role's token so they reach the handlers (without one, every /api path
would stop at 401): the permission paths (403, another office's 404) are checked too.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from services.alerts.store import PgAlertStore
from services.core import topics
from services.core.codec import encode
from services.core.config import load_config
from services.core.db import open_database
from services.core.settings import DEMO_CONFIG_DIR
from services.infocentre.store import MemoryRecordStore, PgRecordStore
from services.infocentre.wiring import info_centre
from services.web.app import create_app
from services.web.history import PgHistory
from services.web.server import Server, uvicorn_config
from services.web.users import PgUserStore, UserExists
from tests.web.conftest import USERS, free_port, make_position, make_runtime

TOKENS: dict[str, str] = {}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


async def _stores(backend: str, pg_url: str) -> tuple[dict[str, Any], Any]:
    """Runtime overrides for the PostgreSQL run (alerts, users, history), and the pool."""
    if backend == "memory":
        return {}, None
    pool = await open_database(pg_url)
    users = PgUserStore(pool)
    for user in USERS.values():
        with contextlib.suppress(UserExists):
            await users.add(user, "schema-test-password")
    overrides = {
        "alerts": PgAlertStore(pool),
        "users": users,
        "history": PgHistory(pool),
        "database": pool,  # reports and statistics
    }
    return overrides, pool


@pytest.fixture(
    scope="module", params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def web_schema(request: pytest.FixtureRequest, pg_url: str) -> Iterator[schemathesis.BaseSchema]:
    port = free_port()
    ready = threading.Event()
    holder: dict[str, Server] = {}

    async def serve() -> None:
        overrides, pool = await _stores(request.param, pg_url)
        config = load_config(DEMO_CONFIG_DIR)
        records = PgRecordStore(pool) if pool is not None else MemoryRecordStore()
        runtime = await make_runtime(config, **overrides)
        runtime.info = await info_centre(config, records, runtime.bus)
        for name, user in USERS.items():
            stored = await runtime.users.get(name) or user  # with its token generation
            TOKENS[name] = runtime.signer.issue(stored, time.time())[0]
        server = Server(uvicorn_config(create_app(runtime), "127.0.0.1", port))
        holder["server"] = server
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        await runtime.bus.publish(
            topics.CELL_POSITIONS,
            [encode(make_position(412000001, cell="SS-05", office="shishi"))],
        )
        ready.set()
        await task
        await runtime.bus.close()
        if pool is not None:
            await pool.close()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(20), "server did not start"
    try:
        yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
    finally:
        holder["server"].should_exit = True
        thread.join(20)


def test_every_response_conforms_to_the_schema(web_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in web_schema.get_all_operations()]
    assert len(operations) >= 20  # every route is in the schema
    failures: list[str] = []
    seen: Counter[int] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            for user in USERS:
                headers = {"Authorization": f"Bearer {TOKENS[user]}"}
                response = case.call(headers=headers, timeout=10)
                seen[response.status_code // 100] += 1
                if response.status_code == 503 and "need PostgreSQL" in response.text:
                    continue  # reports and statistics in the memory run: no database to read
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except Exception as exc:  # a schemathesis Failure or FailureGroup
                    where = f"{user} {case.method} {case.formatted_path} {response.status_code}"
                    failures.append(f"{where}: {str(exc)[:600]}")

        check()
    assert not failures, failures[:5]
    assert seen[2] > 50 and seen[4] > 100, seen  # the tokens worked, and so did validation
