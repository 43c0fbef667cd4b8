"""Job rows and their state machine, enforced with conditional updates (§4).

Every transition is ``UPDATE … WHERE status = … [AND attempts = …]`` so two workers holding
the same message can never both move a job forward: the loser's update matches no row and
its work is rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared.db.models import Job, JobKind, JobStatus
from shared.db.types import utcnow
from shared.errors import StaleAttemptError
from shared.jobs.views import job_document
from shared.repositories.batches import count_batch_outcome
from shared.repositories.ledger import mark_interrupted_calls
from shared.webhooks.events import EventType, emit


def create_job(
    session: Session,
    *,
    kind: JobKind,
    params: dict[str, Any],
    dedupe_key: str | None = None,
    parent_job_id: uuid.UUID | None = None,
    demo_site_id: int | None = None,
    batch_id: int | None = None,
) -> Job:
    job = Job(
        id=uuid.uuid4(),
        kind=kind,
        status=JobStatus.QUEUED,
        params=params,
        dedupe_key=dedupe_key,
        parent_job_id=parent_job_id,
        demo_site_id=demo_site_id,
        batch_id=batch_id,
        attempts=0,
        progress=0,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def clear_published_at(connection: Connection, job_id: uuid.UUID) -> None:
    """Mark a job never published (a publish that failed after the request returned)."""
    connection.execute(update(Job).where(Job.id == job_id).values(published_at=None))


def get_job(session: Session, job_id: uuid.UUID) -> Job | None:
    return session.get(Job, job_id)


def tenant_of_job(system_session: Session, job_id: uuid.UUID) -> int | None:
    """The tenant a job belongs to (None: no such job); needs an ALL_TENANTS session,
    since a worker only learns whose job it runs from the job row itself."""
    tenant_id: int | None = system_session.scalar(select(Job.tenant_id).where(Job.id == job_id))
    return tenant_id


def list_jobs(
    session: Session,
    *,
    status: JobStatus | None = None,
    kind: JobKind | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Job], int]:
    conditions = []
    if status is not None:
        conditions.append(Job.status == status)
    if kind is not None:
        conditions.append(Job.kind == kind)
    where = and_(*conditions) if conditions else None
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
    count_query = select(func.count()).select_from(Job)
    if where is not None:
        query = query.where(where)
        count_query = count_query.where(where)
    return list(session.scalars(query)), session.scalar(count_query) or 0


@dataclass(frozen=True)
class Claim:
    job_id: uuid.UUID
    attempt: int


def claim_job(
    session: Session, job_id: uuid.UUID, *, lease_seconds: int,
    supersedes_attempt: int | None = None,
) -> Claim | None:
    """Take a job for this worker, or return None when there is nothing to do.

    A job is claimable when queued, or when running with an expired lease (its worker died).
    A finished job, or one another live worker holds, is a no-op: that is what makes a
    duplicate delivery harmless.

    ``supersedes_attempt`` is passed by the retry of an attempt that stopped because the
    database went away: that attempt is known to be over, so its lease need not be waited
    out. The match on the attempt number keeps this exactly-once: only one retry can move
    the counter from N to N + 1, and attempt N's late writes (conditional on ``attempts =
    N``) are refused once it has moved.
    """
    now = utcnow()
    claimable = [
        Job.status == JobStatus.QUEUED,
        and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now),
    ]
    if supersedes_attempt is not None:
        claimable.append(and_(Job.status == JobStatus.RUNNING, Job.attempts == supersedes_attempt))
    attempt = session.execute(
        update(Job)
        .where(Job.id == job_id, or_(*claimable))
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            started_at=func.coalesce(Job.started_at, now),
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            progress=10,
            error=None,
            updated_at=now,
        )
        .returning(Job.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if attempt is None:
        return None
    if attempt > 1:
        # Every earlier attempt is over (or superseded): what it left in flight was
        # interrupted. A first attempt has no predecessor, so the hot path skips the update.
        mark_interrupted_calls(session, job_id=job_id, before_attempt=attempt)
    return Claim(job_id=job_id, attempt=attempt)


def _finish(
    session: Session, claim: Claim, *, status: JobStatus, values: dict[str, Any]
) -> None:
    now = utcnow()
    finished = session.execute(
        update(Job)
        .where(
            Job.id == claim.job_id,
            Job.status == JobStatus.RUNNING,
            Job.attempts == claim.attempt,
        )
        .values(status=status, finished_at=now, lease_expires_at=None, updated_at=now, **values)
        .returning(Job.batch_id, Job.tenant_id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if finished is None:
        raise StaleAttemptError(f"job {claim.job_id} attempt {claim.attempt} is no longer current")
    _emit_finished(session, claim.job_id, finished.tenant_id, status)
    if finished.batch_id is not None:
        count_batch_outcome(session, finished.batch_id, succeeded=status == JobStatus.SUCCEEDED)


def _emit_finished(session: Session, job_id: uuid.UUID, tenant_id: int,
                   status: JobStatus) -> None:
    """job.succeeded / job.failed (§12), in the transaction that finishes the job."""

    def document() -> dict[str, Any]:
        job = session.get_one(Job, job_id, populate_existing=True)
        return job_document(job)

    emit(session, tenant_id=tenant_id, data=document,
         event_type=EventType.JOB_SUCCEEDED if status == JobStatus.SUCCEEDED
         else EventType.JOB_FAILED)


def complete_job(session: Session, claim: Claim, *, result: dict[str, Any]) -> None:
    _finish(session, claim, status=JobStatus.SUCCEEDED, values={"result": result, "progress": 100})


def fail_job(session: Session, claim: Claim, *, error_type: str, message: str) -> None:
    _finish(
        session,
        claim,
        status=JobStatus.FAILED,
        values={"error": {"type": error_type, "message": message}, "progress": 100},
    )


def fail_abandoned_job(session: Session, job_id: uuid.UUID, *, message: str) -> bool:
    """Give up on a job whose workers kept dying (after ``job_max_attempts``)."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(
            status=JobStatus.FAILED,
            finished_at=now,
            lease_expires_at=None,
            updated_at=now,
            error={"type": "abandoned", "message": message},
        )
        .returning(Job.batch_id, Job.tenant_id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if result is None:
        return False
    mark_interrupted_calls(session, job_id=job_id)
    _emit_finished(session, job_id, result.tenant_id, JobStatus.FAILED)
    if result.batch_id is not None:
        count_batch_outcome(session, result.batch_id, succeeded=False)
    return True


def stuck_jobs(
    session: Session,
    *,
    now: datetime,
    queued_grace_seconds: int,
    republish_after_seconds: int,
    limit: int = 1000,
) -> list[Job]:
    """Jobs whose message was lost (never or long ago published) or whose worker died."""
    never_published = and_(
        Job.status == JobStatus.QUEUED,
        Job.published_at.is_(None),
        Job.created_at < now - timedelta(seconds=queued_grace_seconds),
    )
    published_long_ago = and_(
        Job.status == JobStatus.QUEUED,
        Job.published_at < now - timedelta(seconds=republish_after_seconds),
    )
    lease_expired = and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now)
    query = (
        select(Job)
        .where(or_(never_published, published_long_ago, lease_expired))
        .order_by(Job.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))
