"""Per-tenant monthly LLM budgets (§11), on the embedded database (SQLite).

Once a tenant's spend this UTC month (completed calls at their cost, calls in flight at
their estimate) reaches its budget, its jobs make no more LLM calls and finish with the
offline script, ``fallback_used`` and the reason ``budget_exhausted``; other tenants are
unaffected. The concurrent proof on Postgres with real workers is in
``tests/integration/test_budget_concurrency.py``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from shared.config import Settings
from shared.db.models import Job, JobStatus, LLMCall, Tenant, VideoScript
from shared.db.tenancy import ALL_TENANTS, tenant_context
from shared.errors import SpendBudgetExhaustedError
from shared.jobs.generation import submit_generation
from shared.jobs.regeneration import submit_regeneration
from shared.jobs.runner import run_job
from shared.jobs.runtime import Runtime
from shared.jobs.spend_budget import reserve_call
from shared.repositories.leads import create_demo_site, create_lead
from shared.repositories.ledger import month_bounds, month_spend_usd
from shared.repositories.tenants import create_tenant, set_budget
from shared.script.types import CallOutcome, CallPurpose, LLMCallRecord, Tier
from tests.support.fake_openai import FakeOpenAI
from tests.support.runtime import recording_runtime

PLAN = {"overall_strategy": "Faster pages", "improvements": [{"title": "Compress images"}]}
DEFAULT_TENANT_ID = 1
# Expensive enough that one call of a generation costs more than a cent (the smallest
# budget a tenant can have), so "the first call spends the budget" is easy to arrange.
PRICES = {f"price_{tier}_{kind}": Decimal("200") for tier in ("premium", "mid", "budget")
          for kind in ("input", "output")}


@pytest.fixture
def runtime(llm_settings: Callable[..., Settings]) -> Iterator[Runtime]:
    rt, _ = recording_runtime(llm_settings(**PRICES))
    yield rt
    rt.db_engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_runtime(request: pytest.FixtureRequest, llm_settings: Callable[..., Settings]
                ) -> Iterator[Runtime]:
    """The embedded database, and Postgres (whose row lock is what serialises there)."""
    overrides: dict[str, object] = dict(PRICES)
    if request.param == "postgres":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    rt, _ = recording_runtime(llm_settings(**overrides))
    yield rt
    rt.db_engine.dispose()


def _budget(rt: Runtime, tenant_id: int, usd: str | None) -> None:
    with rt.session(ALL_TENANTS) as session:
        set_budget(session, session.get_one(Tenant, tenant_id), usd)


def _tenant(rt: Runtime, slug: str, budget: str | None = None) -> int:
    with rt.session(ALL_TENANTS) as session:
        return create_tenant(session, slug, monthly_budget_usd=budget).id


def _generation_job(rt: Runtime, tenant_id: int = DEFAULT_TENANT_ID) -> uuid.UUID:
    with tenant_context(tenant_id), rt.session() as session:
        lead = create_lead(session, company_name="Harbor Lane", value=20000)
        site = create_demo_site(session, lead_id=lead.id, url="https://harbor.example",
                                improvement_plan=PLAN)
        return submit_generation(session, {"demo_site_id": site.id, "voiceover": False}).id


def _outcome(rt: Runtime, job_id: uuid.UUID) -> tuple[Job, VideoScript]:
    with rt.session(ALL_TENANTS) as session:
        job = session.get_one(Job, job_id)
        assert job.status == JobStatus.SUCCEEDED, job.error
        return job, session.get_one(VideoScript, job.result["script_id"])


def _assert_budget_fallback(job: Job, script: VideoScript) -> None:
    assert script.fallback_used is True
    assert script.ai_model_used == "offline"
    assert script.script_metadata["fallback_reason"].startswith("budget_exhausted: ")
    assert script.script_metadata["budget_exhausted"]["budget_usd"]
    assert any("budget_exhausted" in warning for warning in job.result["warnings"])


def _call(cost: str, sequence: int = 0, outcome: CallOutcome = CallOutcome.IN_FLIGHT
          ) -> LLMCallRecord:
    return LLMCallRecord(sequence=sequence, model="m", tier=Tier.BUDGET,
                         purpose=CallPurpose.GENERATE, outcome=outcome, prompt_tokens=100,
                         cost_usd=Decimal(cost), cost_source="estimate")


# --- the month's spend --------------------------------------------------------------------

def test_month_bounds_are_the_utc_calendar_month() -> None:
    start, end = month_bounds(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    start, _ = month_bounds(datetime.fromisoformat("2026-03-01T00:30:00+02:00"))
    assert start == datetime(2026, 2, 1, tzinfo=UTC)  # still February in UTC


def test_month_spend_counts_this_tenants_calls_of_this_month_in_flight_or_done(
    runtime: Runtime,
) -> None:
    other = _tenant(runtime, "other")
    job_id = _generation_job(runtime)
    other_job = _generation_job(runtime, other)

    def row(job: uuid.UUID, tenant: int, sequence: int, cost: str, outcome: str,
            at: datetime) -> LLMCall:
        return LLMCall(tenant_id=tenant, job_id=job, attempt=1, sequence=sequence, model="m",
                       tier=Tier.BUDGET, purpose="generate", outcome=outcome,
                       cost_usd=Decimal(cost), created_at=at)

    with runtime.session(ALL_TENANTS) as session:
        session.add_all([
            row(job_id, DEFAULT_TENANT_ID, 0, "0.40", "success", datetime(2026, 6, 1, tzinfo=UTC)),
            row(job_id, DEFAULT_TENANT_ID, 1, "0.02", "in_flight",
                datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)),
            row(job_id, DEFAULT_TENANT_ID, 2, "0.03", "interrupted",
                datetime(2026, 6, 15, tzinfo=UTC)),
            row(job_id, DEFAULT_TENANT_ID, 3, "5", "success",  # May: another month
                datetime(2026, 5, 31, 23, 59, 59, tzinfo=UTC)),
            row(job_id, DEFAULT_TENANT_ID, 4, "7", "success", datetime(2026, 7, 1, tzinfo=UTC)),
            row(other_job, other, 0, "9", "success", datetime(2026, 6, 10, tzinfo=UTC)),
        ])
    with runtime.session() as session:
        june = datetime(2026, 6, 20, tzinfo=UTC)
        assert month_spend_usd(session, DEFAULT_TENANT_ID, june) == Decimal("0.45")
        assert month_spend_usd(session, other, june) == 0  # the session's tenant filter too
    with runtime.session(ALL_TENANTS) as session:
        assert month_spend_usd(session, other, june) == Decimal("9")
        assert month_spend_usd(session, other, datetime(2026, 8, 1, tzinfo=UTC)) == 0


# --- the reservation ------------------------------------------------------------------------

def test_a_call_is_admitted_while_the_spend_is_under_the_budget(runtime: Runtime) -> None:
    _budget(runtime, DEFAULT_TENANT_ID, "0.10")
    job_id = _generation_job(runtime)
    admitted = 0
    with pytest.raises(SpendBudgetExhaustedError) as refused:  # noqa: PT012 - the loop
        for sequence in range(10):
            with runtime.session() as session:
                reserve_call(session, tenant_id=DEFAULT_TENANT_ID, call=_call("0.04", sequence),
                             job_id=job_id, attempt=1, style=None)
            admitted += 1
    # 0, 0.04, 0.08 are under 0.10: three calls go out, the month ends at 0.12.
    assert admitted == 3
    assert (refused.value.budget_usd, refused.value.spent_usd) == (Decimal("0.10"),
                                                                   Decimal("0.12"))
    with runtime.session() as session:
        assert month_spend_usd(session, DEFAULT_TENANT_ID) == Decimal("0.12")  # refused: no row


def test_no_budget_means_unlimited_and_a_zero_budget_admits_nothing(runtime: Runtime) -> None:
    job_id = _generation_job(runtime)
    with runtime.session() as session:
        reserve_call(session, tenant_id=DEFAULT_TENANT_ID, call=_call("1000"), job_id=job_id,
                     attempt=1, style=None)
    _budget(runtime, DEFAULT_TENANT_ID, "0")
    other_job = _generation_job(runtime)
    with runtime.session() as session, pytest.raises(SpendBudgetExhaustedError):
        reserve_call(session, tenant_id=DEFAULT_TENANT_ID, call=_call("0.01"),
                     job_id=other_job, attempt=1, style=None)


def test_concurrent_reservations_admit_exactly_what_the_budget_allows(
    any_runtime: Runtime,
) -> None:
    """Check and insert are one step: 8 threads racing never admit a call too many."""
    runtime = any_runtime
    _budget(runtime, DEFAULT_TENANT_ID, "1.00")
    job_id = _generation_job(runtime)
    start = threading.Barrier(8)

    def reserve_until_refused(attempt: int) -> int:
        admitted = 0
        start.wait()
        with tenant_context(DEFAULT_TENANT_ID):
            for sequence in range(100):
                try:
                    with runtime.session() as session:
                        reserve_call(session, tenant_id=DEFAULT_TENANT_ID,
                                     call=_call("0.03", sequence), job_id=job_id,
                                     attempt=attempt, style=None)
                except SpendBudgetExhaustedError:
                    return admitted
                admitted += 1
        return admitted

    with ThreadPoolExecutor(8) as pool:
        admitted = sum(pool.map(reserve_until_refused, range(1, 9)))
    assert admitted == 34  # 33 × 0.03 = 0.99 is under 1.00, so one more; 34 × 0.03 is not
    with runtime.session() as session:
        assert month_spend_usd(session, DEFAULT_TENANT_ID) == Decimal("1.02")


# --- jobs -----------------------------------------------------------------------------------

def test_a_job_of_a_tenant_whose_budget_is_spent_makes_no_call(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    _budget(runtime, DEFAULT_TENANT_ID, "0.00")
    job_id = _generation_job(runtime)

    run_job(runtime, job_id)

    job, script = _outcome(runtime, job_id)
    _assert_budget_fallback(job, script)
    assert fake_llm.chat_requests == []
    assert script.script_metadata["attempts"][0]["result"] == "budget_exhausted"
    with runtime.session() as session:
        assert session.scalars(select(LLMCall)).all() == []


def test_other_tenants_and_the_budgets_own_tenant_before_the_limit_use_the_llm(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    spent = _tenant(runtime, "spent", budget="0")
    roomy = _tenant(runtime, "roomy", budget="1000")
    jobs = {tenant: _generation_job(runtime, tenant)
            for tenant in (spent, roomy, DEFAULT_TENANT_ID)}  # default: no budget at all

    for job_id in jobs.values():
        run_job(runtime, job_id)

    _assert_budget_fallback(*_outcome(runtime, jobs[spent]))
    for tenant in (roomy, DEFAULT_TENANT_ID):
        _, script = _outcome(runtime, jobs[tenant])
        assert (script.fallback_used, script.ai_model_used) != (True, "offline")
        assert script.ai_cost > 0
    assert len(fake_llm.chat_requests) == 2


def test_a_budget_spent_between_the_draft_and_the_timing_fix_ends_offline(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    """The draft misses the window, but the draft itself spent the budget: no fix call."""
    _budget(runtime, DEFAULT_TENANT_ID, "0.01")  # one call at these prices costs more
    job_id = _generation_job(runtime)
    fake_llm.push_faults("too_long")

    run_job(runtime, job_id)

    job, script = _outcome(runtime, job_id)
    _assert_budget_fallback(job, script)
    assert len(fake_llm.chat_requests) == 1  # the draft, paid for and kept in the ledger
    results = [attempt["result"] for attempt in script.script_metadata["attempts"]]
    assert results == ["success", "budget_exhausted"]
    with runtime.session() as session:
        (row,) = session.scalars(select(LLMCall).where(LLMCall.job_id == job_id))
        assert (row.outcome, row.script_id) == ("success", script.id)
        assert script.ai_cost == row.cost_usd > Decimal("0.01")


def test_a_regeneration_past_the_budget_rewrites_the_section_offline(
    runtime: Runtime, fake_llm: FakeOpenAI
) -> None:
    first = _generation_job(runtime)
    run_job(runtime, first)
    _, source = _outcome(runtime, first)
    assert not source.fallback_used
    _budget(runtime, DEFAULT_TENANT_ID, "0.01")  # the generation spent more than that
    requests_before = len(fake_llm.chat_requests)
    with runtime.session() as session:
        job_id = submit_regeneration(session, source.id, 1, {"instructions": "Shorter."}).id

    run_job(runtime, job_id)

    job, script = _outcome(runtime, job_id)
    _assert_budget_fallback(job, script)
    assert script.parent_script_id == source.id
    assert len(fake_llm.chat_requests) == requests_before

