"""The new-leads batch (§8): script every demo site whose lead has no active script yet.

Idempotent by construction, in the database:
- the nightly batch's key is its date (unique), so a second run that night, or a second
  beat started by mistake, creates nothing;
- each generation job's dedupe key names the batch and the demo site (unique), and sites
  with an open generation job are not candidates, so no site is enqueued twice.

Large batches are enqueued in chunks of ``BATCH_CHUNK_SIZE`` sites, each chunk its own
short transaction, walking demo-site ids (keyset pagination) so memory stays flat however
many sites there are.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db.models import (
    Batch,
    BatchStatus,
    DemoSite,
    Job,
    JobKind,
    JobStatus,
    VideoScript,
)
from shared.db.tenancy import ALL_TENANTS
from shared.db.types import utcnow
from shared.jobs import store
from shared.jobs.batch_progress import emit_batch_finished, finish_batch_if_done
from shared.jobs.generation import submit_generation
from shared.jobs.publishing import publish_after_commit
from shared.jobs.runtime import Runtime
from shared.jobs.store import Claim, JobFailedError
from shared.repositories.common import get_or_raise
from shared.repositories.tenants import list_tenant_ids

log = logging.getLogger(__name__)

_CHUNK_RETRIES = 3


class BatchParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_id: int


def nightly_key(now: datetime) -> str:
    return f"nightly:{now.date().isoformat()}"


def start_batch(session: Session, *, trigger: str, batch_key: str) -> Job | None:
    """Create the batch row and its job (published after commit); None if the key exists."""
    last_success = session.scalar(
        select(Batch.started_at).where(Batch.status == BatchStatus.SUCCEEDED)
        .order_by(Batch.started_at.desc()).limit(1)
    )
    batch = Batch(batch_key=batch_key, trigger=trigger, status=BatchStatus.RUNNING,
                  since=last_success, started_at=utcnow())
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:
        log.info("batch already exists; nothing to do", extra={"batch_key": batch_key})
        return None
    job = store.create_job(
        session, kind=JobKind.BATCH, params=BatchParams(batch_id=batch.id).model_dump(),
        dedupe_key=f"batch:{batch_key}",
    )
    publish_after_commit(session, job)
    return job


def start_nightly_batch(runtime: Runtime, now: datetime | None = None) -> list[uuid.UUID]:
    """One nightly batch per tenant: each tenant's new sites become that tenant's jobs.

    Listing the tenants is deployment-wide (ALL_TENANTS); each batch is then started in a
    session of its own tenant, so its rows and jobs belong to it.
    """
    key = nightly_key(now or utcnow())
    with runtime.session(ALL_TENANTS) as session:
        tenant_ids = list_tenant_ids(session)
    started: list[uuid.UUID] = []
    for tenant_id in tenant_ids:
        with runtime.session(tenant_id) as session:
            job = start_batch(session, trigger="nightly", batch_key=key)
            if job is not None:
                started.append(job.id)
    return started


def submit_manual_batch(session: Session) -> Job:
    job = start_batch(session, trigger="manual", batch_key=f"manual:{uuid.uuid4().hex}")
    assert job is not None  # a fresh random key cannot collide
    return job


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


def run_batch(runtime: Runtime, claim: Claim, job: Job) -> None:
    params = BatchParams.model_validate(job.params)
    try:
        enqueued = _enqueue_all(runtime, params.batch_id)
    except Exception as exc:
        with runtime.session() as session:
            failed = session.execute(
                update(Batch).where(Batch.id == params.batch_id,
                                    Batch.status == BatchStatus.RUNNING)
                .values(status=BatchStatus.FAILED, finished_at=utcnow(),
                        error=f"{type(exc).__name__}: {exc}")
                .returning(Batch.tenant_id)
            ).scalar_one_or_none()
            if failed is not None:
                emit_batch_finished(session, params.batch_id, failed)
        raise JobFailedError("batch_failed", f"enqueueing stopped: {exc}") from exc
    with runtime.session() as session:
        session.execute(update(Batch).where(Batch.id == params.batch_id)
                        .values(enqueue_complete=True))
        finish_batch_if_done(session, params.batch_id)
        store.complete_job(session, claim, result={"batch_id": params.batch_id,
                                                   "enqueued": enqueued})


def _enqueue_all(runtime: Runtime, batch_id: int) -> int:
    settings = runtime.settings
    after_id, total, retries = 0, 0, 0
    while True:
        try:
            with runtime.session() as session:
                batch = session.get_one(Batch, batch_id)
                sites = candidate_sites(session, batch=batch, after_id=after_id,
                                        limit=settings.batch_chunk_size)
                if not sites:
                    return total
                for site_id, lead_id in sites:
                    submit_generation(
                        session,
                        {"demo_site_id": site_id, "lead_id": lead_id,
                         "style": settings.batch_default_style,
                         "max_duration_seconds": settings.batch_default_duration_seconds},
                        dedupe_key=f"batch:{batch.batch_key}:site:{site_id}",
                        batch_id=batch_id,
                    )
                session.execute(
                    update(Batch).where(Batch.id == batch_id)
                    .values(found=Batch.found + len(sites), enqueued=Batch.enqueued + len(sites))
                )
        except IntegrityError:
            # Another attempt of this batch enqueued some of these sites first; the next
            # query no longer returns them.
            retries += 1
            if retries > _CHUNK_RETRIES:
                raise
            continue
        after_id = sites[-1][0]
        total += len(sites)
        retries = 0
