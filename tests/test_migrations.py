"""Migrations are the schema's source of truth: head must equal the models exactly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Integer, create_engine, text
from sqlalchemy.engine import make_url

from shared.db.migrate import alembic_config, upgrade_to_head
from shared.db.models import Base
from tests.support.services import require_postgres

ROOT = Path(__file__).resolve().parents[1]


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


_MIGRATE_ON_SIGNAL = """
import pathlib, sys, time
from shared.db.migrate import upgrade_to_head
go = pathlib.Path(sys.argv[2])
ready = pathlib.Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.01)
upgrade_to_head(sys.argv[1])
"""


def test_release_processes_started_together_on_postgres_all_succeed(tmp_path: Path) -> None:
    """Two deploys (or a compose `migrate` and a hand-run release) migrating one empty
    database at once: an advisory lock serialises them, the second finds head and stops."""
    admin_url = require_postgres()
    name = f"scriptforge_migrate_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    go = tmp_path / "go"
    try:
        processes = [
            subprocess.Popen([sys.executable, "-c", _MIGRATE_ON_SIGNAL, url, str(go),
                              str(tmp_path / f"ready-{n}")],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for n in range(4)
        ]
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready-*"))) < len(processes):
            assert time.monotonic() < deadline, "migrating processes did not start"
            time.sleep(0.05)
        go.touch()
        outputs = [process.communicate(timeout=120)[0].decode() for process in processes]
        assert [process.returncode for process in processes] == [0] * 4, outputs
        assert _drift(url) == []
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
