"""tenants and api keys: every business row belongs to a tenant (§11)

Creates ``tenants`` and ``api_keys``, adds a NOT NULL ``tenant_id`` (foreign key, indexed)
to every business table, and moves the rows that exist to a tenant named ``default``, so
an upgraded deployment keeps its data (reachable with a key of tenant ``default``:
``scriptforge keys create --tenant default …``). Uniqueness that was deployment-wide
becomes per tenant: batch keys, job dedupe keys and idempotency keys (§4: keys belong to
the caller). SQLite tables are rebuilt in batch mode and keep AUTOINCREMENT.

Downgrading drops every tenant and key; it fails if two tenants used the same batch key,
dedupe key or idempotency key, since those were unique across the deployment before.

Revision ID: c3e1a7b2d9f4
Revises: 7a64cf59d6e5
Create Date: 2026-11-26 02:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import shared.db.types

revision: str = "c3e1a7b2d9f4"
down_revision: str | None = "7a64cf59d6e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AUTOINCREMENT = {"sqlite_autoincrement": True}

# Owned tables, with the (tenant_id, created_at) index lists filter on, if any.
OWNED = {
    "leads": "created_at",
    "demo_sites": "created_at",
    "batches": None,
    "jobs": "created_at",
    "video_scripts": "created_at",
    "llm_calls": "created_at",
    "idempotency_keys": None,
    "script_approvals": None,
    "voiceovers": None,
}
# Unique constraints that become per tenant: table -> (old name, old columns, new name).
PER_TENANT_UNIQUE = {
    "batches": ("uq_batches_batch_key", ["batch_key"], "uq_batches_tenant_batch_key"),
    "jobs": ("uq_jobs_dedupe_key", ["dedupe_key"], "uq_jobs_tenant_dedupe_key"),
    "idempotency_keys": ("uq_idempotency_keys_scope_key", ["scope", "key"],
                         "uq_idempotency_keys_tenant_scope_key"),
}
COMPOSITE_INDEX = {
    "leads": "ix_leads_tenant_created",
    "demo_sites": "ix_demo_sites_tenant_created",
    "jobs": "ix_jobs_tenant_created",
    "video_scripts": "ix_video_scripts_tenant_created",
    "llm_calls": "ix_llm_calls_tenant_created",
}


def _table_kwargs(table: str) -> dict[str, bool]:
    return {} if table == "jobs" else AUTOINCREMENT  # jobs have UUID ids


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", BigId, nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("monthly_budget_usd", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("created_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
        **AUTOINCREMENT,
    )
    op.create_table(
        "api_keys",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", shared.db.types.JSONType, nullable=False),
        sa.Column("created_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", shared.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", shared.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_api_keys_tenant_id_tenants"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        **AUTOINCREMENT,
    )
    op.create_index(op.f("ix_api_keys_tenant_id"), "api_keys", ["tenant_id"], unique=False)

    tenants = sa.table(
        "tenants", sa.column("id", BigId), sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("created_at", shared.db.types.UTCDateTime(timezone=True)),
    )
    bind = op.get_bind()
    bind.execute(tenants.insert().values(slug="default", name="Default",
                                         created_at=datetime.now(UTC)))
    default_id = bind.execute(
        sa.select(tenants.c.id).where(tenants.c.slug == "default")
    ).scalar_one()

    for table, created in OWNED.items():
        with op.batch_alter_table(table, table_kwargs=_table_kwargs(table)) as batch:
            batch.add_column(sa.Column("tenant_id", BigId, nullable=True))
        owned = sa.table(table, sa.column("tenant_id", BigId))
        bind.execute(owned.update().values(tenant_id=default_id))
        with op.batch_alter_table(table, table_kwargs=_table_kwargs(table)) as batch:
            batch.alter_column("tenant_id", existing_type=BigId, nullable=False)
            batch.create_foreign_key(
                f"fk_{table}_tenant_id_tenants", "tenants", ["tenant_id"], ["id"],
                ondelete="RESTRICT",
            )
            batch.create_index(f"ix_{table}_tenant_id", ["tenant_id"], unique=False)
            if created is not None:
                batch.create_index(COMPOSITE_INDEX[table], ["tenant_id", created], unique=False)
            if table in PER_TENANT_UNIQUE:
                old, columns, new = PER_TENANT_UNIQUE[table]
                batch.drop_constraint(old, type_="unique")
                batch.create_unique_constraint(new, ["tenant_id", *columns])


def downgrade() -> None:
    for table, created in reversed(OWNED.items()):
        with op.batch_alter_table(table, table_kwargs=_table_kwargs(table)) as batch:
            if table in PER_TENANT_UNIQUE:
                old, columns, new = PER_TENANT_UNIQUE[table]
                batch.drop_constraint(new, type_="unique")
                batch.create_unique_constraint(old, columns)
            if created is not None:
                batch.drop_index(COMPOSITE_INDEX[table])
            batch.drop_index(f"ix_{table}_tenant_id")
            batch.drop_constraint(f"fk_{table}_tenant_id_tenants", type_="foreignkey")
            batch.drop_column("tenant_id")
    op.drop_index(op.f("ix_api_keys_tenant_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("tenants")
