"""Alembic environment: migrations are the schema's source of truth."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection, event, text

from shared.config import load_settings
from shared.db.models import Base
from shared.db.session import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

# Session-independent key of the Postgres advisory lock that serialises migrations: two
# release processes (two deploys, or compose's `migrate` and a hand-run `alembic upgrade`)
# would otherwise both see an empty database and race to create the same tables.
MIGRATION_LOCK_KEY = 0x5F1E_0A1E


def _url() -> str:
    # An explicit URL (tests, the embedded bootstrap) wins over the environment.
    explicit = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return explicit or load_settings().resolved_database_url


def _run(connection: Connection) -> None:
    """Run the migrations in one transaction, holding the migration lock on Postgres.

    The lock is transaction-scoped and taken before Alembic reads the current revision,
    so whoever waited finds the database at head and does nothing.
    """
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), pool_size=1)
    if engine.dialect.name == "sqlite":
        # Batch mode rebuilds a table by copying it and dropping the original; with foreign
        # keys on, dropping a parent table would cascade its ON DELETE actions into the
        # children (SQLite's documented procedure for table rebuilds turns them off).
        event.listen(engine, "connect", _sqlite_foreign_keys_off)
    try:
        with engine.connect() as connection:
            _run(connection)
            if engine.dialect.name == "sqlite":
                _check_foreign_keys(connection)
    finally:
        engine.dispose()


def _sqlite_foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    """With enforcement off during the rebuild, prove afterwards that nothing dangles."""
    violations = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
    if violations:
        raise RuntimeError(f"foreign key violations after migrating: {violations[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
