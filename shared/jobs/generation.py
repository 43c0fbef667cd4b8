"""Script generation jobs: validating a request into a job, and running that job."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.db.models import DemoSite, Job, JobKind
from shared.errors import (
    DomainValidationError,
    JobFailedError,
    NotFoundError,
    StaleAttemptError,
    TimingInvariantError,
)
from shared.jobs.call_ledger import CallLedger
from shared.jobs.publishing import publish_after_commit
from shared.jobs.runtime import Runtime
from shared.jobs.voiceover import enqueue_voiceover
from shared.repositories import jobs as store
from shared.repositories.jobs import Claim
from shared.repositories.leads import engine_inputs, get_demo_site
from shared.repositories.ledger import record_llm_calls
from shared.repositories.scripts import add_generated_script
from shared.script.types import GeneratedScript, GenerationOptions, parse_model


class GenerateParams(BaseModel):
    """A generation request as stored in the job's ``params``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    demo_site_id: int
    lead_id: int | None = None
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    voiceover: bool = True

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def submit_generation(
    session: Session,
    request: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    batch_id: int | None = None,
    allow_model_override: bool = False,
) -> Job:
    """Validate a generate request and create its job; published after the caller commits.

    Raises NotFoundError for an unknown demo site and DomainValidationError naming the
    field for anything else wrong (including a ``lead_id`` that is not the site's lead).
    """
    params = _parse_request(request)
    if params.options.model and not allow_model_override:
        # §5.2: models follow the lead's tier unless the operator opts in.
        raise DomainValidationError(
            "model", "choosing a model per request is disabled (LLM_ALLOW_MODEL_OVERRIDE)"
        )
    site = get_demo_site(session, params.demo_site_id)
    if params.lead_id is not None and params.lead_id != site.lead_id:
        raise DomainValidationError(
            "lead_id", f"demo site {site.id} belongs to lead {site.lead_id}, not {params.lead_id}"
        )
    params = params.model_copy(update={"lead_id": site.lead_id})
    job = store.create_job(
        session, kind=JobKind.GENERATE_SCRIPT, params=params.to_json(), dedupe_key=dedupe_key,
        demo_site_id=site.id, batch_id=batch_id,
    )
    publish_after_commit(session, job)
    return job


def _parse_request(request: dict[str, Any]) -> GenerateParams:
    options_fields = {
        "style", "max_duration_seconds", "include_intro", "include_cta",
        "custom_instructions", "model",
    }
    options = parse_model(
        GenerationOptions, {k: v for k, v in request.items() if k in options_fields}
    )
    rest = {k: v for k, v in request.items() if k not in options_fields}
    return parse_model(GenerateParams, {**rest, "options": options})


def run_generation(runtime: Runtime, claim: Claim, job: Job) -> None:
    params = GenerateParams.model_validate(job.params)
    ledger = CallLedger(runtime, tenant_id=job.tenant_id, job_id=job.id,
                        attempt=claim.attempt, style=params.options.style,
                        lead_id=params.lead_id)
    with ledger.carried_by_retry():
        _generate(runtime, claim, job, params, ledger)


def _generate(
    runtime: Runtime, claim: Claim, job: Job, params: GenerateParams, ledger: CallLedger
) -> None:
    with runtime.session() as session:
        try:
            plan, lead_view, site_view = engine_inputs(session, params.demo_site_id)
        except NotFoundError:
            raise JobFailedError(
                "demo_site_not_found",
                f"demo site {params.demo_site_id} no longer exists; nothing to script",
            ) from None

    generated = runtime.script_engine.generate(
        plan, lead_view, site_view, params.options, deadline_seconds=runtime.task_budget_seconds,
        on_call=ledger,
    )

    try:
        with runtime.session() as session:
            stored_site = session.get(DemoSite, params.demo_site_id)
            if stored_site is None:
                # The calls were made and paid for: the ledger keeps them even so.
                record_llm_calls(
                    session, calls=generated.calls, job_id=job.id, attempt=claim.attempt,
                    script_id=None, style=params.options.style, lead_id=params.lead_id,
                )
                store.fail_job(
                    session, claim, error_type="demo_site_not_found",
                    message=f"demo site {params.demo_site_id} was deleted while its script "
                    "was being written",
                )
                return
            script = add_generated_script(
                session, generated=generated, demo_site_id=stored_site.id,
                lead_id=stored_site.lead_id, options=params.options,
                job_id=job.id,
            )
            record_llm_calls(
                session, calls=generated.calls, job_id=job.id, attempt=claim.attempt,
                script_id=script.id, style=params.options.style, lead_id=script.lead_id,
            )
            store.complete_job(session, claim, result=script_result(script.id, generated))
            if params.voiceover:
                enqueue_voiceover(session, script, parent_job_id=job.id)
    except IntegrityError as exc:
        # Another attempt of this job already stored its script: this one is a duplicate.
        raise StaleAttemptError(str(job.id)) from exc
    except TimingInvariantError as refused:
        # The engine fits or replaces every script, so this is a defect, not bad luck:
        # fail with what was wrong rather than retry into the same refusal.
        raise JobFailedError("timing_invariant", str(refused)) from None


def script_result(script_id: int, generated: GeneratedScript) -> dict[str, Any]:
    """A script job's result (§4): the script, and what a person should know about it."""
    result: dict[str, Any] = {"script_id": script_id}
    if generated.warnings:
        result["warnings"] = list(generated.warnings)
    return result
