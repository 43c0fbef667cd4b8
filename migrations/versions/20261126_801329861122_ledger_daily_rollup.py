"""ledger_daily: the cost ledger summed per settled UTC day, for long GET /costs windows

A year of a busy tenant is about 500,000 ledger rows, and summing them on every request
took 0.4-1.8 s (docs/benchmarks.md). ``ledger_daily`` holds one row per tenant, day,
model, tier and style; ``ledger_days`` marks the days whose rows are complete. Both start
empty: a report fills the settled days it needs on first read.

Revision ID: 801329861122
Revises: 214b6f72d4bb
Create Date: 2026-11-26 04:48:53.758356
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db.types

revision: str = "801329861122"
down_revision: str | None = "214b6f72d4bb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("script_style", sa.String(length=32), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_ledger_daily_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "day", "model", "tier", "script_style",
                                name="pk_ledger_daily"),
    )
    op.create_index(op.f("ix_ledger_daily_tenant_id"), "ledger_daily", ["tenant_id"],
                    unique=False)
    op.create_table(
        "ledger_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("summed_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_ledger_days_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "day", name="pk_ledger_days"),
    )
    op.create_index(op.f("ix_ledger_days_tenant_id"), "ledger_days", ["tenant_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_days_tenant_id"), table_name="ledger_days")
    op.drop_table("ledger_days")
    op.drop_index(op.f("ix_ledger_daily_tenant_id"), table_name="ledger_daily")
    op.drop_table("ledger_daily")
