"""Every LLM call reaches the cost ledger before it goes out and again when it returns,
whatever becomes of the attempt (§5.4): calls of an attempt that cannot store its script, or
that dies mid-call, are still accounted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from shared.config import Settings
from shared.db.models import Job, JobStatus, LLMCall, VideoScript
from shared.db.tenancy import ALL_TENANTS, tenant_context
from shared.db.types import utcnow
from shared.errors import DatabaseUnavailableError
from shared.jobs.generation import submit_generation
from shared.jobs.runner import run_job
from shared.jobs.runtime import Runtime
from shared.repositories.jobs import claim_job
from shared.repositories.leads import create_demo_site, create_lead
from shared.repositories.ledger import record_llm_call
from shared.script.types import CallOutcome, CallPurpose, LLMCallRecord, Tier
from tests.support.fake_openai import FakeOpenAI
from tests.support.runtime import recording_runtime

PLAN = {"overall_strategy": "Faster pages", "improvements": [{"title": "Compress images"}]}


@pytest.fixture
def runtime(llm_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    rt, _ = recording_runtime(llm_settings())
    yield rt
    rt.db_engine.dispose()


def _job(rt: Runtime) -> Any:
    with rt.session() as session:
        lead = create_lead(session, company_name="Harbor Lane", value=20000)
        site = create_demo_site(session, lead_id=lead.id, url="https://harbor.example",
                                improvement_plan=PLAN)
        return submit_generation(session, {"demo_site_id": site.id, "voiceover": False}).id


@contextmanager
def script_inserts_fail(rt: Runtime, error: Exception) -> Iterator[None]:
    """Storing the script fails (and only that): the attempt's LLM calls are already made."""

    def refuse(*_args: Any) -> None:
        raise error

    event.listen(VideoScript, "before_insert", refuse)
    try:
        yield
    finally:
        event.remove(VideoScript, "before_insert", refuse)


def _ledger_rows(rt: Runtime) -> int:
    with rt.session() as session:
        return session.scalar(select(func.count()).select_from(LLMCall)) or 0


