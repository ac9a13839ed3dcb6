"""Organisations and API tokens: create, authenticate, revoke.

A token is ``at_<token id>_<secret>``, the secret 32 random bytes (256 bits) from
``secrets``. It is shown once, when created; the store keeps only its SHA-256.
A plain SHA-256 is enough here, and a slow password hash (bcrypt, argon2) would
add nothing but latency: slow hashes protect guessable passwords from offline
guessing, and a 256-bit random secret cannot be guessed, so whoever steals the
hashes still cannot find a token from them. Being fast also lets every request
authenticate with one indexed lookup by hash. The token id is not secret: it
names the token in the audit log and for ``tokens revoke``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from armstrace.adapters.db.server_store import ServerStore
from armstrace.adapters.db.store import SqlStore
from armstrace.domain.access import Organisation, Role
from armstrace.services.ports import Clock

TOKEN_PREFIX = "at_"
_STATE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class AccessError(ValueError):
    """A user mistake in managing organisations or tokens (message says which)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the organisation and the token it used."""

    token_id: str
    org: Organisation


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def add_org(server: ServerStore, store: SqlStore, clock: Clock, name: str, role: str,
            state: str | None = None, parties: tuple[str, ...] = ()) -> Organisation:
    """Register an organisation. A state authority needs its state; parties must be known."""
    try:
        r = Role(role)
    except ValueError:
        raise AccessError(f"unknown role {role!r}; use one of {', '.join(x.value for x in Role)}") from None
    if not name.strip():
        raise AccessError("an organisation needs a name")
    if state is not None:
        state = state.strip().upper()
        if not _STATE.match(state):
            raise AccessError(f"--state {state!r}: use an ISO 3166-2 code such as MX-MIC")
    if r is Role.STATE_AUTHORITY and not state:
        raise AccessError("a state authority is scoped to its state: give --state (e.g. MX-MIC)")
    if r is not Role.STATE_AUTHORITY and state:
        raise AccessError("--state is only for a state authority")
    if r in (Role.ANALYST, Role.PUBLIC) and parties:
        raise AccessError(f"a {r.value} acts for no party; leave out --party")
    if parties:
        known = store.all_ids("parties")
        unknown = [p for p in parties if p not in known]
        if unknown:
            raise AccessError(f"unknown part{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)} "
                              "(import parties.csv first)")
    if server.org_by_name(name) is not None:
        raise AccessError(f"an organisation named {name!r} already exists")
    org = Organisation(uuid.uuid4().hex[:16], name.strip(), r, state, tuple(parties))
    server.add_org(org, clock.now())
    return org


def create_token(server: ServerStore, clock: Clock, org_name: str,
                 note: str | None = None) -> tuple[str, str]:
    """A new token for the organisation: (token id, token). The token is never stored."""
    org = server.org_by_name(org_name)
    if org is None:
        raise AccessError(f"no organisation named {org_name!r} (see: armstrace orgs list)")
    token_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    server.add_token(token_id, org.org_id, token_hash(token), clock.now(), note)
    return token_id, token


def revoke_token(server: ServerStore, clock: Clock, token_id: str) -> None:
    if not server.revoke_token(token_id, clock.now()):
        raise AccessError(f"no live token {token_id!r} (see: armstrace tokens list)")


def authenticate(server: ServerStore, token: str) -> Principal | None:
    """The principal a presented token stands for, or None (unknown, malformed or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = server.principal(token_hash(token))
    return Principal(*found) if found is not None else None
