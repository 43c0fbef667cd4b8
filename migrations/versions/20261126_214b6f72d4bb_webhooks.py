"""webhooks: endpoints, the outbox of events, deliveries and their attempts (§12)

Four tenant-owned tables. ``webhook_events`` is the outbox, written in the transaction of
the change each event reports; ``webhook_deliveries`` is one event on its way to one
endpoint (unique per pair), retried on its own schedule; ``webhook_attempts`` is the
delivery log. Signing secrets are stored encrypted (``secret_encrypted``).

Revision ID: 214b6f72d4bb
Revises: e7bca394c41e
Create Date: 2026-11-26 03:53:27.954818
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

import shared.db.types

revision: str = "214b6f72d4bb"
down_revision: str | None = "e7bca394c41e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("webhook_endpoints",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("url", sa.String(length=2048), nullable=False),
    sa.Column("events", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
    sa.Column("description", sa.String(length=500), nullable=False),
    sa.Column("secret_encrypted", sa.Text(), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("disabled_reason", sa.String(length=500), nullable=True),
    sa.Column("created_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_webhook_endpoints_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_endpoints_tenant_created", ["tenant_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_tenant_id"), ["tenant_id"], unique=False)

    op.create_table("webhook_events",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("message_id", sa.String(length=64), nullable=False),
    sa.Column("type", sa.String(length=64), nullable=False),
    sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
    sa.Column("created_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_webhook_events_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    sa.UniqueConstraint("message_id", name=op.f("uq_webhook_events_message_id")),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_events_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_events_tenant_id"), ["tenant_id"], unique=False)

    op.create_table("webhook_deliveries",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("endpoint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("state", sa.Enum("pending", "delivered", "failed", name="delivery_state", native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", shared.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column("lease_expires_at", shared.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column("published_at", shared.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column("waiting_since", shared.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column("created_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"], name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["event_id"], ["webhook_events.id"], name=op.f("fk_webhook_deliveries_event_id_webhook_events"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_webhook_deliveries_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_endpoint_lease", ["endpoint_id", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_endpoint_waiting", ["endpoint_id", "waiting_since"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_state_next", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_tenant_id"), ["tenant_id"], unique=False)

    op.create_table("webhook_attempts",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("endpoint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    sa.Column("status_code", sa.Integer(), nullable=True),
    sa.Column("latency_ms", sa.Integer(), nullable=True),
    sa.Column("error", sa.String(length=500), nullable=True),
    sa.Column("outcome", sa.String(length=16), nullable=False),
    sa.Column("next_retry_at", shared.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column("created_at", shared.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"], name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"], name=op.f("fk_webhook_attempts_endpoint_id_webhook_endpoints"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_webhook_attempts_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    sa.UniqueConstraint("delivery_id", "attempt", name="uq_webhook_attempts_delivery_attempt"),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_attempts_endpoint_created", ["endpoint_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_attempts_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempts_tenant_id"))
        batch_op.drop_index("ix_webhook_attempts_endpoint_created")

    op.drop_table("webhook_attempts")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_tenant_id"))
        batch_op.drop_index("ix_webhook_deliveries_state_next")
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_event_id"))
        batch_op.drop_index("ix_webhook_deliveries_endpoint_waiting")
        batch_op.drop_index("ix_webhook_deliveries_endpoint_lease")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_events_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_events_created_at"))

    op.drop_table("webhook_events")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_tenant_id"))
        batch_op.drop_index("ix_webhook_endpoints_tenant_created")

    op.drop_table("webhook_endpoints")
