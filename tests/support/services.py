"""Skip-or-fail for tests that need real services or binaries.

Without ``REQUIRE_SERVICES=1`` a missing service skips the test with a visible reason, so
the README test command passes on a bare laptop; CI sets it, turning every such skip into a
failure so nothing silently goes untested there.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

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


def require_postgres() -> str:
    if not port_open("127.0.0.1", 5432):
        missing("PostgreSQL is not reachable on 127.0.0.1:5432")
    return POSTGRES_URL


def require_redis() -> str:
    if not port_open("127.0.0.1", 6379):
        missing("Redis is not reachable on 127.0.0.1:6379")
    return REDIS_URL
