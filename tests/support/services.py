"""Skip-or-fail for tests that need real services or binaries.

Without ``REQUIRE_SERVICES=1`` a missing service skips the test with a visible reason, so
the README test command passes on a bare laptop; CI sets it, turning every such skip into a
failure so nothing silently goes untested there.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") not in {"", "0", "false", "no"}


def missing(reason: str) -> None:
    """Skip (or, under REQUIRE_SERVICES, fail) the current test with ``reason``."""
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (apt-get install {name})")
        raise AssertionError("unreachable")
    return path


def _host_and_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def require_postgres() -> str:
    """``TEST_POSTGRES_URL`` (or the machine's default), skipping when it does not answer."""
    host, port = _host_and_port(POSTGRES_URL, 5432)
    if not port_open(host, port):
        missing(f"PostgreSQL is not reachable on {host}:{port} (TEST_POSTGRES_URL)")
    return POSTGRES_URL


def require_redis() -> str:
    """``TEST_REDIS_URL`` exactly as given: tests isolate by key prefix, never by database."""
    host, port = _host_and_port(REDIS_URL, 6379)
    if not port_open(host, port):
        missing(f"Redis is not reachable on {host}:{port} (TEST_REDIS_URL)")
    return REDIS_URL


@contextmanager
def scratch_database(purpose: str) -> Iterator[str]:
    """An empty Postgres database of the caller's own on ``TEST_POSTGRES_URL``'s server,
    named after ``purpose`` and this process, dropped (connections and all) afterwards."""
    admin_url = require_postgres()
    name = f"scriptforge_{purpose}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
