"""analytics: the ledger keeps its lead, scripts keep a record, reports get their indexes

``GET /api/v1/costs`` and ``GET /api/v1/stats`` (§13) must keep counting a script's cost
after the script is hard-deleted (§3.6). The ledger's ``script_id`` is nulled then (ON
DELETE SET NULL), which kept the cost and the style (denormalised) but lost the lead, so
the ledger gets ``lead_id`` (no foreign key: the ledger outlives what it describes),
filled from the linked script or, failing that, from the job's demo site. The number of
scripts and the share that fell back move to ``script_records``, one row per stored script
that a hard delete does not touch, filled here from the scripts that exist.

Indexes: (tenant_id, created_at) on script records and voiceovers for the reports'
window; on Postgres these and the ledger's and jobs' (tenant_id, created_at) indexes also
carry the columns the reports read, so a window is an index-only scan (figures in
docs/benchmarks.md).

Revision ID: e7bca394c41e
Revises: e5b7c2d4a913
Create Date: 2026-11-26 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db.types

revision: str = "e7bca394c41e"
down_revision: str | None = "e5b7c2d4a913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LEDGER_REPORT_COLUMNS = ["model", "tier", "script_style", "lead_id", "cost_usd",
                         "prompt_tokens", "completion_tokens"]
SCRIPT_RECORD_REPORT_COLUMNS = ["fallback_used", "generation_time_seconds",
                                "total_duration_seconds", "max_duration_seconds"]
# Existing (tenant_id, created_at) indexes that become covering on Postgres: table, name,
# the columns included now, and those included before (e5b7c2d4a913's budget sum).
COVERED = [
    ("llm_calls", "ix_llm_calls_tenant_created", LEDGER_REPORT_COLUMNS, ["cost_usd"]),
    ("jobs", "ix_jobs_tenant_created", ["kind", "status"], []),
]
STYLES = ("professional", "casual", "technical", "sales")


def upgrade() -> None:
    op.add_column("llm_calls", sa.Column("lead_id", BigId, nullable=True))
    op.execute(
        "UPDATE llm_calls SET lead_id = (SELECT video_scripts.lead_id FROM video_scripts "
        "WHERE video_scripts.id = llm_calls.script_id) WHERE script_id IS NOT NULL"
    )
    op.execute(
        "UPDATE llm_calls SET lead_id = (SELECT demo_sites.lead_id FROM jobs "
        "JOIN demo_sites ON demo_sites.id = jobs.demo_site_id WHERE jobs.id = llm_calls.job_id) "
        "WHERE lead_id IS NULL AND job_id IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, name, include, _before in COVERED:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, ["tenant_id", "created_at"], unique=False,
                            postgresql_include=include)

    op.create_table(
        "script_records",
        sa.Column("id", BigId, nullable=False),
        sa.Column("script_id", BigId, nullable=False),
        sa.Column("lead_id", BigId, nullable=False),
        sa.Column(
            "script_style",
            sa.Enum(*STYLES, name="script_record_style", native_enum=False,
                    create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("fallback_used", sa.Boolean(), nullable=False),
        sa.Column("generation_time_seconds", sa.Double(), nullable=False),
        sa.Column("total_duration_seconds", sa.Integer(), nullable=False),
        sa.Column("max_duration_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_script_records_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_records")),
        sa.UniqueConstraint("script_id", name=op.f("uq_script_records_script_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_script_records_tenant_id"), "script_records", ["tenant_id"],
                    unique=False)
    op.create_index("ix_script_records_tenant_created", "script_records",
                    ["tenant_id", "created_at"], unique=False,
                    postgresql_include=SCRIPT_RECORD_REPORT_COLUMNS)
    op.execute(
        "INSERT INTO script_records (tenant_id, script_id, lead_id, script_style, "
        "fallback_used, generation_time_seconds, total_duration_seconds, "
        "max_duration_seconds, created_at) "
        "SELECT tenant_id, id, lead_id, script_style, fallback_used, "
        "generation_time_seconds, total_duration_seconds, max_duration_seconds, created_at "
        "FROM video_scripts ORDER BY id"
    )
    op.create_index("ix_voiceovers_tenant_created", "voiceovers", ["tenant_id", "created_at"],
                    unique=False, postgresql_include=["status", "timing_error_pct"])


def downgrade() -> None:
    op.drop_index("ix_voiceovers_tenant_created", table_name="voiceovers")
    op.drop_index("ix_script_records_tenant_created", table_name="script_records")
    op.drop_index(op.f("ix_script_records_tenant_id"), table_name="script_records")
    op.drop_table("script_records")
    if op.get_bind().dialect.name == "postgresql":
        for table, name, _include, before in COVERED:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, ["tenant_id", "created_at"], unique=False,
                            postgresql_include=before)
    with op.batch_alter_table("llm_calls", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("lead_id")
