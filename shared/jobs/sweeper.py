"""Re-publish jobs whose message was lost or whose worker died (§4 guarantees), and clean up
what killed workers leave behind (expired idempotency keys, half-written temp audio).

Runs from Celery beat (and on a timer in embedded mode). Re-publishing is always safe:
claiming is a conditional update, so a job that is in fact still queued or held by a live
worker turns the extra message into a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.db.models import JobStatus
from shared.db.tenancy import ALL_TENANTS
from shared.db.types import utcnow
from shared.jobs.publishing import publish_after_commit
from shared.jobs.runtime import Runtime
from shared.repositories import jobs as store
from shared.repositories.idempotency import purge_expired_keys
from shared.tts.storage import AudioStorage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    republished: int
    abandoned: int
    expired_keys: int = 0
    removed_temp_files: int = 0


def sweep_stuck_jobs(runtime: Runtime) -> SweepReport:
    settings = runtime.settings
    republished = abandoned = 0
    # Deployment-wide by design: stuck jobs of every tenant are re-published.
    with runtime.session(ALL_TENANTS) as session:
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
    removed_temp_files = _remove_stale_temp_audio(runtime)
    if republished or abandoned or expired_keys or removed_temp_files:
        log.info("sweeper", extra={"republished": republished, "abandoned": abandoned,
                                   "expired_keys": expired_keys,
                                   "removed_temp_files": removed_temp_files})
    return SweepReport(republished=republished, abandoned=abandoned, expired_keys=expired_keys,
                       removed_temp_files=removed_temp_files)


def _remove_stale_temp_audio(runtime: Runtime) -> int:
    """Delete temp audio files a killed voiceover worker left half-written.

    Only files older than ``AUDIO_TEMP_MAX_AGE_SECONDS`` go, which is well past the task
    time limit, so no live writer can still be filling one. A storage problem is logged and
    never stops the job sweep, which matters more.
    """
    storage = AudioStorage(runtime.settings.storage_dir)
    try:
        return storage.remove_stale_temp_files(
            older_than_seconds=runtime.settings.audio_temp_max_age_seconds
        )
    except OSError:
        log.warning("sweeper could not clean temp audio files", exc_info=True)
        return 0
