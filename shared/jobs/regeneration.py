"""Section regeneration jobs (§3.6): a new version with one section rewritten.

The source script is never modified. The new script gets the lineage's highest version
+ 1, allocated under the lineage's lock (``next_version``), so concurrent regenerations of
one script all store, each with its own number, once their LLM calls are paid for. The
unique (lineage, version) constraint stays as the database's guarantee; a conflict on it
(or on the unique job id, for a duplicate delivery) is still handled below.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db.models import Job, JobKind, VideoScript
from shared.errors import (
    DomainValidationError,
    JobFailedError,
    NotFoundError,
    StaleAttemptError,
    TimingInvariantError,
)
from shared.jobs.call_ledger import CallLedger
from shared.jobs.generation import script_result
from shared.jobs.publishing import publish_after_commit
from shared.jobs.runtime import Runtime
from shared.jobs.voiceover import enqueue_voiceover
from shared.repositories import jobs as store
from shared.repositories.jobs import Claim
from shared.repositories.leads import engine_inputs
from shared.repositories.ledger import record_llm_calls
from shared.repositories.scripts import (
    add_generated_script,
    get_script,
    next_version,
    options_of,
    script_from_row,
    script_id_of_job,
)
from shared.script.composer import host_of
from shared.script.directives import unmet_instructions
from shared.script.engine import OFFLINE_MODEL
from shared.script.types import (
    DemoSiteInfo,
    GeneratedScript,
    GenerationOptions,
    ImprovementPlan,
    Script,
    parse_model,
)

_VERSION_RACE_RETRIES = 5


class RegenerateParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    script_id: int
    section_index: int = Field(ge=0)
    instructions: str = Field(min_length=1, max_length=2000)
    voiceover: bool = True


def submit_regeneration(
    session: Session, script_id: int, section_index: int, body: dict[str, Any]
) -> Job:
    """Validate against the stored script and create the job (published after commit)."""
    script = get_script(session, script_id)
    if body.get("section_index", section_index) != section_index:
        raise DomainValidationError(
            "section_index", f"body says {body['section_index']} but the path says {section_index}"
        )
    count = len(script.sections)
    if not 0 <= section_index < count:
        raise DomainValidationError(
            "section_index",
            f"must be between 0 and {count - 1}: script {script_id} has {count} sections",
        )
    params = parse_model(RegenerateParams, {
        "script_id": script_id, "section_index": section_index,
        "instructions": body.get("instructions"), "voiceover": body.get("voiceover", True),
    })
    job = store.create_job(
        session, kind=JobKind.REGENERATE_SECTION, params=params.model_dump(mode="json")
    )
    publish_after_commit(session, job)
    return job


def run_regeneration(runtime: Runtime, claim: Claim, job: Job) -> None:
    params = RegenerateParams.model_validate(job.params)
    # Style is known only once the source is read; the ledger row takes the source's.
    ledger = CallLedger(runtime, tenant_id=job.tenant_id, job_id=job.id,
                        attempt=claim.attempt, style=None)
    with ledger.carried_by_retry():
        _regenerate(runtime, claim, job, params, ledger)


def _regenerate(
    runtime: Runtime, claim: Claim, job: Job, params: RegenerateParams, ledger: CallLedger
) -> None:
    with runtime.session() as session:
        try:
            source = get_script(session, params.script_id)
            plan, lead_view, site_view = engine_inputs(session, source.demo_site_id)
        except NotFoundError as missing:
            raise JobFailedError(
                "script_not_found", f"{missing}; there is nothing to regenerate"
            ) from None
        script = script_from_row(source)
        options = options_of(source)
        lead_id = source.lead_id
    # Kept on the ledger rows so the costs stay grouped by lead after any deletion (§13).
    ledger.style, ledger.lead_id = options.style, lead_id

    generated = runtime.script_engine.regenerate_section(
        script, params.section_index, params.instructions,
        plan=plan, lead=lead_view, demo_site=site_view, options=options,
        deadline_seconds=runtime.task_budget_seconds, on_call=ledger,
    )
    generated = _with_instruction_warnings(generated, script, params, plan, site_view)
    for _ in range(_VERSION_RACE_RETRIES):
        try:
            _store_version(runtime, claim, job, params, options, generated, lead_id)
            return
        except TimingInvariantError as refused:
            # Only the regenerated section may change (§3.6); when the others already
            # break the promise (a script stored before it was enforced) no new section
            # can mend that, and the storing function refuses the version.
            raise JobFailedError("timing_invariant", str(refused)) from None
        except IntegrityError as conflict:
            with runtime.session() as session:
                if script_id_of_job(session, job.id) is not None:
                    raise StaleAttemptError(str(job.id)) from conflict
            # Not expected under the lineage lock; kept so a conflict retries, not fails.
    raise JobFailedError("version_conflict", "could not allocate a version number; retry the job")


def _with_instruction_warnings(
    generated: GeneratedScript, source: Script, params: RegenerateParams,
    plan: ImprovementPlan, site: DemoSiteInfo,
) -> GeneratedScript:
    """Record which instructions an offline rewrite could not follow (§5.5).

    An LLM reads the instructions itself; the offline engine follows only emphasis, order,
    length and mentions of plan items, so when it wrote the section the job says which of
    the reviewer's requests were left out rather than pretending they were honoured.
    """
    warnings: list[str] = []
    if generated.model_used == OFFLINE_MODEL:
        index = params.section_index
        warnings = unmet_instructions(
            params.instructions, plan, source.sections[index],
            generated.script.sections[index], host_of(site.url),
        )
    return generated.model_copy(update={
        "metadata": {**generated.metadata, "instruction_warnings": warnings},
        "warnings": (*generated.warnings, *warnings),  # the job's result.warnings (§4)
    })


def _store_version(
    runtime: Runtime, claim: Claim, job: Job, params: RegenerateParams,
    options: GenerationOptions, generated: GeneratedScript, lead_id: int,
) -> None:
    with runtime.session() as session:
        source = session.get(VideoScript, params.script_id)
        if source is None:
            record_llm_calls(session, calls=generated.calls, job_id=job.id,
                             attempt=claim.attempt, script_id=None, style=options.style,
                             lead_id=lead_id)
            store.fail_job(session, claim, error_type="script_not_found",
                           message=f"script {params.script_id} was deleted while it was "
                           "being regenerated")
            return
        new = add_generated_script(
            session, generated=generated, demo_site_id=source.demo_site_id,
            lead_id=source.lead_id, options=options,
            job_id=job.id, parent=source, version=next_version(session, source.lineage_id),
        )
        record_llm_calls(session, calls=generated.calls, job_id=job.id, attempt=claim.attempt,
                         script_id=new.id, style=options.style, lead_id=new.lead_id)
        store.complete_job(session, claim, result=script_result(new.id, generated))
        if params.voiceover:
            enqueue_voiceover(session, new, parent_job_id=job.id)
