"""A job of tenant A, run by a real Celery worker, stores rows of tenant A only (§11)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, select

from shared.db.models import Job, LLMCall, Tenant, VideoScript, Voiceover
from shared.db.session import make_session_factory, session_scope
from shared.db.tenancy import ALL_TENANTS
from tests.integration.conftest import Stack
from tests.support.fake_openai import FakeOpenAI
from tests.support.keys import issue_key

pytestmark = pytest.mark.integration


def test_a_worker_stores_the_script_and_ledger_of_the_jobs_tenant(
    make_stack: Callable[..., Stack], postgres_url: str, fake_llm: FakeOpenAI,
) -> None:
    stack = make_stack()
    engine = create_engine(postgres_url)
    factory = make_session_factory(engine)
    default_token, stack.token = stack.token, issue_key(factory, "acme")
    stack.start_worker(queues="scripts")

    job = stack.wait_for_job(stack.start_generation(stack.create_site()))
    assert job["status"] == "succeeded", job
    script_id = job["result"]["script_id"]
    assert fake_llm.chat_requests  # the worker really called the LLM

    try:
        with session_scope(factory, ALL_TENANTS) as session:
            acme = session.scalars(select(Tenant.id).where(Tenant.slug == "acme")).one()
            script = session.get_one(VideoScript, script_id)
            calls = session.scalars(select(LLMCall).where(LLMCall.job_id == script.job_id)).all()
            owners = {
                "script": script.tenant_id,
                "job": session.get_one(Job, script.job_id).tenant_id,
                "ledger": {call.tenant_id for call in calls},
                "voiceovers": set(session.scalars(select(Voiceover.tenant_id))),
            }
        assert owners == {"script": acme, "job": acme, "ledger": {acme}, "voiceovers": set()}
    finally:
        engine.dispose()

    stack.token = default_token  # tenant "default" cannot see it
    assert stack.call("GET", f"/api/v1/video-scripts/{script_id}")[0] == 404
