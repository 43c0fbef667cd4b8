"""One tenant-scoped path for every query (§11): the session, not the caller, adds the scope.

A session carries its tenant in ``session.info[TENANT_KEY]``. Every ORM SELECT, UPDATE and
DELETE it runs gets ``tenant_id = <that tenant>`` on each tenant-owned entity (subqueries
and joins included, via ``with_loader_criteria``), and every new tenant-owned row is
stamped with it before flush. So a new endpoint or repository function cannot forget the
scope: it never writes it.

Deployment-wide work (the sweeper, the nightly batch's fan-out, authenticating a key, the
CLI) opts out explicitly with :data:`ALL_TENANTS`. A session with no tenant at all is a
bug, and it raises on its first statement touching a tenant-owned table instead of quietly
seeing everyone's rows.

Worker code reaches its sessions through ``Runtime.session()``, which takes the tenant
from :func:`tenant_context` (set by the job runner once it knows the job's tenant).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from shared.db.models import TenantOwned
from shared.errors import CrossTenantWriteError, UnscopedSessionError

TENANT_KEY = "scriptforge.tenant_id"


class _AllTenants(enum.Enum):
    ALL_TENANTS = "all tenants"


#: Explicit opt-out for deployment-wide system work: no tenant criteria are added.
ALL_TENANTS = _AllTenants.ALL_TENANTS

TenantScope = int | _AllTenants

_current: ContextVar[TenantScope | None] = ContextVar("scriptforge_tenant", default=None)


def scope_session(session: Session, tenant: TenantScope) -> Session:
    session.info[TENANT_KEY] = tenant
    return session


def session_tenant(session: Session) -> TenantScope | None:
    """The session's own tenant, else the :func:`tenant_context` it runs in, else None."""
    tenant: TenantScope | None = session.info.get(TENANT_KEY)
    return tenant if tenant is not None else _current.get()


@contextmanager
def tenant_context(tenant: TenantScope) -> Iterator[None]:
    """Sessions that ``Runtime.session()`` opens inside this block belong to ``tenant``."""
    token = _current.set(tenant)
    try:
        yield
    finally:
        _current.reset(token)


def current_tenant() -> TenantScope | None:
    return _current.get()


def install_tenant_scoping(factory: sessionmaker[Session]) -> None:
    """Scope every session ``factory`` makes (idempotent per factory)."""
    if getattr(factory, "_scriptforge_tenancy", False):
        return
    event.listen(factory, "do_orm_execute", _add_tenant_criteria)
    event.listen(factory, "before_flush", _stamp_new_rows)
    factory._scriptforge_tenancy = True  # type: ignore[attr-defined]


def _touches_tenant_rows(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, TenantOwned) for mapper in state.all_mappers)


def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the parent row was already loaded under the criteria
    tenant = session_tenant(state.session)
    if tenant is ALL_TENANTS:
        return
    if tenant is None:
        if _touches_tenant_rows(state):
            raise UnscopedSessionError(
                "this session has no tenant; scope it (scope_session / tenant_context) or "
                "opt out explicitly with ALL_TENANTS"
            )
        return
    tenant_id = tenant
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


def _stamp_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    tenant = session_tenant(session)
    for row in session.new:
        if not isinstance(row, TenantOwned):
            continue
        owner = row.tenant_id
        if tenant is None:
            raise UnscopedSessionError(
                f"a new {type(row).__name__} has no tenant: this session is unscoped"
            )
        if tenant is ALL_TENANTS:
            if owner is None:
                raise UnscopedSessionError(
                    f"a system session must set tenant_id on a new {type(row).__name__}"
                )
            continue
        if owner is None:
            row.tenant_id = tenant
        elif owner != tenant:
            raise CrossTenantWriteError(
                f"{type(row).__name__} of tenant {owner} written by tenant {tenant}'s session"
            )
