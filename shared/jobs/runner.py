"""Run one job by id: claim it, hand it to its kind's handler, record the outcome.

Tasks call :func:`run_job` and nothing else, so Celery and the in-process worker share
exactly the same semantics: at-least-once delivery, exactly-once effect.
"""

from __future__ import annotations

import logging
import random
import uuid

from sqlalchemy.exc import SQLAlchemyError

from shared.config import Settings
from shared.db.availability import is_database_unavailable
from shared.db.models import Job
from shared.db.tenancy import ALL_TENANTS, tenant_context
from shared.errors import DatabaseUnavailableError, JobFailedError, StaleAttemptError
from shared.jobs.call_ledger import UnrecordedCalls, write_unrecorded
from shared.jobs.kinds import spec_for
from shared.jobs.messages import public_error_message
from shared.jobs.runtime import Runtime
from shared.repositories import jobs as store
from shared.repositories.jobs import Claim

log = logging.getLogger(__name__)


def run_job(
    runtime: Runtime, job_id: uuid.UUID | str, *, supersedes_attempt: int | None = None,
    unrecorded_calls: UnrecordedCalls | None = None,
) -> None:
    """Run one delivery of a job.

    Raises :class:`DatabaseUnavailableError` when the database cannot be reached, whether
    before the claim or in the middle of the attempt: the caller (the Celery task) retries
    the delivery with backoff instead of acknowledging it, passing the interrupted attempt
    back as ``supersedes_attempt`` so the retry takes the job over without waiting for
    that attempt's lease to expire. ``unrecorded_calls`` are ledger rows an earlier attempt
    could not write (the retry carries them); they are written first.
    """
    job_uuid = uuid.UUID(str(job_id))
    claim: Claim | None = None
    carried = list(unrecorded_calls or [])
    try:
        # A worker learns whose job it runs from the job row itself: one system read,
        # then every session of this delivery belongs to that tenant.
        with runtime.session(ALL_TENANTS) as session:
            tenant_id = store.tenant_of_job(session, job_uuid)
        if tenant_id is None:
            log.info("job not found; nothing to run", extra={"job_id": str(job_uuid)})
            return
        with tenant_context(tenant_id):
            if carried:
                write_unrecorded(runtime, job_uuid, carried)
                carried = []
            with runtime.session() as session:
                claim = store.claim_job(session, job_uuid,
                                        lease_seconds=runtime.settings.job_lease_seconds,
                                        supersedes_attempt=supersedes_attempt)
            if claim is None:
                log.info("job not claimable (finished or held by a live worker)",
                         extra={"job_id": str(job_uuid)})
                return
            with runtime.session() as session:
                job = store.get_job(session, job_uuid)
                assert job is not None  # we just claimed it
                session.expunge(job)
            _execute(runtime, claim, job)
    except SQLAlchemyError as error:
        if not is_database_unavailable(error):
            raise
        attempt = claim.attempt if claim is not None else supersedes_attempt
        log.warning("database unavailable while running job; the task will be retried",
                    extra={"job_id": str(job_uuid), "attempt": attempt,
                           "error": type(error).__name__})
        raise DatabaseUnavailableError(job_uuid, attempt, unrecorded_calls=carried) from error


def db_retry_countdown(settings: Settings, retries: int) -> float:
    """Seconds before retry number ``retries + 1`` of a delivery the database interrupted:
    exponential from JOB_DB_RETRY_INITIAL_SECONDS, capped at JOB_DB_RETRY_MAX_SECONDS, with
    jitter so a whole backlog does not hit the returning database at the same moment."""
    ceiling = min(settings.job_db_retry_max_seconds,
                  settings.job_db_retry_initial_seconds * 2 ** min(retries, 30))
    return ceiling * random.uniform(0.5, 1.0)  # jitter, not cryptography


def _execute(runtime: Runtime, claim: Claim, job: Job) -> None:
    handler = spec_for(job.kind).handler_function()
    try:
        handler(runtime, claim, job)
    except DatabaseUnavailableError:
        raise  # the handler's own outage report, carrying its unwritten ledger rows
    except StaleAttemptError:
        log.info("attempt superseded; result discarded", extra={"job_id": str(job.id)})
    except JobFailedError as failure:
        _fail(runtime, claim, failure.error_type, failure.message)
    except Exception as exc:
        if isinstance(exc, SQLAlchemyError) and is_database_unavailable(exc):
            raise  # not the job's fault: run_job turns it into a retry of this delivery
        log.exception("job crashed", extra={"job_id": str(job.id)})
        _fail(runtime, claim, "internal_error", public_error_message(exc))


def _fail(runtime: Runtime, claim: Claim, error_type: str, message: str) -> None:
    try:
        with runtime.session() as session:
            store.fail_job(session, claim, error_type=error_type, message=message)
    except StaleAttemptError:
        log.info("attempt superseded before it could fail", extra={"job_id": str(claim.job_id)})
