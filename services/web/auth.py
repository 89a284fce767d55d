"""Users, roles, password hashing and bearer tokens: pure, no IO.

Passwords are hashed with scrypt (memory-hard: n=2**14, r=8 uses 16 MiB per guess, so a
stolen table cannot be brute-forced on GPUs cheaply), with a random salt per password, in a
self-describing string so parameters can be raised later without breaking old hashes.

Tokens are `base64url(json payload).base64url(HMAC-SHA256)`: the web service is one trust
domain with one key, so a full JWT library adds nothing. The payload carries the user's
name, role, office, MMSI and token generation; `exp` bounds the damage of a leaked token
(default: one 12 h watch). A signature alone cannot be taken back, so every request also
compares the token's generation with the user store's (`deps.token_user`): changing a
password moves the generation on, which revokes every token issued before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import orjson

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class Role(StrEnum):
    OPERATOR = "operator"  # centre operator: every office, acts on alerts
    SUPERVISOR = "supervisor"  # centre supervisor: everything operators do, plus silences
    OFFICE = "office"  # bound to one office
    PATROL = "patrol"  # bound to one patrol vessel (MMSI) and its office
    ADMIN = "admin"  # manages users; sees everything


CENTRE_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})


class AuthError(Exception):
    """A token or password that does not check out; the message is safe to show."""


class UserError(ValueError):
    """A user definition that makes no sense (bad role, office missing...)."""


@dataclass(frozen=True, slots=True)
class User:
    """Who a request acts as.

    `generation` is the user's token generation when the token was issued (or, from a
    store, now): a token whose generation differs from the store's was issued before a
    password change and is refused. It is left out of equality, which is about identity
    and permissions.
    """

    name: str
    role: str
    office: str | None = None
    mmsi: int | None = None
    generation: int = field(default=0, compare=False)

    @property
    def is_centre(self) -> bool:
        """Centre users see every office's alerts (CONTRACTS §4)."""
        return self.role in CENTRE_ROLES

    def may_see_office(self, office: str | None) -> bool:
        return self.is_centre or (office is not None and office == self.office)


def check_user(user: User, offices: frozenset[str] | None = None) -> None:
    """Raises UserError when role, office and MMSI do not fit together (CONTRACTS §1)."""
    if not user.name or len(user.name) > 64 or not user.name.isprintable() or " " in user.name:
        raise UserError(f"bad user name {user.name!r} (1-64 printable characters, no spaces)")
    try:
        role = Role(user.role)
    except ValueError:
        raise UserError(
            f"unknown role {user.role!r} (use one of: {', '.join(r.value for r in Role)})"
        ) from None
    needs_office = role in (Role.OFFICE, Role.PATROL)
    if needs_office and not user.office:
        raise UserError(f"role {role} needs --office")
    if not needs_office and user.office:
        raise UserError(f"role {role} is not bound to an office")
    if role == Role.PATROL and user.mmsi is None:
        raise UserError("role patrol needs --mmsi (the patrol vessel)")
    if role != Role.PATROL and user.mmsi is not None:
        raise UserError(f"role {role} is not bound to a vessel")
    if user.mmsi is not None and not 100_000_000 <= user.mmsi <= 999_999_999:
        raise UserError(f"MMSI {user.mmsi} is not a 9-digit number")
    if offices is not None and user.office is not None and user.office not in offices:
        raise UserError(f"unknown office {user.office!r} (known: {', '.join(sorted(offices))})")


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in base64url."""
    if not password:
        raise UserError("the password must not be empty")
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check; False (never an exception) for a malformed stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, _unb64(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32
    )


class TokenSigner:
    """Issues and checks bearer tokens with one secret key."""

    def __init__(self, key: bytes, ttl: float) -> None:
        if len(key) < 16:
            raise ValueError("the token signing key must be at least 16 bytes")
        self._key, self.ttl = key, ttl

    def issue(self, user: User, now: float) -> tuple[str, float]:
        """(token, expiry in Unix seconds)."""
        expires = now + self.ttl
        body = _b64(orjson.dumps({**asdict(user), "exp": expires}))
        return f"{body}.{self._sign(body)}", expires

    def check(self, token: str, now: float) -> User:
        """The token's user; raises AuthError when malformed, forged or expired."""
        if not token.isascii():  # compare_digest raises TypeError on non-ASCII text
            raise AuthError("invalid token")
        body, _, signature = token.partition(".")
        if not body or not signature or not hmac.compare_digest(signature, self._sign(body)):
            raise AuthError("invalid token")
        try:
            data: dict[str, Any] = orjson.loads(_unb64(body))
            # Tokens issued before generations existed carry none: 0, a row's value at
            # migration 0005, so an upgrade does not log everyone out mid-watch.
            generation = int(data.get("generation", 0))
            user = User(
                data["name"], data["role"], data.get("office"), data.get("mmsi"), generation
            )
            expires = float(data["exp"])
        except (ValueError, KeyError, TypeError):
            raise AuthError("invalid token") from None
        if expires <= now:
            raise AuthError("token expired")
        return user

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
