"""sqlite ids are never reused (AUTOINCREMENT on every integer-id table)

Without AUTOINCREMENT SQLite gives a hard-deleted row's id to the next insert, so an old
job's ``links.result`` (or a retried voiceover) could point at another lead's script.
SQLite cannot change a table's primary key in place, so each table is rebuilt with batch
mode (env.py turns foreign keys off for SQLite migrations, so dropping the old copy of a
parent table cascades nothing). Postgres sequences never reuse values: a no-op there.

Revision ID: 7a64cf59d6e5
Revises: 2fa10890f894
Create Date: 2026-11-26 00:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7a64cf59d6e5"
down_revision: str | None = "2fa10890f894"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose primary key is an integer (jobs use UUIDs).
TABLES = (
    "leads", "demo_sites", "batches", "video_scripts", "llm_calls", "idempotency_keys",
    "script_approvals", "voiceovers",
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
