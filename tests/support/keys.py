"""API keys for tests: made through the same repository the CLI uses, never by turning
authentication off (there is no such setting)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from shared.db.session import session_scope
from shared.db.tenancy import ALL_TENANTS
from shared.repositories import api_keys
from shared.repositories.tenants import DEFAULT_TENANT_SLUG, get_or_create_tenant

ALL_SCOPES: tuple[str, ...] = api_keys.SCOPES
# The migration creates tenant "default" first, so a fresh database has it as tenant 1.
DEFAULT_TENANT_ID = 1


# Signs review-desk sessions of production-shaped test apps (SECRET_KEY); not a real secret.
TEST_SECRET_KEY = "test-secret-key-0123456789abcdef-not-for-production"


def issue_key(
    factory: sessionmaker[Session], tenant: str = DEFAULT_TENANT_SLUG,
    scopes: Sequence[str] = ALL_SCOPES, name: str = "test",
) -> str:
    """A new key of ``tenant`` (created if missing) with ``scopes``; returns the token."""
    with session_scope(factory, ALL_TENANTS) as session:
        owner = get_or_create_tenant(session, tenant)
        return api_keys.create_key(session, owner, scopes=list(scopes), name=name).token


def tenant_id(factory: sessionmaker[Session], tenant: str = DEFAULT_TENANT_SLUG) -> int:
    with session_scope(factory, ALL_TENANTS) as session:
        return get_or_create_tenant(session, tenant).id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
