"""Migrations are the schema's source of truth: head must equal the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Integer, create_engine, text

from shared.db.migrate import alembic_config, upgrade_to_head
from shared.db.models import Base


def _drift(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_sqlite_head_matches_models_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade_to_head(url)
    assert _drift(url) == []
    command.downgrade(alembic_config(url), "base")
    upgrade_to_head(url)
    assert _drift(url) == []


def test_postgres_head_matches_models(postgres_database: str) -> None:
    # postgres_database is a fresh, empty database that the fixture migrated to head.
    assert _drift(postgres_database) == []


@pytest.mark.usefixtures("postgres_database")
def test_postgres_downgrade_and_upgrade_round_trip(postgres_database: str) -> None:
    command.downgrade(alembic_config(postgres_database), "base")
    upgrade_to_head(postgres_database)
    assert _drift(postgres_database) == []


def test_sqlite_ids_are_never_reused_on_every_integer_id_table(tmp_path: Path) -> None:
    """AUTOINCREMENT on every table with an integer id: a deleted row's id stays retired."""
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    upgrade_to_head(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                if not isinstance(table.c.id.type, Integer):
                    continue  # UUID ids (jobs) cannot be reused
                ddl = connection.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table.name})
                assert "AUTOINCREMENT" in ddl, table.name
            connection.execute(text(
                "INSERT INTO leads (company_name, value, created_at) VALUES ('a', 0, '2026-01-01')"
            ))
            first = connection.scalar(text("SELECT max(id) FROM leads"))
            connection.execute(text("DELETE FROM leads"))
            connection.execute(text(
                "INSERT INTO leads (company_name, value, created_at) VALUES ('b', 0, '2026-01-01')"
            ))
            assert connection.scalar(text("SELECT max(id) FROM leads")) > first
    finally:
        engine.dispose()
