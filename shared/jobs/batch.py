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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db.models import (
    Batch,
    BatchStatus,
    Job,
    JobKind,
)
from shared.db.tenancy import ALL_TENANTS
from shared.db.types import utcnow
from shared.errors import JobFailedError
from shared.jobs.generation import submit_generation
from shared.jobs.publishing import publish_after_commit
from shared.jobs.runtime import Runtime
from shared.repositories import batches
from shared.repositories import jobs as store
from shared.repositories.jobs import Claim
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
    batch = Batch(batch_key=batch_key, trigger=trigger, status=BatchStatus.RUNNING,
                  since=batches.last_success_started_at(session), started_at=utcnow())
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


def run_batch(runtime: Runtime, claim: Claim, job: Job) -> None:
    params = BatchParams.model_validate(job.params)
    try:
        enqueued = _enqueue_all(runtime, params.batch_id)
    except Exception as exc:
        with runtime.session() as session:
            batches.mark_failed(session, params.batch_id, error=f"{type(exc).__name__}: {exc}")
        raise JobFailedError("batch_failed", f"enqueueing stopped: {exc}") from exc
    with runtime.session() as session:
        batches.mark_enqueue_complete(session, params.batch_id)
        store.complete_job(session, claim, result={"batch_id": params.batch_id,
                                                   "enqueued": enqueued})


def _enqueue_all(runtime: Runtime, batch_id: int) -> int:
    settings = runtime.settings
    after_id, total, retries = 0, 0, 0
    while True:
        try:
            with runtime.session() as session:
                batch = session.get_one(Batch, batch_id)
                sites = batches.candidate_sites(session, batch=batch, after_id=after_id,
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
                batches.count_enqueued(session, batch_id, len(sites))
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
