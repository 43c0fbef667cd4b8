"""Issue 10's budget proof (§11): 50 concurrent jobs of one tenant, on Postgres, in real
Celery worker processes, against a budget that runs out midway.

The overshoot is bounded by the calls in flight when the budget ran out: each call is
admitted only while the month's spend (completed calls at cost, calls in flight at their
estimate) is under the budget, one reservation of a tenant at a time, so at most one call
per worker thread can still be running past that point. With ``THREADS`` threads the month
can therefore end above the budget by at most the ``THREADS`` costliest calls (never more
than ``THREADS`` times the costliest one). A second tenant without a budget runs jobs in the
same window and keeps using the LLM.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from shared.db.models import Job, LLMCall, VideoScript
from shared.db.session import make_session_factory, session_scope
from shared.db.tenancy import ALL_TENANTS
from shared.repositories.ledger import month_spend_usd
from tests.integration.conftest import Stack
from tests.support.fake_openai import FakeOpenAI
from tests.support.keys import issue_key, tenant_id
from tests.web.helpers import SAMPLE

pytestmark = pytest.mark.integration

JOBS = 50
WORKERS, THREADS_PER_WORKER = 2, 8
THREADS = WORKERS * THREADS_PER_WORKER
CALLS_THE_BUDGET_PAYS_FOR = 20
# Dear enough that a call costs tens of cents: the budget is a whole number of cents.
PRICES = {f"PRICE_{tier}_{kind}": "100" for tier in ("PREMIUM", "MID", "BUDGET")
          for kind in ("INPUT", "OUTPUT")}


def _site(stack: Stack) -> int:
    status, lead, _ = stack.call("POST", "/api/v1/leads", SAMPLE["lead"])
    assert status == 201, lead
    status, site, _ = stack.call("POST", "/api/v1/demo-sites",
                                 {"lead_id": lead["id"], **SAMPLE["demo_site"]})
    assert status == 201, site
    return int(site["id"])


def _generate(stack: Stack, site_id: int) -> str:
    status, job, _ = stack.call("POST", "/api/v1/video-scripts/generate",
                                {"demo_site_id": site_id, "voiceover": False})
    assert status == 202, job
    return str(job["id"])


def _scripts(factory: Any, job_ids: list[str]) -> list[tuple[Job, VideoScript]]:
    with session_scope(factory, ALL_TENANTS) as session:
        jobs = [session.get_one(Job, job_id) for job_id in job_ids]
        return [(job, session.get_one(VideoScript, job.result["script_id"])) for job in jobs]


def test_fifty_concurrent_jobs_stop_at_the_budget_and_the_other_tenant_is_unaffected(
    make_stack: Callable[..., Stack], postgres_url: str, fake_llm: FakeOpenAI,
) -> None:
    stack = make_stack(**PRICES)
    engine = create_engine(postgres_url)
    factory = make_session_factory(engine)
    try:
        acme_token, other_token = issue_key(factory, "acme"), issue_key(factory, "other")
        acme, other = tenant_id(factory, "acme"), tenant_id(factory, "other")
        for name in range(WORKERS):
            stack.start_worker(queues="scripts", concurrency=THREADS_PER_WORKER,
                               name=f"budget{name}")
        stack.token = other_token
        other_site = _site(stack)
        stack.token = acme_token
        acme_site = _site(stack)

        # One job alone tells what a call costs here; the budget then pays for 20 more.
        first = stack.wait_for_job(_generate(stack, acme_site))
        assert first["status"] == "succeeded", first
        with session_scope(factory, ALL_TENANTS) as session:
            spent = month_spend_usd(session, acme)
            call_cost = max(session.scalars(select(LLMCall.cost_usd)
                                            .where(LLMCall.tenant_id == acme)))
        budget = (spent + CALLS_THE_BUDGET_PAYS_FOR * call_cost).quantize(Decimal("0.01"))
        status, shown, _ = stack.call("PATCH", "/api/v1/tenant",
                                      {"monthly_budget_usd": float(budget)})
        assert status == 200, shown

        # Calls take a while, so many are in flight together when the money runs out.
        fake_llm.configure(latency=0.3)
        acme_jobs = [_generate(stack, acme_site) for _ in range(JOBS)]
        stack.token = other_token
        other_jobs = [_generate(stack, other_site) for _ in range(3)]
        # More of the other tenant's jobs once acme's budget is spent, while acme's
        # remaining jobs are still being refused around them.
        deadline = time.monotonic() + 120
        while True:
            with session_scope(factory, ALL_TENANTS) as session:
                if month_spend_usd(session, acme) >= budget:
                    break
            assert time.monotonic() < deadline, "acme's budget never ran out"
            time.sleep(0.1)
        other_jobs += [_generate(stack, other_site) for _ in range(3)]

        for token, job_ids in ((acme_token, acme_jobs), (other_token, other_jobs)):
            stack.token = token  # a job is visible to its own tenant only
            for job_id in job_ids:
                job = stack.wait_for_job(job_id, timeout=180)
                assert job["status"] == "succeeded", job

        acme_results = _scripts(factory, acme_jobs)
        with_llm = [script for _, script in acme_results if not script.fallback_used]
        refused = [(job, script) for job, script in acme_results if script.fallback_used]
        for job, script in refused:
            assert script.ai_model_used == "offline"
            assert script.script_metadata["fallback_reason"].startswith("budget_exhausted: ")
            assert any(w.startswith("The offline engine wrote this instead of the LLM: "
                                    "budget_exhausted: ") for w in job.result["warnings"])
        # The budget ran out midway: it paid for its 20 calls and then stopped the rest.
        assert CALLS_THE_BUDGET_PAYS_FOR <= len(with_llm) < JOBS
        assert len(refused) >= JOBS - CALLS_THE_BUDGET_PAYS_FOR - THREADS

        with session_scope(factory, ALL_TENANTS) as session:
            total = month_spend_usd(session, acme)
            costs = sorted(session.scalars(select(LLMCall.cost_usd)
                                           .where(LLMCall.tenant_id == acme)), reverse=True)
            outcomes = set(session.scalars(select(LLMCall.outcome)
                                           .where(LLMCall.tenant_id == acme)))
        assert outcomes == {"success"}  # nothing left in flight: every estimate was replaced
        overshoot = total - budget
        bound = sum(costs[:THREADS], Decimal(0))
        print(f"\nbudget {budget} USD, spent {total} USD, overshoot {overshoot} USD "
              f"({overshoot / costs[0]:.2f} calls), bound {bound} USD ({THREADS} calls); "
              f"{len(with_llm)} of {JOBS} jobs used the LLM, {len(refused)} were refused")
        assert overshoot <= bound <= THREADS * costs[0]

        for _, script in _scripts(factory, other_jobs):
            assert not script.fallback_used
            assert script.ai_model_used != "offline"
            assert script.ai_cost > 0
        with session_scope(factory, ALL_TENANTS) as session:
            assert month_spend_usd(session, other) > 0

        stack.token = acme_token
        status, shown, _ = stack.call("GET", "/api/v1/tenant")
        assert status == 200, shown
        assert shown["month_to_date_usd"] == pytest.approx(float(total), abs=1e-8)
    finally:
        engine.dispose()
