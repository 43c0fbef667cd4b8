"""Fixtures shared by the whole suite: settings, apps, databases, the local LLM server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from shared.config import Settings, load_settings
from shared.db.migrate import upgrade_to_head
from shared.db.tenancy import tenant_context
from tests.support.fake_openai import FakeOpenAI
from tests.support.keys import DEFAULT_TENANT_ID, TEST_SECRET_KEY, issue_key
from tests.support.private_services import PrivatePostgres, PrivateRedis
from tests.support.runtime import RecordingPublisher
from tests.support.services import scratch_database

# Variables that would make a test depend on the machine it runs on.
_ENV_VARS = [
    "DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "OPENROUTER_API_KEY", "LLM_BASE_URL",
    "LLM_API_KEY", "RATE_LIMIT", "RATE_LIMIT_JOBS", "RATE_LIMIT_STORAGE_URL",
    "TTS_API_KEY", "TTS_BASE_URL", "VOICEOVER_ENGINE", "STORAGE_DIR", "VAR_DIR", "LOG_JSON",
    "SECRET_KEY", "SESSION_COOKIE_SECURE",
]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: embedded by default, fast backoff, files under tmp_path."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "var_dir": tmp_path / "var",
            "storage_dir": tmp_path / "audio",
            "llm_backoff_initial_seconds": 0.0,
            "llm_backoff_max_seconds": 0.0,
            "sweeper_interval_seconds": 3600,
            "log_level": "WARNING",
            # Production-shaped apps (DATABASE_URL set) need one to sign review sessions.
            "secret_key": TEST_SECRET_KEY,
        }
        values.update(overrides)
        return load_settings(**values)

    return build


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> Iterator[Flask]:
    """The embedded app: SQLite, in-process worker, offline engine (no LLM key)."""
    from web.app import create_app

    flask_app = create_app(make_settings())
    flask_app.config["TESTING"] = True
    yield flask_app
    worker = flask_app.extensions.get("scriptforge.worker")
    if worker is not None:
        worker.shutdown(wait=True)
    flask_app.extensions["scriptforge"].db_engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def app_on_each_database(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[Flask]:
    """The app on embedded SQLite, then on Postgres; jobs are recorded, not run."""
    from web.app import create_app

    if request.param == "sqlite":
        flask_app = create_app(make_settings(), publisher=RecordingPublisher())
    else:
        url = request.getfixturevalue("postgres_url")
        flask_app = create_app(make_settings(database_url=url), publisher=RecordingPublisher())
    yield flask_app
    flask_app.extensions["scriptforge"].db_engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _default_tenant_context() -> Iterator[None]:
    """Test code that opens sessions itself (to arrange rows, or to look at them) works as
    tenant ``default``, which a fresh database has as tenant 1 (the migration creates it;
    ``postgres_url`` restores it). Workers and requests still scope their own sessions."""
    with tenant_context(DEFAULT_TENANT_ID):
        yield


@pytest.fixture
def api_key(app: Flask) -> str:
    """A key of tenant ``default`` with every scope, in the app's database."""
    return issue_key(app.extensions["scriptforge"].session_factory)


@pytest.fixture
def client(app: Flask, api_key: str) -> FlaskClient:
    """A test client that sends ``api_key`` on every request (as an integrator would)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_key}"
    return test_client


@pytest.fixture
def anonymous_client(app: Flask) -> FlaskClient:
    """A test client without a key."""
    return app.test_client()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh Postgres database for this test session, migrated to head, dropped after."""
    with scratch_database("test") as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """The session database, emptied before each test that uses it."""
    engine = create_engine(postgres_database)
    with engine.begin() as connection:
        tables = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )).scalars().all()
        if tables:
            joined = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
        # As after the migration: tenant "default" exists, as tenant 1.
        restored = connection.execute(text(
            "INSERT INTO tenants (slug, name, created_at) VALUES ('default', 'Default', now()) "
            "RETURNING id"
        )).scalar_one()
        assert restored == DEFAULT_TENANT_ID
    engine.dispose()
    return postgres_database


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A Postgres cluster of the test's own, migrated to head, that it may stop and start:
    outages are tested on it, never on the machine's shared server."""
    server = PrivatePostgres()
    server.start()
    try:
        upgrade_to_head(server.url)
        yield server
    finally:
        server.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A Redis of the test's own that it may stop and start (no persistence)."""
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.close()


# --- the local OpenAI-compatible server (tests/support/fake_openai.py) ------------------------

TEST_LLM_KEY = "sk-test-engine-key-0123456789abcdef"


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeOpenAI]:
    """One local LLM/speech server for the whole run (cheap to keep, slow-ish to start)."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_fake_llm(request: pytest.FixtureRequest) -> None:
    """Every test that uses ``fake_llm`` starts with no faults, no requests, defaults."""
    if "fake_llm" in request.fixturenames:
        request.getfixturevalue("fake_llm").reset()


@pytest.fixture
def llm_settings(
    make_settings: Callable[..., Settings], fake_llm: FakeOpenAI
) -> Callable[..., Settings]:
    """Settings pointing the LLM client at ``fake_llm``: short timeout, no backoff."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "llm_base_url": fake_llm.base_url,
            "llm_api_key": TEST_LLM_KEY,
            "llm_timeout_seconds": 2.0,
            "llm_max_attempts": 3,
        }
        values.update(overrides)
        return make_settings(**values)

    return build
