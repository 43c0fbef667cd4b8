"""Tenants (§11): the owners of every business row. Deployment-wide lookups take a
system (``ALL_TENANTS``) session; the tenants table itself is not tenant-owned."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db.models import Tenant
from shared.db.types import utcnow
from shared.errors import ConflictError, DomainValidationError, NotFoundError

DEFAULT_TENANT_SLUG = "default"
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MAX_BUDGET_USD = Decimal("999999999999.99")  # Numeric(14, 2)


def validate_slug(slug: str) -> str:
    if not SLUG_PATTERN.match(slug):
        raise DomainValidationError(
            "slug", "must be 1-63 lowercase letters, digits or inner hyphens"
        )
    return slug


def validate_budget(value: Decimal | float | str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        budget = Decimal(str(value))
    except ArithmeticError as error:
        raise DomainValidationError("monthly_budget_usd", "must be a number") from error
    if not budget.is_finite() or budget < 0 or budget > MAX_BUDGET_USD:
        raise DomainValidationError(
            "monthly_budget_usd", f"must be between 0 and {MAX_BUDGET_USD}, or null"
        )
    return budget.quantize(Decimal("0.01"))


def create_tenant(
    session: Session, slug: str, *, name: str | None = None,
    monthly_budget_usd: Decimal | float | str | None = None,
) -> Tenant:
    tenant = Tenant(slug=validate_slug(slug), name=name or slug,
                    monthly_budget_usd=validate_budget(monthly_budget_usd), created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(tenant)
            session.flush()
    except IntegrityError as error:
        raise ConflictError(f"tenant '{slug}' already exists") from error
    return tenant


def find_tenant(session: Session, slug: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.slug == slug))


def get_tenant_by_slug(session: Session, slug: str) -> Tenant:
    tenant = find_tenant(session, slug)
    if tenant is None:
        raise NotFoundError("tenant", slug)
    return tenant


def get_tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFoundError("tenant", tenant_id)
    return tenant


def get_or_create_tenant(session: Session, slug: str) -> Tenant:
    tenant = find_tenant(session, slug)
    if tenant is not None:
        return tenant
    try:
        return create_tenant(session, slug)
    except ConflictError:
        return get_tenant_by_slug(session, slug)  # created concurrently


def set_budget(session: Session, tenant: Tenant, value: Decimal | float | str | None) -> Tenant:
    tenant.monthly_budget_usd = validate_budget(value)
    session.flush()
    return tenant


def list_tenant_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Tenant.id).order_by(Tenant.id)))


def monthly_budget(session: Session, tenant_id: int, *, lock: bool = False) -> Decimal | None:
    """The tenant's monthly LLM budget (None: unlimited).

    ``lock=True`` holds the tenant's row until the transaction ends (Postgres ``FOR NO KEY
    UPDATE``), so the budget check and the reservation that follows it are one step per
    tenant: concurrent jobs of one tenant queue here, other tenants never do. ``NO KEY``
    keeps it out of the way of rows being inserted with a foreign key to the tenant. SQLite
    has no row locks and ignores it; there the reservation's insert takes the database's
    single write lock before the spend is summed (see ``shared.jobs.spend_budget``).
    """
    query = select(Tenant.monthly_budget_usd).where(Tenant.id == tenant_id)
    if lock:
        query = query.with_for_update(key_share=True)
    return session.scalar(query)
