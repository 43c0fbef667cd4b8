"""Re-publish jobs whose message was lost or whose worker died (§4 guarantees).

Runs from Celery beat (and on a timer in embedded mode). Re-publishing is always safe:
claiming is a conditional update, so a job that is in fact still queued or held by a live
worker turns the extra message into a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.db.models import JobStatus
from shared.db.types import utcnow
from shared.jobs import store
from shared.jobs.idempotency import purge_expired_keys
from shared.jobs.publishing import publish_after_commit
from shared.jobs.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    republished: int
    abandoned: int
    expired_keys: int = 0


def sweep_stuck_jobs(runtime: Runtime) -> SweepReport:
    settings = runtime.settings
    republished = abandoned = 0
    with runtime.session() as session:
        for job in store.stuck_jobs(
            session,
            now=utcnow(),
            queued_grace_seconds=settings.job_queued_grace_seconds,
            republish_after_seconds=settings.job_republish_after_seconds,
        ):
            if job.status == JobStatus.RUNNING and job.attempts >= settings.job_max_attempts:
                message = (
                    f"gave up after {job.attempts} attempts whose workers stopped before "
                    "finishing; check worker logs for crashes or out-of-memory kills"
                )
                if store.fail_abandoned_job(session, job.id, message=message):
                    abandoned += 1
                continue
            publish_after_commit(session, job)
            republished += 1
        # Idempotency keys are promised for 24 hours, not forever.
        expired_keys = purge_expired_keys(session)
    if republished or abandoned or expired_keys:
        log.info("sweeper", extra={"republished": republished, "abandoned": abandoned,
                                   "expired_keys": expired_keys})
    return SweepReport(republished=republished, abandoned=abandoned, expired_keys=expired_keys)
