"""Benchmark: the case board, the overdue list and the escalation sweep in PostgreSQL.

Creates a scratch database next to SEAGRID_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), migrates it, loads 100,000 cases over seven
offices (10 % open, a third of those past their deadline) with 1,000,000 history rows and
20,000 instructions (COPY), then measures through `PgCaseStore`:
- the case board of one office (its open cases, most urgent first, 200 rows), p95 of 200;
- the overdue list (every office), p95 of 200;
- the escalation sweep over all open cases and pending instructions: first a catch-up
  sweep (nothing escalated before: every level of every overdue item at once), then the
  sweep an hour later (what fell due meanwhile; in service the interval is 30 s) as
  `sweep_ms`, and one 30 s after that. Each escalation writes its history row.
The baseline is the same board and overdue queries with index scans turned off (what they
would cost without the partial indexes of migration 0007), in the same run. Drops the
database. `--quick`: 2,000 cases and 20,000 history rows. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid

import asyncpg

from services.cases.config import CasePolicy
from services.cases.model import OPEN
from services.cases.store import _OPEN_SQL, PgCaseStore
from services.cases.store_api import CaseQuery
from services.core.db import connect, migrate

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
OFFICES = ("quangang", "huian", "fengze", "shishi", "jinjiang", "nanan", "qz-centre")
TYPES = ("inspection", "verification", "escort", "search_rescue", "pollution", "other")
PRIORITIES = ("low", "normal", "normal", "high", "critical")
CHANGES = ("assigned", "acknowledged", "started", "instructed", "reported", "updated")
NOW = 1_780_000_000.0
RUNS = 200
HOUR = 3600.0


async def load(pool: asyncpg.Pool, n_cases: int, n_history: int) -> None:
    """Generated in the server (setseed: the same data every run): seconds, not minutes."""
    per_case = max(1, n_history // n_cases)
    async with pool.acquire() as conn:
        # loading only: foreign keys are checked by triggers, which replica mode skips (the
        # rows are generated consistent); the measured queries run in the normal mode
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SELECT setseed(0.9)")
        await conn.execute(
            f"""
            INSERT INTO cases (id, type, title, office, status, priority, deadline, created_at,
                               created_by, updated_at, mmsi)
            SELECT 'C-' || lpad(i::text, 7, '0'),
                   (ARRAY{list(TYPES)})[1 + (i % {len(TYPES)})],
                   'case ' || i,
                   (ARRAY{list(OFFICES)})[1 + (i % {len(OFFICES)})],
                   CASE WHEN r < 0.10 THEN (ARRAY{[s.value for s in sorted(OPEN)]})[1 + (i % {len(OPEN)})]
                        WHEN r < 0.55 THEN 'closed' ELSE 'cancelled' END,
                   (ARRAY{list(PRIORITIES)})[1 + ((i / 7) % {len(PRIORITIES)})],
                   CASE WHEN r < 0.10 THEN to_timestamp($1 - 86400 + r * 10 * 3 * 86400)
                        ELSE to_timestamp($1 - 400 * 86400 * r) END,
                   to_timestamp($1 - 3600 - 365 * 86400 * r), 'bench',
                   to_timestamp($1 - 365 * 86400 * r), 412000000 + (i * 7919) % 2000000
            FROM (SELECT i, random() AS r FROM generate_series(1, $2) AS i) AS g""",
            NOW,
            n_cases,
        )
        await conn.execute(
            f"""
            INSERT INTO case_history (case_id, at, change, actor, note, status)
            SELECT c.id, c.created_at + k * interval '1 minute',
                   CASE WHEN k = 0 THEN 'created'
                        ELSE (ARRAY{list(CHANGES)})[1 + (k % {len(CHANGES)})] END,
                   'bench', NULL, c.status
            FROM cases c, generate_series(0, {per_case - 1}) AS k"""
        )
        # an instruction on every fifth open case (half of them not acknowledged yet) and
        # on one closed case in fifty
        await conn.execute(
            f"""
            INSERT INTO case_instructions (id, case_id, receiver, text, deadline, created_at,
                                           created_by, acknowledged_at)
            SELECT 'I-' || substr(c.id, 3), c.id, 'patrol:' || (413990601 + n % 7), 'go',
                   c.deadline - interval '1 hour', c.created_at, 'bench',
                   CASE WHEN n % 2 = 0 AND c.status IN {_OPEN_SQL} THEN NULL
                        ELSE c.created_at + interval '2 minutes' END
            FROM (SELECT c.*, row_number() OVER (ORDER BY id) AS n FROM cases c) AS c
            WHERE (c.status IN {_OPEN_SQL} AND n % 5 = 0) OR n % 50 = 0"""
        )
        await conn.execute("RESET session_replication_role")
        await conn.execute("ANALYZE")


async def p95(
    pool: asyncpg.Pool, store: PgCaseStore, queries: list[CaseQuery], slow: bool
) -> float:
    times = []
    async with pool.acquire() as conn:
        if slow:
            await conn.execute("SET enable_indexscan = off; SET enable_bitmapscan = off")
        try:
            for query in queries:
                started = time.perf_counter()
                await _list(conn, store, query)
                times.append((time.perf_counter() - started) * 1000)
        finally:
            await conn.execute("RESET enable_indexscan; RESET enable_bitmapscan")
    return statistics.quantiles(times, n=20)[18]


async def _list(conn: asyncpg.Connection, store: PgCaseStore, query: CaseQuery) -> None:
    """`PgCaseStore.list` on one connection (so the baseline's settings apply)."""
    from services.cases.store import _SELECT_CASE, _filters

    where, args = _filters(query)
    args.append(query.limit)
    await conn.fetch(
        f"{_SELECT_CASE} {where} ORDER BY cases.deadline, cases.id LIMIT ${len(args)}", *args
    )
    del store


async def run(n_cases: int, n_history: int, url: str | None = None) -> dict[str, float]:
    admin_url = url or os.environ.get("SEAGRID_DATABASE_URL", DEFAULT_URL)
    name = f"seagrid_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        pool = await connect(f"{admin_url.rsplit('/', 1)[0]}/{name}", max_size=2)
        try:
            await migrate(pool)
            started = time.perf_counter()
            await load(pool, n_cases, n_history)
            print(
                f"loaded {n_cases} cases, {n_history} history rows in {time.perf_counter() - started:.1f} s"
            )
            store = PgCaseStore(pool)
            board = [
                CaseQuery(status=tuple(sorted(OPEN)), office=OFFICES[i % len(OFFICES)], limit=200)
                for i in range(RUNS)
            ]
            overdue = [CaseQuery(overdue_at=NOW + (i % 10), limit=200) for i in range(RUNS)]
            board_ms = await p95(pool, store, board, slow=False)
            overdue_ms = await p95(pool, store, overdue, slow=False)
            base_board = await p95(pool, store, board[:40], slow=True)
            base_overdue = await p95(pool, store, overdue[:40], slow=True)
            policy = CasePolicy()
            # catch-up: nothing was ever escalated, a third of the open cases are overdue
            started = time.perf_counter()
            backlog = await store.sweep(NOW - HOUR, policy)
            catchup_ms = (time.perf_counter() - started) * 1000
            # the sweep as it runs in service: over all open cases and pending instructions,
            # escalating what fell due since the previous one (here an hour ago, far longer
            # than the 30 s interval)
            started = time.perf_counter()
            escalated = await store.sweep(NOW, policy)
            sweep_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            again = await store.sweep(NOW + 30, policy)
            idle_ms = (time.perf_counter() - started) * 1000
            print(
                f"catch-up sweep: {len(backlog)} escalations in {catchup_ms:.0f} ms; "
                f"sweep an hour later: {len(escalated)} in {sweep_ms:.0f} ms; "
                f"30 s later: {len(again)} in {idle_ms:.0f} ms"
            )
        finally:
            await pool.close()
    finally:
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return {
        "board_p95_ms": round(board_ms, 2),
        "overdue_p95_ms": round(overdue_ms, 2),
        "sweep_ms": round(sweep_ms, 1),
        "sweep_escalations": len(escalated),
        "catchup_ms": round(catchup_ms, 1),
        "catchup_escalations": len(backlog),
        "idle_sweep_ms": round(idle_ms, 1),
        "baseline_board_p95_ms": round(base_board, 2),
        "baseline_overdue_p95_ms": round(base_overdue, 2),
        "board_ratio": round(base_board / board_ms, 1) if board_ms else 0.0,
        "ratio": round(base_overdue / overdue_ms, 1) if overdue_ms else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 cases, 20,000 history rows")
    args = parser.parse_args()
    n_cases, n_history = (2_000, 20_000) if args.quick else (100_000, 1_000_000)
    figures = asyncio.run(run(n_cases, n_history))
    print(
        f"board p95 {figures['board_p95_ms']} ms (without indexes {figures['baseline_board_p95_ms']} ms)"
    )
    print(
        f"overdue p95 {figures['overdue_p95_ms']} ms (without indexes {figures['baseline_overdue_p95_ms']} ms)"
    )
    print(json.dumps({"bench": "cases", "cases": n_cases, "history": n_history, **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
