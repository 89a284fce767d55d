"""Where users live: PostgreSQL (`PgUserStore`), or memory for the demo (`MemoryUserStore`).

Both check role, office and MMSI the same way (`auth.check_user`) and hash passwords before
storing them; neither ever returns a hash to a caller other than `authenticate`.

Each user has a token generation (`User.generation`), carried in the tokens it is issued
and checked on every request (`deps.token_user`). A password change gives the user a new
generation, which revokes every token issued before. In PostgreSQL generations come from
one sequence, for new users too, so a user deleted and created again under the same name
never matches the tokens of the one before; in memory (demo, no deletion) they count up
per user from 0.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Protocol

import asyncpg

from services.web.auth import User, UserError, check_user, hash_password, verify_password


class UserExists(UserError):
    def __init__(self, name: str) -> None:
        super().__init__(f"user {name!r} already exists")


class UnknownUser(UserError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no user {name!r}")


class UserStore(Protocol):
    async def add(self, user: User, password: str) -> None:
        """Raises UserExists, or UserError for a bad definition or empty password."""

    async def list(self) -> list[User]: ...

    async def set_password(self, name: str, password: str) -> None:
        """Raises UnknownUser; revokes every token the user was issued before."""

    async def authenticate(self, name: str, password: str) -> User | None:
        """The user (with its token generation) when the password matches, else None
        (unknown name included)."""

    async def get(self, name: str) -> User | None:
        """The user as stored now, with its token generation; None when there is none.
        Called on every authenticated request: one lookup by primary key."""


# A hash to check against when the name is unknown, so that the answer takes as long as for
# a known name and does not reveal which names exist.
_DUMMY_HASH = hash_password("not-a-password")


async def _hash(password: str) -> str:
    # scrypt takes ~50 ms of CPU: off the event loop, so pushes are not delayed by a login.
    return await asyncio.to_thread(hash_password, password)


async def _verify(password: str, stored: str) -> bool:
    return await asyncio.to_thread(verify_password, password, stored)


class MemoryUserStore:
    def __init__(self, offices: frozenset[str] | None = None) -> None:
        self.offices = offices
        self._users: dict[str, tuple[User, str]] = {}

    def copy(self) -> MemoryUserStore:
        """An independent store with the same users (hashing is slow on purpose)."""
        other = MemoryUserStore(self.offices)
        other._users = dict(self._users)
        return other

    async def add(self, user: User, password: str) -> None:
        check_user(user, self.offices)
        if user.name in self._users:
            raise UserExists(user.name)
        self._users[user.name] = (user, await _hash(password))

    async def list(self) -> list[User]:
        return [user for user, _ in sorted(self._users.values(), key=lambda u: u[0].name)]

    async def set_password(self, name: str, password: str) -> None:
        if name not in self._users:
            raise UnknownUser(name)
        hashed = await _hash(password)
        user = self._users[name][0]
        self._users[name] = (replace(user, generation=user.generation + 1), hashed)

    async def authenticate(self, name: str, password: str) -> User | None:
        user, stored = self._users.get(name, (None, _DUMMY_HASH))
        ok = await _verify(password, stored)
        return user if ok else None

    async def get(self, name: str) -> User | None:
        entry = self._users.get(name)
        return entry[0] if entry is not None else None


_COLUMNS = "name, role, office, mmsi, token_generation"


def _user(row: asyncpg.Record) -> User:
    return User(row["name"], row["role"], row["office"], row["mmsi"], row["token_generation"])


class PgUserStore:
    """Users in the `users` table (migrations 0003, 0005)."""

    def __init__(self, pool: asyncpg.Pool, offices: frozenset[str] | None = None) -> None:
        self.pool, self.offices = pool, offices

    async def add(self, user: User, password: str) -> None:
        check_user(user, self.offices)
        hashed = await _hash(password)
        async with self.pool.acquire() as conn:
            done = await conn.fetchval(
                "INSERT INTO users (name, role, office, mmsi, password_hash) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING name",
                user.name,
                user.role,
                user.office,
                user.mmsi,
                hashed,
            )
        if done is None:
            raise UserExists(user.name)

    async def list(self) -> list[User]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(f"SELECT {_COLUMNS} FROM users ORDER BY name")
        return [_user(r) for r in rows]

    async def set_password(self, name: str, password: str) -> None:
        hashed = await _hash(password)
        async with self.pool.acquire() as conn:
            done = await conn.fetchval(
                "UPDATE users SET password_hash = $2, updated_at = now(), "
                "token_generation = nextval('users_token_generation') WHERE name = $1 "
                "RETURNING name",
                name,
                hashed,
            )
        if done is None:
            raise UnknownUser(name)

    async def authenticate(self, name: str, password: str) -> User | None:
        async with self.pool.acquire() as conn:
            # Hash and generation from one row: a token issued on a password that was just
            # replaced carries the old generation, so it is refused at once.
            row = await conn.fetchrow(
                f"SELECT {_COLUMNS}, password_hash FROM users WHERE name = $1", name
            )
        stored = row["password_hash"] if row is not None else _DUMMY_HASH
        if not await _verify(password, stored) or row is None:
            return None
        return _user(row)

    async def get(self, name: str) -> User | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE name = $1", name)
        return _user(row) if row is not None else None
