"""Batch rows (§8): the candidates of a run, and counters kept by atomic increments as each
of the batch's jobs finishes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from shared.db.models import Batch, BatchStatus, DemoSite, Job, JobKind, JobStatus, VideoScript
from shared.db.types import utcnow
from shared.repositories.common import get_or_raise
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
    """The batch as ``GET /batches/{id}`` shows it (what batch.finished carries)."""
    return {
        "id": batch.id, "status": batch.status, "trigger": batch.trigger,
        "since": batch.since, "started_at": batch.started_at,
        "finished_at": batch.finished_at, "found": batch.found, "enqueued": batch.enqueued,
        "succeeded": batch.succeeded, "failed": batch.failed, "error": batch.error,
    }


def last_success_started_at(session: Session) -> datetime | None:
    """When the last successful batch started: the next one takes sites created since."""
    return session.scalar(
        select(Batch.started_at).where(Batch.status == BatchStatus.SUCCEEDED)
        .order_by(Batch.started_at.desc()).limit(1)
    )


def count_enqueued(session: Session, batch_id: int, sites: int) -> None:
    session.execute(
        update(Batch).where(Batch.id == batch_id)
        .values(found=Batch.found + sites, enqueued=Batch.enqueued + sites)
    )


def mark_enqueue_complete(session: Session, batch_id: int) -> None:
    session.execute(update(Batch).where(Batch.id == batch_id).values(enqueue_complete=True))
    finish_batch_if_done(session, batch_id)


def mark_failed(session: Session, batch_id: int, *, error: str) -> None:
    failed = session.execute(
        update(Batch).where(Batch.id == batch_id, Batch.status == BatchStatus.RUNNING)
        .values(status=BatchStatus.FAILED, finished_at=utcnow(), error=error)
        .returning(Batch.tenant_id)
    ).scalar_one_or_none()
    if failed is not None:
        emit_batch_finished(session, batch_id, failed)


def get_batch(session: Session, batch_id: int) -> Batch:
    return get_or_raise(session, Batch, batch_id, "batch")


def candidate_sites(
    session: Session, *, batch: Batch, after_id: int, limit: int
) -> list[tuple[int, int]]:
    """(demo site id, lead id) of the next chunk of sites that still need a script."""
    lead_has_script = exists().where(
        VideoScript.lead_id == DemoSite.lead_id, VideoScript.is_deleted.is_(False)
    )
    already_taken = exists().where(
        Job.demo_site_id == DemoSite.id,
        Job.kind == JobKind.GENERATE_SCRIPT,
        (Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])) | (Job.batch_id == batch.id),
    )
    query = (
        select(DemoSite.id, DemoSite.lead_id)
        .where(DemoSite.id > after_id, ~lead_has_script, ~already_taken)
        .order_by(DemoSite.id)
        .limit(limit)
    )
    if batch.since is not None:
        query = query.where(DemoSite.created_at >= batch.since)
    return [(row.id, row.lead_id) for row in session.execute(query)]
