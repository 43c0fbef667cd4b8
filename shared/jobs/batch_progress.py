"""Batch counters, kept by atomic increments as each of the batch's jobs finishes (§8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from shared.db.models import Batch, BatchStatus
from shared.db.types import utcnow
from shared.webhooks.events import EventType, emit


def count_batch_outcome(session: Session, batch_id: int, *, succeeded: bool) -> None:
    column = Batch.succeeded if succeeded else Batch.failed
    session.execute(
        update(Batch).where(Batch.id == batch_id).values({column: column + 1})
        .execution_options(synchronize_session=False)
    )
    finish_batch_if_done(session, batch_id)


def finish_batch_if_done(session: Session, batch_id: int) -> None:
    """Close the batch once everything is enqueued and every job has an outcome.

    One conditional UPDATE, so concurrent finishing jobs cannot close it twice or early;
    the one that closes it writes ``batch.finished`` (§12) in the same transaction.
    """
    closed = session.execute(
        update(Batch)
        .where(
            Batch.id == batch_id,
            Batch.status == BatchStatus.RUNNING,
            Batch.enqueue_complete.is_(True),
            Batch.succeeded + Batch.failed >= Batch.enqueued,
        )
        .values(status=BatchStatus.SUCCEEDED, finished_at=utcnow())
        .returning(Batch.tenant_id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if closed is not None:
        emit_batch_finished(session, batch_id, closed)


def emit_batch_finished(session: Session, batch_id: int, tenant_id: int) -> None:
    def document() -> dict[str, Any]:
        return batch_document(session.get_one(Batch, batch_id, populate_existing=True))

    emit(session, tenant_id=tenant_id, event_type=EventType.BATCH_FINISHED, data=document)


def batch_document(batch: Batch) -> dict[str, Any]:
    """The batch as ``GET /batches/{id}`` shows it."""
    return {
        "id": batch.id, "status": batch.status, "trigger": batch.trigger,
        "since": batch.since, "started_at": batch.started_at,
        "finished_at": batch.finished_at, "found": batch.found, "enqueued": batch.enqueued,
        "succeeded": batch.succeeded, "failed": batch.failed, "error": batch.error,
    }
