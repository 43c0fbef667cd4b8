"""Every LLM call reaches the cost ledger as soon as it returns, whatever becomes of the
attempt (§5.4): calls of an attempt that cannot store its script are still accounted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from shared.config import Settings
from shared.db.models import Job, JobStatus, LLMCall, VideoScript
from shared.jobs.generation import submit_generation
from shared.jobs.runner import run_job
from shared.jobs.runtime import Runtime
from shared.jobs.store import DatabaseUnavailableError
from shared.repositories.leads import create_demo_site, create_lead
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
