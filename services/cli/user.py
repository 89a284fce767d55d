"""`seagrid user add|list|passwd`: manage web users in PostgreSQL (CONTRACTS §1).

The password is read from standard input (first line; a terminal is prompted without
echo), never from the command line, where `ps` and shell history would show it.
`passwd` also revokes every token the user was issued before (docs/web.md): a password is
changed when it may be known to someone else, and a token taken with it must go too.
Exit 1 with one clear line for a bad role, an unknown office, an existing or unknown name.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from typing import Any

from services.core.config import ConfigError, load_config
from services.core.settings import Settings


def register(sub: Any) -> None:
    parser = sub.add_parser("user", help="manage web users (PostgreSQL)", description=__doc__)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create a user; password from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="operator, supervisor, office, patrol, admin")
    add.add_argument("--office", help="office id (office and patrol users)")
    add.add_argument("--mmsi", type=int, help="patrol vessel MMSI (patrol users)")
    add.add_argument("--config", type=Path, default=None, help="configuration directory")
    actions.add_parser("list", help="list users")
    passwd = actions.add_parser("passwd", help="set a user's password; new password from stdin")
    passwd.add_argument("name")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from services.web.auth import UserError

    settings = Settings()
    if not settings.database_url:
        return _fail("SEAGRID_DATABASE_URL is not set (postgresql://user@host:port/db)")
    try:
        return asyncio.run(_run(args, settings))
    except UserError as exc:
        return _fail(str(exc))
    except ConfigError as exc:
        return _fail("; ".join(str(i) for i in exc.errors))
    except _Failure as exc:
        return _fail(str(exc))


class _Failure(Exception):
    pass


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from services.core.db import DatabaseError, open_database
    from services.web.auth import User
    from services.web.users import PgUserStore

    try:
        pool = await open_database(settings.database_url or "", max_size=2)
    except DatabaseError as exc:
        raise _Failure(str(exc)) from None
    try:
        if args.action == "list":
            for user in await PgUserStore(pool).list():
                print("\t".join([user.name, user.role, user.office or "-", str(user.mmsi or "-")]))
            return 0
        password = _read_password()
        if args.action == "add":
            offices = load_config(args.config or settings.config_dir).office_ids()
            user = User(args.name, args.role, args.office, args.mmsi)
            await PgUserStore(pool, offices).add(user, password)
            print(f"user {user.name} added ({user.role})", file=sys.stderr)
        else:
            await PgUserStore(pool).set_password(args.name, password)
            print(f"password of {args.name} changed; earlier tokens revoked", file=sys.stderr)
        return 0
    finally:
        await pool.close()


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise _Failure("the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        raise _Failure("the password must have at least 8 characters")
    return password


def _fail(message: str) -> int:
    print(f"seagrid user: {message}", file=sys.stderr)
    return 1
