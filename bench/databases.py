"""A throwaway Postgres database for a benchmark run."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from shared.db.migrate import upgrade_to_head

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def fresh_database(name: str) -> str:
    """Drop and recreate ``name``, migrate it to head, and return its URL."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    upgrade_to_head(url)
    return url