def test_calls_of_an_attempt_that_cannot_store_its_script_are_in_the_ledger(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    fake_llm.push_faults("500", "503")  # two failed calls, then a good one: three paid calls
    job_id = _job(runtime)

    with script_inserts_fail(runtime, RuntimeError("disk full")):
        run_job(runtime, job_id)

    with runtime.session() as session:
        job = session.get_one(Job, job_id)
        assert job.status == JobStatus.FAILED
        assert job.error is not None
        assert job.error["type"] == "internal_error"
    served = len(fake_llm.chat_requests)
    assert served >= 3
    assert _ledger_rows(runtime) == served


def test_an_outage_at_store_time_keeps_the_rows_and_the_retry_links_them(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    job_id = _job(runtime)
    outage = OperationalError("INSERT", {}, Exception("server closed the connection"))

    with script_inserts_fail(runtime, outage), pytest.raises(DatabaseUnavailableError) as caught:
        run_job(runtime, job_id)

    assert caught.value.attempt == 1
    first_attempt_calls = len(fake_llm.chat_requests)
    assert _ledger_rows(runtime) == first_attempt_calls > 0

    # The retry takes the job over at once (no lease to wait out) and stores the script.
    run_job(runtime, job_id, supersedes_attempt=caught.value.attempt,
            unrecorded_calls=caught.value.unrecorded_calls)
    with runtime.session() as session:
        job = session.get_one(Job, job_id)
        assert job.status == JobStatus.SUCCEEDED
        assert job.attempts == 2
        script = session.get_one(VideoScript, job.result["script_id"])
        linked = session.scalars(select(LLMCall).where(LLMCall.script_id == script.id)).all()
        assert {row.attempt for row in linked} == {2}
        assert script.ai_cost == sum(row.cost_usd for row in linked)
        assert script.prompt_tokens == sum(row.prompt_tokens for row in linked)
    assert _ledger_rows(runtime) == len(fake_llm.chat_requests)


def test_a_call_is_in_the_ledger_while_it_is_in_flight(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    """The row is written before the request goes out, then completed by the reply."""
    job_id = _job(runtime)
    seen_in_flight: list[tuple[str, str, int]] = []

    def look_at_the_ledger(_request: Any) -> None:
        # Runs inside the local server while it holds the request: what the ledger says now
        # is what a SIGKILL at this moment would leave behind. (The server's own thread has
        # no tenant: it looks as the operator would, across tenants.)
        with tenant_context(ALL_TENANTS), runtime.session() as session:
            seen_in_flight.extend(
                (row.outcome, row.cost_source, row.prompt_tokens)
                for row in session.scalars(select(LLMCall).where(LLMCall.job_id == job_id)))

    fake_llm.configure(on_request=look_at_the_ledger)
    run_job(runtime, job_id)

    assert seen_in_flight
    outcome, source, prompt_tokens = seen_in_flight[0]
    assert (outcome, source) == ("in_flight", "estimate")
    assert prompt_tokens > 0
    with runtime.session() as session:
        rows = list(session.scalars(select(LLMCall).where(LLMCall.job_id == job_id)))
    assert len(rows) == len(fake_llm.chat_requests)
    assert {row.outcome for row in rows} == {"success"}
    assert {row.cost_source for row in rows} == {"computed"}
    served = {request["usage"]["prompt_tokens"] for request in fake_llm.chat_requests}
    assert {row.prompt_tokens for row in rows} == served  # the provider's count replaced ours


def test_a_provisional_record_never_overwrites_a_final_one(runtime: Runtime) -> None:
    job_id = _job(runtime)
    final = LLMCallRecord(sequence=0, model="m", tier=Tier.BUDGET, purpose=CallPurpose.GENERATE,
                          outcome=CallOutcome.SUCCESS, prompt_tokens=120,
                          completion_tokens=80, cost_usd=Decimal("0.0002"),
                          cost_source="computed")
    late = final.model_copy(update={"outcome": CallOutcome.IN_FLIGHT, "prompt_tokens": 99,
                                    "completion_tokens": 0, "cost_source": "estimate"})
    with runtime.session() as session:
        record_llm_call(session, call=late, job_id=job_id, attempt=1, style=None)
    with runtime.session() as session:
        record_llm_call(session, call=final, job_id=job_id, attempt=1, style=None)
    with runtime.session() as session:
        record_llm_call(session, call=late, job_id=job_id, attempt=1, style=None)
    with runtime.session() as session:
        (row,) = session.scalars(select(LLMCall).where(LLMCall.job_id == job_id))
        assert (row.outcome, row.prompt_tokens, row.cost_source) == ("success", 120, "computed")


def test_the_next_attempt_marks_what_a_dead_one_left_in_flight(runtime: Runtime) -> None:
    job_id = _job(runtime)
    in_flight = LLMCallRecord(sequence=0, model="m", tier=Tier.BUDGET,
                              purpose=CallPurpose.GENERATE, outcome=CallOutcome.IN_FLIGHT,
                              prompt_tokens=300, cost_usd=Decimal("0.000075"),
                              cost_source="estimate")
    with runtime.session() as session:
        first = claim_job(session, job_id, lease_seconds=600)
        assert first is not None
        record_llm_call(session, call=in_flight, job_id=job_id, attempt=first.attempt,
                        style=None)
    # The first attempt's worker died: its lease ends, and a second attempt claims the job.
    with runtime.session() as session:
        session.execute(update(Job).where(Job.id == job_id)
                        .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    with runtime.session() as session:
        second = claim_job(session, job_id, lease_seconds=600)
        assert second is not None
        assert second.attempt == first.attempt + 1
    with runtime.session() as session:
        (row,) = session.scalars(select(LLMCall).where(LLMCall.job_id == job_id))
        assert row.outcome == "interrupted"
        assert row.cost_usd == Decimal("0.000075")  # the estimate is kept, not zeroed


def test_rows_keep_their_lead_and_the_script_its_record_after_a_hard_delete(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    """§13 groups costs by lead and counts scripts after hard deletes: the job code writes
    the lead on every row (the failed call's too) and a record for each stored script."""
    from shared.db.models import ScriptRecord
    from shared.jobs.regeneration import submit_regeneration
    from shared.repositories.scripts import hard_delete
    from shared.tts.storage import AudioStorage

    fake_llm.push_faults("500")  # one failed call, then a good one
    job_id = _job(runtime)
    run_job(runtime, job_id)
    with runtime.session() as session:
        script = session.scalars(select(VideoScript)).one()
        lead_id, script_id = script.lead_id, script.id
        regeneration = submit_regeneration(session, script_id, 0,
                                           {"instructions": "Shorter.", "voiceover": False}).id
    run_job(runtime, regeneration)

    with runtime.session() as session:
        rows = session.scalars(select(LLMCall)).all()
        assert {row.job_id for row in rows} == {job_id, regeneration}
        assert len(rows) >= 3
        assert {row.lead_id for row in rows} == {lead_id}
        hard_delete(session, script_id, storage=AudioStorage(runtime.settings.storage_dir))
    with runtime.session() as session:
        kept = session.scalars(select(LLMCall).where(LLMCall.job_id == job_id)).all()
        assert kept
        assert {(row.script_id, row.lead_id) for row in kept} == {(None, lead_id)}
        records = session.scalars(select(ScriptRecord).order_by(ScriptRecord.id)).all()
        assert next(record.script_id for record in records) == script_id
        assert len(records) == 2
        assert {record.lead_id for record in records} == {lead_id}
