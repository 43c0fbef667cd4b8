"""Celery task names and queues, in one place so the web can publish without importing tasks."""

from __future__ import annotations

from shared.db.models import JobKind

RUN_SCRIPT_JOB = "scriptforge.jobs.run_script_job"
RUN_VOICEOVER_JOB = "scriptforge.jobs.run_voiceover_job"
SWEEP_STUCK_JOBS = "scriptforge.jobs.sweep_stuck_jobs"
NIGHTLY_BATCH = "scriptforge.batches.nightly_batch"

SCRIPTS_QUEUE = "scripts"
VOICEOVER_QUEUE = "voiceover"

# Voiceover work has its own queue and worker so slow TTS never delays script generation.
TASK_FOR_KIND: dict[JobKind, tuple[str, str]] = {
    JobKind.GENERATE_SCRIPT: (RUN_SCRIPT_JOB, SCRIPTS_QUEUE),
    JobKind.REGENERATE_SECTION: (RUN_SCRIPT_JOB, SCRIPTS_QUEUE),
    JobKind.BATCH: (RUN_SCRIPT_JOB, SCRIPTS_QUEUE),
    JobKind.VOICEOVER: (RUN_VOICEOVER_JOB, VOICEOVER_QUEUE),
}
