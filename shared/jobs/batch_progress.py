"""Batch counters, kept by atomic increments as each of the batch's jobs finishes (§8)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from shared.db.models import Batch, BatchStatus
from shared.db.types import utcnow


def count_batch_outcome(session: Session, batch_id: int, *, succeeded: bool) -> None:
    column = Batch.succeeded if succeeded else Batch.failed
    session.execute(
        update(Batch).where(Batch.id == batch_id).values({column: column + 1})
        .execution_options(synchronize_session=False)
    )
    finish_batch_if_done(session, batch_id)


def finish_batch_if_done(session: Session, batch_id: int) -> None:
    """Close the batch once everything is enqueued and every job has an outcome.

    One conditional UPDATE, so concurrent finishing jobs cannot close it twice or early.
    """
    session.execute(
        update(Batch)
        .where(
            Batch.id == batch_id,
            Batch.status == BatchStatus.RUNNING,
            Batch.enqueue_complete.is_(True),
            Batch.succeeded + Batch.failed >= Batch.enqueued,
        )
        .values(status=BatchStatus.SUCCEEDED, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
