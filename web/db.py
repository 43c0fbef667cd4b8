"""One SQLAlchemy session per request, closed in teardown whatever happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings
from shared.db.tenancy import scope_session
from shared.jobs.publishing import JobPublisher

EXTENSION = "scriptforge"


@dataclass
class WebState:
    settings: Settings
    db_engine: Engine
    session_factory: sessionmaker[Session]
    publisher: JobPublisher
    # Raises when the broker cannot be reached; None in embedded mode (no broker).
    ping_broker: Callable[[], object] | None = None
    # The same short-timeout client, read by /metrics for queue depth; None when embedded.
    broker: redis.Redis | None = None


def state() -> WebState:
    web_state: WebState = current_app.extensions[EXTENSION]
    return web_state


def get_session() -> Session:
    """The request's session, scoped to the caller's tenant (``shared.db.tenancy``).

    A public request (no principal) gets an unscoped session, which refuses every
    tenant-owned row: the health probes need none.
    """
    if "db_session" not in g:
        session = state().session_factory()
        principal = g.get("principal")
        if principal is not None:
            scope_session(session, principal.tenant_id)
        g.db_session = session
    db_session: Session = g.db_session
    return db_session


def init_app(app: Flask, web_state: WebState) -> None:
    app.extensions[EXTENSION] = web_state

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            # Uncommitted work is rolled back: handlers commit explicitly on success.
            session.close()
