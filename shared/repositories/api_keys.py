"""API keys (§11): ``sf_`` + 43 URL-safe random characters, stored as a SHA-256 hash.

A key carries 256 bits of randomness, so a fast unsalted hash is enough: nobody can guess
a preimage, and a lookup by hash needs no per-row work. The full key exists only in the
creator's output. A display prefix (``sf_`` + 8 characters) lets people tell keys apart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from shared.db.models import ApiKey, Tenant
from shared.db.types import utcnow
from shared.errors import AuthenticationError, DomainValidationError, NotFoundError

KEY_PREFIX = "sf_"
DISPLAY_CHARS = 8
#: A key has exactly the scopes it was given: ``admin`` does not imply the others.
SCOPES = ("read", "write", "review", "admin")
NAME_MAX = 200
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    row: ApiKey
    token: str  # shown once, never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise DomainValidationError(
            "scopes", f"must be a non-empty subset of {', '.join(SCOPES)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    return [scope for scope in SCOPES if scope in scopes]  # canonical order, no duplicates


def create_key(session: Session, tenant: Tenant, *, scopes: list[str] | tuple[str, ...],
               name: str = "") -> NewKey:
    if len(name) > NAME_MAX:
        raise DomainValidationError("name", f"must be at most {NAME_MAX} characters")
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(tenant_id=tenant.id, name=name, prefix=token[:len(KEY_PREFIX) + DISPLAY_CHARS],
                 key_hash=hash_token(token), scopes=validate_scopes(scopes), created_at=utcnow())
    session.add(row)
    session.flush()
    return NewKey(row=row, token=token)


def list_keys(session: Session) -> list[ApiKey]:
    """The keys the session's tenant sees (or every key, in a system session)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def keys_of_tenant(system_session: Session, tenant_id: int) -> list[ApiKey]:
    """One tenant's keys from a cross-tenant (operator) session, as the CLI lists them."""
    return list(system_session.scalars(
        select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.id)
    ))


def revoke_key(session: Session, key_id: int) -> ApiKey:
    """Revoke a key; revoking it again is a no-op (the first revocation time stays)."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFoundError("api key", key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return row


def authenticate(system_session: Session, token: str) -> tuple[ApiKey, Tenant]:
    """The live key ``token`` names and its tenant, or AuthenticationError saying why not.

    Needs an ALL_TENANTS session: the tenant is what this finds out. Marks the key used,
    at most once per minute.
    """
    if not token.startswith(KEY_PREFIX) or len(token) < len(KEY_PREFIX) + 32:
        raise AuthenticationError("the bearer token is not a scriptforge API key (sf_…)")
    digest = hash_token(token)
    found = system_session.execute(
        select(ApiKey, Tenant).join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.key_hash == digest)
    ).one_or_none()
    if found is not None and not hmac.compare_digest(found[0].key_hash, digest):
        found = None
    return _usable(system_session, found)


def _usable(system_session: Session, found: Row[ApiKey, Tenant] | None
            ) -> tuple[ApiKey, Tenant]:
    """The found key and its tenant, unless there is none or it is revoked; marks it used."""
    if found is None:
        raise AuthenticationError("unknown API key")
    key, tenant = found
    if key.revoked_at is not None:
        raise AuthenticationError("this API key has been revoked")
    _mark_used(system_session, key)
    return key, tenant


def _mark_used(system_session: Session, key: ApiKey) -> None:
    now = utcnow()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        system_session.execute(
            update(ApiKey)
            .where(ApiKey.id == key.id, or_(ApiKey.last_used_at.is_(None),
                                            ApiKey.last_used_at < now - LAST_USED_RESOLUTION))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        system_session.commit()


def live_key(system_session: Session, key_id: int, tenant_id: int) -> tuple[ApiKey, Tenant]:
    """The key a signed-in review session names, checked again as on every API request.

    The review desk keeps only the key's id and tenant in its cookie, never the token, so a
    revoked key (or one that moved tenant, which cannot happen today) ends the session on
    its next request. Marks the key used, like :func:`authenticate`. Needs an ALL_TENANTS
    session.
    """
    found = system_session.execute(
        select(ApiKey, Tenant).join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.id == key_id, ApiKey.tenant_id == tenant_id)
    ).one_or_none()
    return _usable(system_session, found)
