"""Which function runs which kind of job."""

from __future__ import annotations

from collections.abc import Callable

from shared.db.models import Job, JobKind
from shared.jobs.batch import run_batch
from shared.jobs.generation import run_generation
from shared.jobs.regeneration import run_regeneration
from shared.jobs.runtime import Runtime
from shared.jobs.store import Claim
from shared.jobs.voiceover import run_voiceover

Handler = Callable[[Runtime, Claim, Job], None]

HANDLERS: dict[JobKind, Handler] = {
    JobKind.GENERATE_SCRIPT: run_generation,
    JobKind.REGENERATE_SECTION: run_regeneration,
    JobKind.VOICEOVER: run_voiceover,
    JobKind.BATCH: run_batch,
}
