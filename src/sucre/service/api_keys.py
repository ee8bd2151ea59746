"""API clients and their keys: register, issue, rotate, revoke, and authenticate a request.

A client (``api_clients``) is one named participant with one role (:mod:`sucre.domain.roles`); a
central-bank operator is bound to one monetary authority. A client holds one or more API keys
(``api_keys``) of the form ``sk_<key_id>_<secret>``: ``key_id`` is 16 public hex characters that
find the row, ``secret`` is ``secrets.token_urlsafe(32)`` (256 random bits). The key is shown
once, when issued; only ``sha256:<hex digest of the secret>`` is stored.

Why SHA-256 and not a slow password hash (bcrypt, scrypt, Argon2): slow hashes exist to make
guessing *low-entropy, human-chosen* passwords expensive after a database leak. A 256-bit random
secret cannot be guessed: 2^256 candidates make even a billion SHA-256 per second useless, so a
slow hash would only add milliseconds of CPU to every request, which an attacker could also use
to exhaust the server. The stored digest is compared with :func:`hmac.compare_digest` (constant
time), and an unknown ``key_id`` is compared against a dummy digest so that the time taken does
not reveal whether a key id exists.

Rotation: a client may hold up to ``bounds.api_keys_per_client_max`` active keys. Rotating is
issuing a new key (:func:`issue_key`), deploying it, then revoking the old one
(:func:`revoke_key`); both work during the overlap. A revoked key is refused at once (no cache).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sucre import bounds
from sucre.domain.access import KeyInfo
from sucre.domain.errors import (
    InvalidInput,
    InvalidState,
    LimitExceeded,
    NotAuthenticated,
    UnknownParty,
    invariant,
)
from sucre.domain.members import authority_code, member_code
from sucre.domain.roles import Principal, Role
from sucre.service.unit_of_work import UnitOfWork

KEY_PREFIX = "sk_"
_KEY_ID_BYTES = 8  # 16 hex characters
_SECRET_BYTES = 32  # 256 bits
_HASH_SCHEME = "sha256"
_KEY_PATTERN = re.compile(r"sk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DUMMY_HASH = f"{_HASH_SCHEME}:{'0' * 64}"
_BAD_KEY = "invalid or revoked API key"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly issued key: ``api_key`` is shown once and never stored."""

    client: str
    key_id: str
    api_key: str


def secret_hash(secret: str) -> str:
    """What is stored for a secret: ``sha256:<hex>`` (see the module docstring for why)."""
    return f"{_HASH_SCHEME}:{hashlib.sha256(secret.encode()).hexdigest()}"


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {text!r} (one of {roles})", field="role") from None


def add_client(uow: UnitOfWork, name: str, role: Role, authority: str | None = None,
               member: str | None = None) -> IssuedKey:
    """Register an API client and issue its first key (an operator is bound to its authority,
    a delegate to its member state)."""
    name = _client_name(name)
    if (role is Role.OPERATOR) != (authority is not None):
        raise InvalidInput("an operator is bound to exactly one authority; other roles to none",
                           field="authority")
    if (role is Role.DELEGATE) != (member is not None):
        raise InvalidInput("a delegate is bound to exactly one member state; other roles to "
                           "none", field="member")
    with uow:
        member_id = None
        if member is not None:
            member_id = uow.members.member_ids().get(member_code(member))
            if member_id is None:
                raise UnknownParty(f"{member} is not a member of the bloc", field="member")
        authority_id = None
        if authority is not None:
            authority_id = uow.members.authority_ids().get(authority_code(authority))
            if authority_id is None:
                raise UnknownParty(f"no monetary authority {authority}", field="authority")
        if uow.api_keys.client_id(name) is not None:
            raise InvalidState(f"API client {name!r} already exists", field="name")
        client_id = uow.api_keys.add_client(name, role, authority_id, member_id)
        issued = _issue(uow, client_id, name)
        uow.commit()
        return issued


def issue_key(uow: UnitOfWork, client_name: str) -> IssuedKey:
    """Issue another key to a client (the first step of a rotation)."""
    with uow:
        client_id = _client_id(uow, client_name)
        active = uow.api_keys.active_key_count(client_id)
        if active >= bounds.api_keys_per_client_max:
            raise LimitExceeded(
                f"{client_name} already holds {active} active keys (at most "
                f"{bounds.api_keys_per_client_max}): revoke one first", field="name")
        issued = _issue(uow, client_id, client_name)
        uow.commit()
        return issued


def revoke_key(uow: UnitOfWork, key_id: str) -> str:
    """Revoke a key at once; returns its client's name."""
    with uow:
        owner = uow.api_keys.owner(key_id.strip())
        if owner is None:
            raise UnknownParty(f"no API key {key_id!r}", field="key_id")
        if owner.revoked:
            raise InvalidState(f"API key {key_id} is already revoked", field="key_id")
        uow.api_keys.revoke(owner.key_row_id)
        uow.commit()
        return owner.client_name


def client_keys(uow: UnitOfWork, client_name: str) -> list[KeyInfo]:
    with uow:
        return uow.api_keys.keys_of(_client_id(uow, client_name))


def _client_name(name: str) -> str:
    name = name.strip()
    if not (0 < len(name) <= bounds.api_client_name_chars_max
            and _NAME_PATTERN.fullmatch(name)):
        raise InvalidInput(f"{name!r} is not a client name (1 to "
                           f"{bounds.api_client_name_chars_max} letters, digits, '.', '_', '-')",
                           field="name")
    return name


def _client_id(uow: UnitOfWork, name: str) -> int:
    client_id = uow.api_keys.client_id(name.strip())
    if client_id is None:
        raise UnknownParty(f"no API client {name!r}", field="name")
    return client_id


def _issue(uow: UnitOfWork, client_id: int, client_name: str) -> IssuedKey:
    key_id = secrets.token_hex(_KEY_ID_BYTES)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    uow.api_keys.add_key(client_id, key_id, secret_hash(secret))
    api_key = f"{KEY_PREFIX}{key_id}_{secret}"
    invariant(_KEY_PATTERN.fullmatch(api_key) is not None, "an issued key parses back")
    return IssuedKey(client_name, key_id, api_key)


def authenticate(uow: UnitOfWork, presented: str | None) -> Principal:
    """The principal holding ``presented`` (``sk_...``), or :class:`NotAuthenticated`."""
    if not presented:
        raise NotAuthenticated("an API key is required: 'Authorization: Bearer sk_...'")
    match = _KEY_PATTERN.fullmatch(presented.strip())
    if match is None:
        raise NotAuthenticated(_BAD_KEY)
    key_id, secret = match.groups()
    with uow:
        holder = uow.api_keys.holder(key_id)
    stored = _DUMMY_HASH if holder is None else holder.secret_hash
    matches = hmac.compare_digest(stored.encode(), secret_hash(secret).encode())
    if holder is None or not matches or holder.revoked:
        raise NotAuthenticated(_BAD_KEY)
    return Principal(holder.client_id, holder.client_name, holder.role, holder.authority,
                     holder.authority_id, key_id, holder.member)
