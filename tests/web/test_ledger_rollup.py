"""GET /costs over the daily rollup of settled days equals the ledger read directly (§13).

The ledger spans settled days (summed into ``ledger_daily`` on first read) and unsettled
ones (read live), for two tenants. Every grouping and several windows are compared with
the ledger-only report; then settled rows change the ways the ledger lets them change
(an in-flight call completed, calls marked interrupted, a row of a settled day written
late) and the reports must follow, because the writer forgot that day's sums.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from shared.db.models import Job, JobKind, JobStatus, LedgerDaily, LedgerDay, LLMCall
from shared.db.session import session_scope
from shared.db.tenancy import scope_session
from shared.db.types import utcnow
from shared.repositories import ledger, ledger_rollup
from shared.repositories.analytics import Window, cost_report
from shared.script.types import CallOutcome, CallPurpose, LLMCallRecord, Style, Tier
from tests.support.keys import DEFAULT_TENANT_ID, tenant_id
from tests.web.helpers import keyed_client

MARGIN = timedelta(hours=6)
MODELS = ("anthropic/claude-3-haiku", "openai/gpt-4-turbo", "meta/llama-3-70b")
GROUPINGS = ("model", "tier", "style", "day")


class Ledger:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.factory = app.extensions["scriptforge"].session_factory
        self.other = tenant_id(self.factory, "other")
        self.today = utcnow().date()
        self.job = uuid.uuid4()

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def report(self, tenant: int, window: Window, group_by: str,
               margin: timedelta | None) -> dict[str, Any]:
        with session_scope(self.factory, tenant) as session:
            return asdict(cost_report(session, tenant_id=tenant, window=window,
                                      group_by=group_by, settle_margin=margin))

    def assert_rollup_matches(self, tenant: int, window: Window) -> None:
        for group_by in GROUPINGS:
            rolled = self.report(tenant, window, group_by, MARGIN)
            assert rolled == self.report(tenant, window, group_by, None), (group_by, window)

    def summed_days(self, tenant: int) -> set[date]:
        with session_scope(self.factory, tenant) as session:
            return set(session.scalars(select(LedgerDay.day)))


def _calls(moment: datetime, n: int) -> list[dict[str, Any]]:
    """A few calls at ``moment`` spread over models, tiers and styles (one without)."""
    styles: list[Style | None] = [*Style, None]
    return [
        {"model": MODELS[i % len(MODELS)], "tier": list(Tier)[i % len(Tier)],
         "script_style": styles[i % len(styles)], "prompt_tokens": 100 + i,
         "completion_tokens": 50 + i, "cost_usd": Decimal("0.00012345") * (i + 1),
         "created_at": moment + timedelta(minutes=7 * i)}
        for i in range(n)
    ]


@pytest.fixture
def ledger_rows(app_on_each_database: Flask) -> Ledger:
    seeded = Ledger(app_on_each_database)
    for tenant, spread in ((DEFAULT_TENANT_ID, 4), (seeded.other, 2)):
        with session_scope(seeded.factory, tenant) as session:
            session.add(Job(id=seeded.job if tenant == DEFAULT_TENANT_ID else uuid.uuid4(),
                            kind=JobKind.GENERATE_SCRIPT, status=JobStatus.RUNNING, params={},
                            created_at=utcnow(), updated_at=utcnow()))
            sequence = 0
            # Twelve settled days (with a gap), yesterday and today (not settled).
            for days_ago in (*range(14, 4, -1), 3, 1, 0):
                start = datetime.combine(seeded.day(days_ago), time.min, tzinfo=UTC)
                for row in _calls(start, spread + days_ago % 3):
                    session.add(LLMCall(
                        job_id=None, attempt=1, sequence=sequence, lead_id=None,
                        purpose="generate", outcome="ok", cost_source="provider", **row))
                    sequence += 1
    return seeded


def test_rollup_and_live_give_the_same_report(ledger_rows: Ledger) -> None:
    seeded = ledger_rows
    windows = [Window(), Window(since=seeded.day(10)), Window(until=seeded.day(6)),
               Window(since=seeded.day(12), until=seeded.day(5)),
               Window(since=seeded.day(3), until=seeded.day(0)),
               Window(since=seeded.day(0), until=seeded.day(0))]
    for window in windows:
        seeded.assert_rollup_matches(DEFAULT_TENANT_ID, window)
        seeded.assert_rollup_matches(seeded.other, window)
    # Settled days only (a margin of six hours leaves yesterday unsettled until 06:00),
    # and each tenant's own.
    settled_before = (utcnow() - MARGIN).date()
    summed = seeded.summed_days(DEFAULT_TENANT_ID)
    assert summed
    assert max(summed) < settled_before
    assert min(summed) == seeded.day(14)
    with session_scope(seeded.factory, seeded.other) as session:
        assert session.scalar(select(func.count()).select_from(LedgerDaily)) > 0
        assert session.scalar(select(func.sum(LedgerDaily.calls))) == session.scalar(
            select(func.count()).select_from(LLMCall)
            .where(LLMCall.created_at < datetime.combine(max(summed) + timedelta(days=1),
                                                         time.min, tzinfo=UTC)))


def test_get_costs_reads_the_rollup_with_the_live_figures(ledger_rows: Ledger) -> None:
    seeded = ledger_rows
    client = keyed_client(seeded.app)
    live = seeded.report(DEFAULT_TENANT_ID, Window(), "day", None)
    response = client.get("/api/v1/costs?group_by=day")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert seeded.summed_days(DEFAULT_TENANT_ID)  # the request filled and committed
    assert body["total_calls"] == live["total_calls"]
    assert Decimal(str(body["total_cost_usd"])) == live["total_cost_usd"]
    assert [(g["key"], g["calls"], Decimal(str(g["cost_usd"]))) for g in body["groups"]] == [
        (g["key"], g["calls"], g["cost_usd"]) for g in live["groups"]]
    # A second request reads the sums it kept, with the same answer.
    assert client.get("/api/v1/costs?group_by=day").get_json() == body


def test_a_change_to_a_settled_day_is_summed_again(ledger_rows: Ledger) -> None:
    seeded = ledger_rows
    settled = seeded.day(5)
    moment = datetime.combine(settled, time(13, 0), tzinfo=UTC)
    record = LLMCallRecord(sequence=0, model=MODELS[1], tier=Tier.PREMIUM,
                           purpose=CallPurpose.GENERATE, outcome=CallOutcome.IN_FLIGHT,
                           prompt_tokens=999, cost_usd=Decimal("0.5"), cost_source="estimate")
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        # Two calls that were in flight on that day: they stay so until after it is summed.
        for attempt in (1, 2):
            session.add(LLMCall(
                job_id=seeded.job, attempt=attempt, sequence=0, model=MODELS[1],
                tier=Tier.PREMIUM, script_style=Style.SALES, purpose="generate",
                outcome=CallOutcome.IN_FLIGHT.value, prompt_tokens=999,
                cost_usd=Decimal("0.5"), cost_source="estimate", created_at=moment))
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())
    assert settled in seeded.summed_days(DEFAULT_TENANT_ID)

    # The reply of attempt 1 arrives: its row is completed with the real cost.
    done = record.model_copy(update={"outcome": CallOutcome.SUCCESS, "cost_usd": Decimal("0.03"),
                                     "completion_tokens": 321, "cost_source": "provider"})
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        ledger.record_llm_call(session, call=done, job_id=seeded.job, attempt=1,
                               style=Style.SALES)
    assert settled not in seeded.summed_days(DEFAULT_TENANT_ID)
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())

    # Attempt 2's worker died: a new attempt marks its call interrupted.
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        assert ledger.mark_interrupted_calls(session, job_id=seeded.job, before_attempt=3) == 1
    assert settled not in seeded.summed_days(DEFAULT_TENANT_ID)
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())

    # The stored script's transaction completes attempt 2's row after all.
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        ledger.record_llm_calls(session, calls=[done], job_id=seeded.job, attempt=2,
                                script_id=None, style=Style.SALES)
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())

    # A row of a settled day written late: the writer forgets the day in its transaction.
    summed_before = seeded.summed_days(seeded.other)
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        late = LLMCall(job_id=None, attempt=1, sequence=10_000, model=MODELS[0],
                       tier=Tier.BUDGET, script_style=None, purpose="generate", outcome="ok",
                       prompt_tokens=5, completion_tokens=5, cost_usd=Decimal("1.25"),
                       cost_source="provider", created_at=moment)
        session.add(late)
        session.flush()
        ledger_rollup.invalidate(session, [(late.tenant_id, late.created_at)])
    assert settled not in seeded.summed_days(DEFAULT_TENANT_ID)
    assert seeded.summed_days(seeded.other) == summed_before  # another tenant's day stays
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window(since=settled, until=settled))
    seeded.assert_rollup_matches(seeded.other, Window())


def test_todays_writes_take_no_lock_and_forget_nothing(ledger_rows: Ledger) -> None:
    seeded = ledger_rows
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())
    summed = seeded.summed_days(DEFAULT_TENANT_ID)
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        ledger.record_llm_calls(
            session, job_id=seeded.job, attempt=7, script_id=None, style=None,
            calls=[LLMCallRecord(sequence=0, model=MODELS[2], tier=Tier.MID,
                                 purpose=CallPurpose.GENERATE, outcome=CallOutcome.SUCCESS,
                                 cost_usd=Decimal("0.07"))])
    assert seeded.summed_days(DEFAULT_TENANT_ID) == summed
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())


def test_a_change_during_a_fill_waits_for_it_and_is_not_lost(ledger_rows: Ledger) -> None:
    """A report that summed a day but has not committed yet, and a writer completing a call
    of that day meanwhile: the writer waits for the report (Postgres: the tenant's rollup
    lock; SQLite: its writer lock), then forgets the day, so the stale sums never stay."""
    seeded = ledger_rows
    settled = seeded.day(6)
    moment = datetime.combine(settled, time(22, 30), tzinfo=UTC)
    with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
        session.add(LLMCall(
            job_id=seeded.job, attempt=1, sequence=0, model=MODELS[1], tier=Tier.PREMIUM,
            script_style=Style.SALES, purpose="generate", outcome=CallOutcome.IN_FLIGHT.value,
            prompt_tokens=999, cost_usd=Decimal("0.5"), cost_source="estimate",
            created_at=moment))
    done = LLMCallRecord(sequence=0, model=MODELS[1], tier=Tier.PREMIUM,
                         purpose=CallPurpose.GENERATE, outcome=CallOutcome.SUCCESS,
                         prompt_tokens=999, completion_tokens=10, cost_usd=Decimal("0.02"),
                         cost_source="provider")
    written = threading.Event()
    failures: list[BaseException] = []

    def complete_the_call() -> None:
        try:
            with session_scope(seeded.factory, DEFAULT_TENANT_ID) as session:
                ledger.record_llm_call(session, call=done, job_id=seeded.job, attempt=1,
                                       style=Style.SALES)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            written.set()

    reader = seeded.factory()
    scope_session(reader, DEFAULT_TENANT_ID)
    try:
        cost_report(reader, tenant_id=DEFAULT_TENANT_ID, window=Window(), group_by="model",
                    settle_margin=MARGIN)
        writer = threading.Thread(target=complete_the_call)
        writer.start()
        assert not written.wait(1.0), failures  # held back by the report's lock
        reader.commit()
    finally:
        reader.close()
    writer.join(30)
    assert written.is_set()
    assert not failures
    assert settled not in seeded.summed_days(DEFAULT_TENANT_ID)
    seeded.assert_rollup_matches(DEFAULT_TENANT_ID, Window())
