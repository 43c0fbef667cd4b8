"""Run one job by id: claim it, hand it to its kind's handler, record the outcome.

Tasks call :func:`run_job` and nothing else, so Celery and the in-process worker share
exactly the same semantics: at-least-once delivery, exactly-once effect.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import DBAPIError

from shared.jobs import store
from shared.jobs.handlers import HANDLERS
from shared.jobs.runtime import Runtime
from shared.jobs.store import Claim, JobFailedError, StaleAttemptError

log = logging.getLogger(__name__)


def run_job(runtime: Runtime, job_id: uuid.UUID | str) -> None:
    job_uuid = uuid.UUID(str(job_id))
    with runtime.session() as session:
        claim = store.claim_job(session, job_uuid, lease_seconds=runtime.settings.job_lease_seconds)
    if claim is None:
        log.info("job not claimable (finished or held by a live worker)",
                 extra={"job_id": str(job_uuid)})
        return
    with runtime.session() as session:
        job = store.get_job(session, job_uuid)
        assert job is not None  # we just claimed it
        session.expunge(job)
    handler = HANDLERS[job.kind]
    try:
        handler(runtime, claim, job)
    except StaleAttemptError:
        log.info("attempt superseded; result discarded", extra={"job_id": str(job_uuid)})
    except JobFailedError as failure:
        _fail(runtime, claim, failure.error_type, failure.message)
    except DBAPIError:
        # The database went away mid-job: leave the job running; when its lease expires the
        # sweeper publishes it again and another attempt finishes it.
        log.exception("database error while running job", extra={"job_id": str(job_uuid)})
        raise
    except Exception as exc:
        log.exception("job crashed", extra={"job_id": str(job_uuid)})
        _fail(runtime, claim, "internal_error", f"{type(exc).__name__}: {exc}")


def _fail(runtime: Runtime, claim: Claim, error_type: str, message: str) -> None:
    try:
        with runtime.session() as session:
            store.fail_job(session, claim, error_type=error_type, message=message)
    except StaleAttemptError:
        log.info("attempt superseded before it could fail", extra={"job_id": str(claim.job_id)})
