"""Engines and session factories: one session per request and per task, never shared."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 20, echo: bool = False,
    connect_timeout_seconds: int = 5,
) -> Engine:
    """Create an engine tuned for the dialect.

    SQLite (embedded mode) is shared by the web threads and the in-process worker threads,
    so it runs in WAL mode with a busy timeout and enforced foreign keys; Postgres gets a
    pre-pinged pool so a database restart costs one failed checkout, not a failed job, and
    a connect timeout so an unreachable host (packets dropped, not refused) fails within
    seconds instead of the operating system's minutes-long TCP timeout.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        connect_args={"connect_timeout": connect_timeout_seconds},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that see one tenant's rows (see ``shared.db.tenancy``).

    expire_on_commit=False: handlers serialise objects after committing them.
    """
    from shared.db.tenancy import install_tenant_scoping  # models import this module's peers

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_tenant_scoping(factory)
    return factory


@contextmanager
def session_scope(factory: sessionmaker[Session], tenant: Any = None) -> Iterator[Session]:
    """A unit of work for tasks and scripts: commit on success, roll back on error, close.

    ``tenant`` (an id or ``ALL_TENANTS``) scopes the session; without it the session is
    unscoped and refuses tenant-owned rows.
    """
    session = factory()
    if tenant is not None:
        from shared.db.tenancy import scope_session

        scope_session(session, tenant)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
