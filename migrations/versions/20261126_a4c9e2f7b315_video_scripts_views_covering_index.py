"""video-scripts views index: GET /stats reads a window's views from the index alone (§13)

``GET /api/v1/stats`` sums the views of the scripts stored in its window and lists the
most viewed ones. Over a large tenant both read every script row of the window from the
table, whose rows are wide (sections, metadata, warnings), which made them the slowest
two queries of the report (docs/benchmarks.md). On Postgres the ``(tenant_id,
created_at)`` index now carries the columns those two queries read (``INCLUDE``), so
each is an index-only scan. SQLite has no ``INCLUDE``; its index stays as it was.

Revision ID: a4c9e2f7b315
Revises: 801329861122
Create Date: 2026-11-26 05:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a4c9e2f7b315"
down_revision: str | None = "801329861122"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_video_scripts_tenant_created"
# Must match VIDEO_SCRIPT_VIEWS_COLUMNS in shared/db/models.py at this revision.
VIEWS_COLUMNS = ["times_viewed", "is_deleted", "id", "lead_id", "script_style", "version",
                 "last_viewed_at"]


def _recreate(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="video_scripts")
    op.create_index(INDEX, "video_scripts", ["tenant_id", "created_at"],
                    postgresql_include=include)


def upgrade() -> None:
    _recreate(VIEWS_COLUMNS)


def downgrade() -> None:
    _recreate([])
