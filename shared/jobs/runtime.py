"""What a job needs to run: settings, a session factory, the script engine, a publisher.

Built once per process (worker, or the web process in embedded mode), never at import
time, so importing a module never opens a database connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings
from shared.db.session import make_engine, make_session_factory, session_scope
from shared.db.tenancy import TenantScope, current_tenant
from shared.jobs.publishing import JobPublisher, install_publisher
from shared.script.engine import ScriptEngine


@dataclass
class Runtime:
    settings: Settings
    db_engine: Engine
    session_factory: sessionmaker[Session]
    script_engine: ScriptEngine
    publisher: JobPublisher

    @contextmanager
    def session(self, tenant: TenantScope | None = None) -> Iterator[Session]:
        """One session per unit of work: commit on success, roll back on error, close.

        It belongs to ``tenant`` if given, else to the :func:`tenant_context` around the
        call (the job's tenant, set by the runner); with neither it is unscoped and raises
        on its first tenant-owned statement.
        """
        scope = tenant if tenant is not None else current_tenant()
        with session_scope(self.session_factory, scope) as session:
            yield session

    @property
    def task_budget_seconds(self) -> float:
        # Leave room under the task's hard limit to store the result and finish the job.
        return max(self.settings.task_time_limit_seconds - 30, 10)


def build_runtime(
    settings: Settings, publisher: JobPublisher, *, db_engine: Engine | None = None
) -> Runtime:
    engine = db_engine or make_engine(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        connect_timeout_seconds=settings.db_connect_timeout_seconds,
    )
    factory = make_session_factory(engine)
    install_publisher(factory, publisher)
    return Runtime(
        settings=settings,
        db_engine=engine,
        session_factory=factory,
        script_engine=ScriptEngine(settings),
        publisher=publisher,
    )
