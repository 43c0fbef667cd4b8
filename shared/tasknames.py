"""Names of the system tasks and queues, in one place so the web can publish without
importing tasks. Job tasks are declared with their job kinds in ``shared.jobs.kinds``."""

from __future__ import annotations

SWEEP_STUCK_JOBS = "scriptforge.jobs.sweep_stuck_jobs"
NIGHTLY_BATCH = "scriptforge.batches.nightly_batch"

SCRIPTS_QUEUE = "scripts"
VOICEOVER_QUEUE = "voiceover"
# Webhook deliveries wait on other people's servers: their own queue and worker, so a slow
# receiver never delays scripts or voiceovers.
WEBHOOKS_QUEUE = "webhooks"
