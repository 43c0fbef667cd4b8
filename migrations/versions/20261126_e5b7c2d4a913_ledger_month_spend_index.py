"""ledger month-spend index: the budget check sums cost from the index alone (§11)

Every LLM call of a tenant with a budget sums the tenant's ledger for the month while it
holds the tenant's lock, so that sum should not visit the table: on Postgres the
``(tenant_id, created_at)`` index now carries ``cost_usd`` (``INCLUDE``) and the sum is an
index-only scan. SQLite has no ``INCLUDE``; its index stays as it was.

Revision ID: e5b7c2d4a913
Revises: 5b8d2e0c7a41
Create Date: 2026-11-26 04:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e5b7c2d4a913"
down_revision: str | None = "5b8d2e0c7a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_llm_calls_tenant_created"


def _recreate(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="llm_calls")
    op.create_index(INDEX, "llm_calls", ["tenant_id", "created_at"],
                    postgresql_include=include)


def upgrade() -> None:
    _recreate(["cost_usd"])


def downgrade() -> None:
    _recreate([])
