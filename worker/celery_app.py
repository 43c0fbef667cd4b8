"""The Celery app: configuration only, from the same environment as every other process.

Delivery policy (§4): acks_late + reject_on_worker_lost so a killed worker's message is
redelivered; prefetch 1 so a worker never sits on messages it is not running; the task
time limit sits below the broker's visibility timeout (checked by Settings) so a healthy
task is never delivered twice. The scripts queue mostly waits on LLM HTTP calls, so the
default pool is threads with high concurrency; the threads pool does not enforce Celery
time limits, which is why the script engine enforces its own deadline.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import (
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
)

from shared.config import ConfigError, load_settings
from shared.jobs.kinds import (
    SWEEP_WEBHOOK_OUTBOX,
    job_task_names,
    queued_task_routes,
    task_routes,
)
from shared.logging import configure_logging
from shared.tasknames import NIGHTLY_BATCH, SCRIPTS_QUEUE, SWEEP_STUCK_JOBS
from worker.exporter import forget_child, start_exporter


@setup_logging.connect
def _configure_process_logging(**_kwargs: Any) -> None:
    """Configure logging once, when the worker or beat process starts.

    Connecting this signal tells Celery to leave logging alone: it neither installs its own
    handlers nor redirects stdout/stderr into a logger. Configuring later, from inside a
    task, would attach our handler to that redirect proxy, whose recursion guard swallows
    every record: a worker then falls silent after its first task. ``LOG_LEVEL`` governs
    the level (the Procfile passes the same value as ``--loglevel``).
    """
    configure_logging(settings)


@worker_init.connect
def _start_metrics_exporter(**_kwargs: Any) -> None:
    """The worker's own Prometheus exporter, before the pool starts (worker/exporter.py)."""
    start_exporter(settings)


@worker_process_shutdown.connect
def _forget_pool_child(pid: int | None = None, **_kwargs: Any) -> None:
    forget_child(settings, pid)


log = logging.getLogger("worker.tasks")
_JOB_TASKS = frozenset(job_task_names())


def _job_id(args: tuple[Any, ...] | None, kwargs: dict[str, Any] | None) -> str | None:
    if args:
        return str(args[0])
    return str((kwargs or {}).get("job_id")) if kwargs else None


@task_prerun.connect
def _log_job_task_start(task: Task | None = None, args: tuple[Any, ...] | None = None,
                        kwargs: dict[str, Any] | None = None, **_extra: Any) -> None:
    """A line per job task with the job id, so on-call can follow a job through workers."""
    if task is not None and task.name in _JOB_TASKS:
        log.info("job task started", extra={"job_id": _job_id(args, kwargs), "task": task.name})


@task_postrun.connect
def _log_job_task_end(task: Task | None = None, args: tuple[Any, ...] | None = None,
                      kwargs: dict[str, Any] | None = None, state: str | None = None,
                      **_extra: Any) -> None:
    if task is not None and task.name in _JOB_TASKS:
        log.info("job task finished", extra={"job_id": _job_id(args, kwargs),
                                             "task": task.name, "state": state})


def nightly_crontab(expression: str) -> crontab:
    """A five-field crontab in the usual order (Celery's own argument order differs)."""
    minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
    return crontab(minute=minute, hour=hour, day_of_month=day_of_month,
                   month_of_year=month_of_year, day_of_week=day_of_week)


settings = load_settings()
if not settings.redis_url:
    raise ConfigError("REDIS_URL: required for Celery workers and beat (e.g. redis://localhost:6379/0)")

app = Celery("scriptforge", broker=settings.redis_url, include=["worker.tasks"])
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_time_limit=settings.task_time_limit_seconds,
    task_soft_time_limit=max(settings.task_time_limit_seconds - 15, 5),
    broker_transport_options=settings.broker_transport_options,
    broker_pool_limit=settings.broker_max_connections,
    broker_connection_retry_on_startup=True,
    worker_pool="threads",
    worker_concurrency=settings.worker_concurrency,
    worker_hijack_root_logger=False,
    worker_cancel_long_running_tasks_on_connection_loss=False,
    task_default_queue=SCRIPTS_QUEUE,
    task_routes={
        **task_routes(),
        **queued_task_routes(),
        SWEEP_STUCK_JOBS: {"queue": SCRIPTS_QUEUE},
        NIGHTLY_BATCH: {"queue": SCRIPTS_QUEUE},
    },
    # Beat creates the directory of its schedule file (a fresh checkout has no var/ yet).
    beat_scheduler="worker.beat:Scheduler",
    beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
    timezone="UTC",
    enable_utc=True,
    beat_schedule={
        "sweep-stuck-jobs": {
            "task": SWEEP_STUCK_JOBS,
            "schedule": float(settings.sweeper_interval_seconds),
        },
        "sweep-webhook-outbox": {
            "task": SWEEP_WEBHOOK_OUTBOX,
            "schedule": float(settings.webhook_sweep_interval_seconds),
            # Without a webhooks worker the sweeps would pile up unread: each one is stale
            # once the next is due.
            "options": {"expires": float(settings.webhook_sweep_interval_seconds)},
        },
        "nightly-new-leads-batch": {
            "task": NIGHTLY_BATCH,
            "schedule": nightly_crontab(settings.nightly_batch_cron),
        },
    },
)
