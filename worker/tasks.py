"""Thin Celery tasks: each re-fetches by id and delegates to ``shared``."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from celery import Task
from celery.signals import worker_process_init

from shared.db.models import JobKind
from shared.errors import DatabaseUnavailableError
from shared.jobs.batch import start_nightly_batch
from shared.jobs.kinds import (
    DELIVER_WEBHOOK,
    SWEEP_WEBHOOK_OUTBOX,
    job_task_names,
    spec_for,
)
from shared.jobs.runner import db_retry_countdown, run_job
from shared.jobs.runtime import Runtime, build_runtime
from shared.jobs.sweeper import sweep_stuck_jobs
from shared.tasknames import NIGHTLY_BATCH, SWEEP_STUCK_JOBS, WEBHOOKS_QUEUE
from shared.webhooks.delivery import deliver
from shared.webhooks.sweeper import sweep_outbox
from worker.celery_app import app, settings

_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


class CeleryTaskPublisher:
    """Publishes follow-up jobs (chained voiceovers, sweeper re-publishes) from a worker."""

    def publish(self, job_id: uuid.UUID, kind: JobKind) -> None:
        spec = spec_for(kind)
        app.send_task(spec.task_name, args=[str(job_id)], queue=spec.queue)

    def publish_delivery(self, delivery_id: int, countdown: float = 0.0) -> None:
        app.send_task(DELIVER_WEBHOOK, args=[delivery_id], queue=WEBHOOKS_QUEUE,
                      countdown=countdown or None)


def runtime() -> Runtime:
    """Build the runtime on first use, in the process (and after the fork) that uses it.

    Logging is configured once at process start (worker/celery_app.py), never from here.
    """
    global _runtime
    if _runtime is None:
        with _runtime_lock:
            if _runtime is None:
                _runtime = build_runtime(settings, CeleryTaskPublisher())
    return _runtime


@worker_process_init.connect
def _dispose_inherited_engine(**_kwargs: Any) -> None:
    # A forked child must not reuse the parent's pooled connections (shared sockets).
    if _runtime is not None:
        _runtime.db_engine.dispose(close=False)


def _run_or_retry(task: Task, job_id: str, supersedes_attempt: int | None,
                  unrecorded_calls: list[dict[str, Any]] | None) -> None:
    """Run the job; if the database is unreachable, retry this delivery later.

    Without this the exception would end the task, acks_late would acknowledge the message,
    and a database outage would drain the queue: every job left to the sweeper's 15 minutes
    (queued) or to its lease (running). ``self.retry`` publishes the retry before the
    original message is acknowledged, so the delivery is never lost.
    """
    try:
        run_job(runtime(), job_id, supersedes_attempt=supersedes_attempt,
                unrecorded_calls=unrecorded_calls)
    except DatabaseUnavailableError as outage:
        raise task.retry(
            args=[job_id],
            kwargs={"supersedes_attempt": outage.attempt,
                    "unrecorded_calls": outage.unrecorded_calls or None},
            countdown=db_retry_countdown(settings, task.request.retries),
            max_retries=settings.job_db_retry_max_retries,
            exc=outage,
        ) from outage


def run_job_task(self: Task, job_id: str, supersedes_attempt: int | None = None,
                 unrecorded_calls: list[dict[str, Any]] | None = None) -> None:
    """Every job task has this body: the job row says which handler runs (its kind)."""
    _run_or_retry(self, job_id, supersedes_attempt, unrecorded_calls)


# One Celery task per task name the job kinds declare (shared/jobs/kinds.py); the name only
# decides the queue and so the worker pool, the job's kind decides what runs.
JOB_TASKS: dict[str, Task] = {
    name: app.task(bind=True, name=name, acks_late=True, reject_on_worker_lost=True,
                   ignore_result=True)(run_job_task)
    for name in job_task_names()
}


@app.task(name=NIGHTLY_BATCH, ignore_result=True)
def nightly_batch() -> list[str]:
    """Start tonight's batch of every tenant; a second call the same night is a no-op."""
    return [str(job_id) for job_id in start_nightly_batch(runtime())]


@app.task(name=SWEEP_STUCK_JOBS, ignore_result=True)
def sweep() -> dict[str, int]:
    report = sweep_stuck_jobs(runtime())
    return {"republished": report.republished, "abandoned": report.abandoned,
            "expired_keys": report.expired_keys, "removed_temp_files": report.removed_temp_files}


@app.task(name=DELIVER_WEBHOOK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of one webhook delivery (§12); a duplicate message finds nothing to do."""
    return deliver(runtime(), int(delivery_id))


@app.task(name=SWEEP_WEBHOOK_OUTBOX, ignore_result=True)
def sweep_webhook_outbox() -> int:
    return sweep_outbox(runtime())
