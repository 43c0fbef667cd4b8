"""job kinds are validated in code: drop the CHECK on jobs.kind

Job kinds are declared once, with their handler and queue, in ``shared/jobs/kinds.py``;
SQLAlchemy refuses unknown kinds on write. The database CHECK duplicated that list, so a
new kind needed a migration too. Downgrading restores the CHECK for the four original
kinds (it fails if rows of a later kind exist, which is what a downgrade should do).

Revision ID: 5b8d2e0c7a41
Revises: c3e1a7b2d9f4
Create Date: 2026-11-26 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8d2e0c7a41"
down_revision: str | None = "c3e1a7b2d9f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_jobs_job_kind"  # the naming convention's name: ck_<table>_<enum name>
ORIGINAL_KINDS = ("generate_script", "regenerate_section", "voiceover", "batch")


def _batch_kwargs() -> dict[str, object]:
    # SQLite rebuilds the table; keep AUTOINCREMENT (ids are never reused, see 7a64cf59d6e5).
    if op.get_bind().dialect.name == "sqlite":
        return {"table_kwargs": {"sqlite_autoincrement": True}}
    return {}


def upgrade() -> None:
    with op.batch_alter_table("jobs", **_batch_kwargs()) as batch:  # type: ignore[arg-type]
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")


def downgrade() -> None:
    kinds = ", ".join(f"'{kind}'" for kind in ORIGINAL_KINDS)
    with op.batch_alter_table("jobs", **_batch_kwargs()) as batch:  # type: ignore[arg-type]
        batch.create_check_constraint("job_kind", sa.text(f"kind IN ({kinds})"))
