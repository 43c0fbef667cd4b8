"""Tell "the database is unreachable right now" apart from "this statement is wrong".

An outage (refused or dropped connections, a pool that cannot hand out a connection, a
server shutting down) is transient: the web answers 503 with ``Retry-After`` and a worker
puts its task back to be retried, because the same request will succeed once the database
is back. A constraint violation, bad data or a programming error is not an outage and must
never be retried as one: a foreign-key error from a row deleted meanwhile, for instance, is
a definite answer the job has to act on.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import (
    TimeoutError as PoolTimeoutError,
)

# A client should come back after this long; short, since pool_pre_ping reconnects at once.
RETRY_AFTER_SECONDS = 5

_SQLITE_TRANSIENT = ("locked", "busy", "unable to open", "disk i/o")


def is_database_unavailable(error: BaseException) -> bool:
    """True when ``error`` means the database could not be reached or the link broke."""
    if isinstance(error, PoolTimeoutError):
        return True  # every pooled connection busy or unobtainable for pool_timeout
    if isinstance(error, OperationalError) and isinstance(error.orig, sqlite3.Error):
        # SQLite reports schema mistakes ("no such table") as OperationalError too; only a
        # lock held past busy_timeout or an unreadable file is an outage there.
        message = str(error.orig).lower()
        return any(sign in message for sign in _SQLITE_TRANSIENT)
    if isinstance(error, OperationalError | InterfaceError):
        return True  # refused, reset, admin shutdown, server closed the connection
    # Any other DBAPI error on a connection SQLAlchemy found dead (and invalidated).
    return isinstance(error, DBAPIError) and error.connection_invalidated
