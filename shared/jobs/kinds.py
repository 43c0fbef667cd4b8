"""Every kind of job, declared once: its handler, Celery task, queue and result link.

The web (publishing, the job's ``links``), the worker (one task per task name, routes) and
metrics (``kind`` label values) all read this table, so adding a kind means adding a
``JobKind`` member and its ``JobKindSpec`` here, next to each other, and writing the
handler. The ``jobs.kind`` column is a string validated against ``JobKind`` in Python, not
a database CHECK, so a new kind needs no migration.

This module imports neither the models nor Flask nor Celery (``shared.db.models``
re-exports ``JobKind`` from here); handlers are named by import path and loaded on first
use, which keeps the import graph acyclic.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from shared.tasknames import SCRIPTS_QUEUE, VOICEOVER_QUEUE, WEBHOOKS_QUEUE

RUN_SCRIPT_JOB = "scriptforge.jobs.run_script_job"
RUN_VOICEOVER_JOB = "scriptforge.jobs.run_voiceover_job"
DELIVER_WEBHOOK = "scriptforge.webhooks.deliver"
SWEEP_WEBHOOK_OUTBOX = "scriptforge.webhooks.sweep_outbox"

ResultLink = Callable[[Mapping[str, Any], Mapping[str, Any] | None], str | None]
"""``(params, result) -> path`` of what the job produced (or tracks), if anything yet."""


class JobKind(StrEnum):
    GENERATE_SCRIPT = "generate_script"
    REGENERATE_SECTION = "regenerate_section"
    VOICEOVER = "voiceover"
    BATCH = "batch"


@dataclass(frozen=True)
class JobKindSpec:
    """How one kind of job runs and what it links to."""

    kind: JobKind
    handler: str
    """``package.module:function`` taking ``(Runtime, Claim, Job)``."""
    task_name: str
    queue: str
    result_link: ResultLink

    def handler_function(self) -> Callable[..., None]:
        return _load(self.handler)


@cache
def _load(path: str) -> Callable[..., None]:
    module_name, _, attribute = path.partition(":")
    handler: Callable[..., None] = getattr(importlib.import_module(module_name), attribute)
    return handler


def _script_of_result(_params: Mapping[str, Any], result: Mapping[str, Any] | None) -> str | None:
    if result and "script_id" in result:
        return f"/api/v1/video-scripts/{result['script_id']}"
    return None


def _voiceover_of_script(params: Mapping[str, Any], result: Mapping[str, Any] | None) -> str | None:
    if result and "voiceover_id" in result and "script_id" in params:
        return f"/api/v1/video-scripts/{params['script_id']}/voiceover"
    return None


def _batch_progress(params: Mapping[str, Any], _result: Mapping[str, Any] | None) -> str | None:
    # The batch's own progress page, before and after the job that starts it ends.
    return f"/api/v1/batches/{params['batch_id']}" if "batch_id" in params else None


_SPECS = (
    JobKindSpec(JobKind.GENERATE_SCRIPT, "shared.jobs.generation:run_generation",
                RUN_SCRIPT_JOB, SCRIPTS_QUEUE, _script_of_result),
    JobKindSpec(JobKind.REGENERATE_SECTION, "shared.jobs.regeneration:run_regeneration",
                RUN_SCRIPT_JOB, SCRIPTS_QUEUE, _script_of_result),
    # Voiceover work has its own queue and worker so slow TTS never delays script writing.
    JobKindSpec(JobKind.VOICEOVER, "shared.jobs.voiceover:run_voiceover",
                RUN_VOICEOVER_JOB, VOICEOVER_QUEUE, _voiceover_of_script),
    JobKindSpec(JobKind.BATCH, "shared.jobs.batch:run_batch",
                RUN_SCRIPT_JOB, SCRIPTS_QUEUE, _batch_progress),
)

JOB_KINDS: Mapping[JobKind, JobKindSpec] = MappingProxyType({spec.kind: spec for spec in _SPECS})

if set(JOB_KINDS) != set(JobKind):  # a member without its spec fails at import, not at runtime
    raise RuntimeError(f"job kinds without a spec: {sorted(set(JobKind) - set(JOB_KINDS))}")


def spec_for(kind: JobKind | str) -> JobKindSpec:
    return JOB_KINDS[JobKind(kind)]


def job_task_names() -> tuple[str, ...]:
    """Each distinct Celery task that runs jobs, in declaration order."""
    return tuple(dict.fromkeys(spec.task_name for spec in _SPECS))


def job_queues() -> tuple[str, ...]:
    """Each distinct queue jobs are published to, in declaration order."""
    return tuple(dict.fromkeys(spec.queue for spec in _SPECS))


def task_routes() -> dict[str, dict[str, str]]:
    """Celery ``task_routes`` for the job tasks (a task name serves one queue)."""
    routes: dict[str, dict[str, str]] = {}
    for spec in _SPECS:
        if routes.setdefault(spec.task_name, {"queue": spec.queue}) != {"queue": spec.queue}:
            raise RuntimeError(f"{spec.task_name} is declared on two queues")
    return routes


@dataclass(frozen=True)
class QueuedTaskSpec:
    """A Celery task that is not a job kind, declared here so its queue is routed with
    the job tasks'."""

    task_name: str
    queue: str


# Webhook delivery (§12) is a task with a queue of its own, not a job kind. A job row is
# one unit of work that ends within its lease: attempts count worker deaths up to
# JOB_MAX_ATTEMPTS, the sweeper abandons it after that, and a 202 hands its id to a
# client. A delivery instead waits about a day between scheduled attempts, counts
# receiver failures against WEBHOOK_RETRY_SCHEDULE, keeps a log of every HTTP attempt,
# is capped per endpoint, and can be re-armed (redeliver); its rows are
# ``webhook_deliveries`` and ``webhook_attempts`` (shared.webhooks), claimed by the same
# kind of conditional update as jobs.
QUEUED_TASKS: tuple[QueuedTaskSpec, ...] = (
    QueuedTaskSpec(DELIVER_WEBHOOK, WEBHOOKS_QUEUE),
    # On the webhooks queue too, so the outbox is swept wherever deliveries are sent.
    QueuedTaskSpec(SWEEP_WEBHOOK_OUTBOX, WEBHOOKS_QUEUE),
)


def queued_task_routes() -> dict[str, dict[str, str]]:
    """Celery ``task_routes`` for the tasks of :data:`QUEUED_TASKS`."""
    return {spec.task_name: {"queue": spec.queue} for spec in QUEUED_TASKS}
