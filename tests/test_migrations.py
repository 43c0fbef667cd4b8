"""Migrations are the schema's source of truth: head must equal the models exactly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Integer, create_engine, text

from shared.db.migrate import alembic_config, upgrade_to_head
from shared.db.models import Base
from tests.support.services import scratch_database

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
                if "id" not in table.c or not isinstance(table.c.id.type, Integer):
                    continue  # UUID ids (jobs) cannot be reused; natural keys (rollup) have none
                ddl = connection.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table.name})
                assert "AUTOINCREMENT" in ddl, table.name
            connection.execute(text(
                "INSERT INTO leads (company_name, value, created_at, tenant_id) "
                "VALUES ('a', 0, '2026-01-01', 1)"
            ))
            first = connection.scalar(text("SELECT max(id) FROM leads"))
            connection.execute(text("DELETE FROM leads"))
            connection.execute(text(
                "INSERT INTO leads (company_name, value, created_at, tenant_id) "
                "VALUES ('b', 0, '2026-01-01', 1)"
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
    go = tmp_path / "go"
    with scratch_database("migrate") as url:
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


TENANTS_REVISION = "c3e1a7b2d9f4"
BEFORE_TENANTS = "7a64cf59d6e5"


def _rows_move_to_default(url: str) -> None:
    """Rows written before tenants existed belong to tenant ``default`` after the upgrade."""
    command.upgrade(alembic_config(url), BEFORE_TENANTS)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO leads (company_name, value, created_at) VALUES ('old', 0, "
                "'2026-01-01')"))
            connection.execute(text(
                "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at, expires_at) "
                "VALUES ('', 'k', 'f', '2026-01-01', '2026-01-02')"))
        command.upgrade(alembic_config(url), TENANTS_REVISION)
        with engine.connect() as connection:
            default_id = connection.scalar(text("SELECT id FROM tenants WHERE slug = 'default'"))
            assert default_id is not None
            for table in ("leads", "idempotency_keys"):
                owners = connection.execute(text(f"SELECT tenant_id FROM {table}")).scalars()
                assert list(owners) == [default_id], table
        command.upgrade(alembic_config(url), "head")  # the revisions after tenants, if any
        assert _drift(url) == []
    finally:
        engine.dispose()


def test_sqlite_upgrade_moves_existing_rows_to_the_default_tenant(tmp_path: Path) -> None:
    _rows_move_to_default(f"sqlite:///{tmp_path / 'tenants.db'}")


def test_postgres_upgrade_moves_existing_rows_to_the_default_tenant(
    postgres_database: str,
) -> None:
    command.downgrade(alembic_config(postgres_database), "base")
    try:
        _rows_move_to_default(postgres_database)
    finally:
        upgrade_to_head(postgres_database)


def test_every_business_table_has_a_non_null_tenant(tmp_path: Path) -> None:
    from shared.db.models import TenantOwned

    owned = {mapper.class_.__tablename__ for mapper in Base.registry.mappers
             if issubclass(mapper.class_, TenantOwned)}
    assert owned == set(Base.metadata.tables) - {"tenants"}
    for name in owned:
        column = Base.metadata.tables[name].c.tenant_id
        assert not column.nullable, name
        assert column.foreign_keys, name


ANALYTICS_REVISION = "e7bca394c41e"


def _ledger_keeps_leads(url: str) -> None:
    """Upgrading fills the ledger's lead (from the script, else the job's demo site) and
    records every existing script, so reports count what was stored before (§13)."""
    from sqlalchemy import insert

    from shared.db.models import DemoSite, Job, JobKind, Lead, LLMCall, VideoScript

    command.upgrade(alembic_config(url), TENANTS_REVISION)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            lead = connection.execute(insert(Lead.__table__).values(
                company_name="old", tenant_id=1).returning(Lead.__table__.c.id)).scalar_one()
            site = connection.execute(insert(DemoSite.__table__).values(
                lead_id=lead, url="https://old.example", improvement_plan={}, tenant_id=1
            ).returning(DemoSite.__table__.c.id)).scalar_one()
            job = connection.execute(insert(Job.__table__).values(
                kind=JobKind.GENERATE_SCRIPT, params={}, demo_site_id=site, tenant_id=1,
            ).returning(Job.__table__.c.id)).scalar_one()
            script = connection.execute(insert(VideoScript.__table__).values(
                demo_site_id=site, lead_id=lead, script_style="sales", sections=[],
                total_duration_seconds=110, max_duration_seconds=120, ai_model_used="m",
                fallback_used=True, generation_time_seconds=3.5, tenant_id=1,
            ).returning(VideoScript.__table__.c.id)).scalar_one()
            calls = LLMCall.__table__
            for sequence, (job_id, script_id) in enumerate(
                    [(job, script), (job, None), (None, None)]):
                connection.execute(insert(calls).values(
                    job_id=job_id, script_id=script_id, attempt=1, sequence=sequence,
                    model="m", tier="budget", purpose="generate", outcome="ok", tenant_id=1))
        command.upgrade(alembic_config(url), ANALYTICS_REVISION)
        with engine.connect() as connection:
            leads = connection.execute(text(
                "SELECT lead_id FROM llm_calls ORDER BY sequence")).scalars().all()
            assert leads == [lead, lead, None]
            record = connection.execute(text(
                "SELECT script_id, lead_id, script_style, fallback_used, "
                "generation_time_seconds, tenant_id FROM script_records")).one()
            assert tuple(record) == (script, lead, "sales", True, 3.5, 1)
        command.upgrade(alembic_config(url), "head")
        assert _drift(url) == []
    finally:
        engine.dispose()


def test_sqlite_upgrade_keeps_the_ledgers_leads_and_records_scripts(tmp_path: Path) -> None:
    _ledger_keeps_leads(f"sqlite:///{tmp_path / 'analytics.db'}")


def test_postgres_upgrade_keeps_the_ledgers_leads_and_records_scripts(
    postgres_database: str,
) -> None:
    command.downgrade(alembic_config(postgres_database), "base")
    try:
        _ledger_keeps_leads(postgres_database)
    finally:
        command.downgrade(alembic_config(postgres_database), "base")
        upgrade_to_head(postgres_database)
