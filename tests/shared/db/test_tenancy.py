"""The one tenant-scoped path: sessions add the tenant to every ORM statement by themselves."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db.migrate import upgrade_to_head
from shared.db.models import Lead
from shared.db.session import make_engine, make_session_factory, session_scope
from shared.db.tenancy import ALL_TENANTS
from shared.errors import CrossTenantWriteError, UnscopedSessionError
from shared.repositories.tenants import create_tenant


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'tenancy.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def two_tenants(factory: sessionmaker[Session]) -> tuple[int, int]:
    with session_scope(factory, ALL_TENANTS) as session:
        a, b = create_tenant(session, "a").id, create_tenant(session, "b").id
    for tenant, names in ((a, ["a1", "a2"]), (b, ["b1"])):
        with session_scope(factory, tenant) as session:
            session.add_all([Lead(company_name=name) for name in names])
    return a, b


def _in_a_fresh_context(work: Callable[[], Any]) -> BaseException | None:
    """Run ``work`` in a new thread: no tenant_context, as in a forgotten code path."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return raised[0] if raised else None


def test_each_tenant_sees_its_own_rows_and_a_system_session_sees_all(
    factory: sessionmaker[Session], two_tenants: tuple[int, int],
) -> None:
    a, b = two_tenants
    with session_scope(factory, a) as session:
        assert sorted(session.scalars(select(Lead.company_name))) == ["a1", "a2"]
        assert session.scalar(select(func.count()).select_from(Lead)) == 2
        b_lead = session.scalar(select(Lead.id).where(Lead.company_name == "b1"))
        assert b_lead is None
    with session_scope(factory, ALL_TENANTS) as session:
        b_id = session.scalars(select(Lead.id).where(Lead.tenant_id == b)).one()
        assert session.scalar(select(func.count()).select_from(Lead)) == 3
    with session_scope(factory, a) as session:
        assert session.get(Lead, b_id) is None  # a primary-key load is scoped too


def test_bulk_updates_touch_only_the_sessions_tenant(
    factory: sessionmaker[Session], two_tenants: tuple[int, int],
) -> None:
    a, _ = two_tenants
    with session_scope(factory, a) as session:
        session.execute(update(Lead).values(industry="changed")
                        .execution_options(synchronize_session=False))
    with session_scope(factory, ALL_TENANTS) as session:
        rows = session.execute(select(Lead.company_name, Lead.industry)).all()
        changed = dict(rows)
    assert changed == {"a1": "changed", "a2": "changed", "b1": None}


def test_an_unscoped_session_refuses_tenant_rows(
    factory: sessionmaker[Session], two_tenants: tuple[int, int],
) -> None:
    def read() -> None:
        with session_scope(factory) as session:
            session.scalars(select(Lead)).all()

    def write() -> None:
        with session_scope(factory) as session:
            session.add(Lead(company_name="orphan"))

    assert isinstance(_in_a_fresh_context(read), UnscopedSessionError)
    assert isinstance(_in_a_fresh_context(write), UnscopedSessionError)


def test_a_row_of_another_tenant_is_refused_and_new_rows_are_stamped(
    factory: sessionmaker[Session], two_tenants: tuple[int, int],
) -> None:
    a, b = two_tenants
    with pytest.raises(CrossTenantWriteError), session_scope(factory, a) as session:
        session.add(Lead(company_name="smuggled", tenant_id=b))
    with pytest.raises(UnscopedSessionError), session_scope(factory, ALL_TENANTS) as session:
        session.add(Lead(company_name="whose?"))  # a system session must say whose
    with session_scope(factory, a) as session:
        lead = Lead(company_name="stamped")
        session.add(lead)
        session.flush()
        assert lead.tenant_id == a


@pytest.mark.parametrize("group_by", ["model", "tier", "style", "day", "lead"])
def test_every_statement_of_the_reports_is_scoped(
    factory: sessionmaker[Session], two_tenants: tuple[int, int], group_by: str,
) -> None:
    """The reports' aggregates (§13) go through the same hook: each statement that reads a
    tenant-owned table says whose rows, and without a tenant they are refused."""
    from sqlalchemy import event

    from shared.db.models import Base, TenantOwned
    from shared.repositories.analytics import Window, cost_report, stats_report

    owned = {mapper.class_.__tablename__ for mapper in Base.registry.mappers
             if issubclass(mapper.class_, TenantOwned)}
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    tenant_a, _ = two_tenants
    engine = factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with session_scope(factory, tenant_a) as session:
            cost_report(session, tenant_id=tenant_a, window=Window(), group_by=group_by)
            stats_report(session, window=Window())
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    reading_owned = [s for s in statements
                     if any(f"FROM {table}" in s or f"JOIN {table}" in s for table in owned)]
    assert len(reading_owned) >= 9
    assert all("tenant_id = " in s for s in reading_owned), reading_owned

    def unscoped() -> None:
        with session_scope(factory) as session:
            cost_report(session, tenant_id=tenant_a, window=Window(), group_by=group_by)

    assert isinstance(_in_a_fresh_context(unscoped), UnscopedSessionError)
