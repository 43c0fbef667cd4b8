"""Outages against real Celery worker processes (§4, §10): a database that goes away and
comes back, and a worker SIGKILLed mid-job. The database that goes away is a private
Postgres this test starts and stops, never the machine's own."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
import redis
from sqlalchemy import create_engine, update

from shared.db.models import Job, LLMCall, VideoScript
from shared.db.types import utcnow
from tests.integration.conftest import Stack
from tests.support.fake_openai import FakeOpenAI
from tests.support.private_services import PrivatePostgres, PrivateRedis
from tests.support.rows import rows_of

pytestmark = pytest.mark.integration

# Retries of a delivery the database interrupted come quickly here (production: 1 s .. 30 s).
FAST_DB_RETRY = {"JOB_DB_RETRY_INITIAL_SECONDS": "0.2", "JOB_DB_RETRY_MAX_SECONDS": "1"}





def _wait_for(condition: Callable[[], bool], what: str, stack: Stack,
              timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s:\n{stack.tail_logs()}")
        time.sleep(0.05)


def _retried_deliveries(stack: Stack) -> int:
    """Messages in the broker that are retries (Celery's ``retries`` header above 0): held
    by the worker until their countdown (``unacked``) or back in the queue."""
    prefix = stack.env["REDIS_KEY_PREFIX"]
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    try:
        raw = list(client.hvals(prefix + "unacked"))
        for queue in ("scripts", "voiceover"):
            raw += client.lrange(prefix + queue, 0, -1)
    finally:
        client.close()
    retried = 0
    for item in raw:
        message = json.loads(item)
        envelope = message[0] if isinstance(message, list) else message
        if int(envelope.get("headers", {}).get("retries") or 0) > 0:
            retried += 1
    return retried


def test_queued_jobs_are_not_drained_by_a_database_outage(
    make_stack: Callable[..., Stack], private_postgres: PrivatePostgres
) -> None:
    stack = make_stack(DATABASE_URL=private_postgres.url, **FAST_DB_RETRY)
    site_id = stack.create_site()
    job_ids = [stack.start_generation(site_id) for _ in range(4)]  # queued in Redis, no worker yet

    private_postgres.stop()
    stack.start_worker(concurrency=4)  # no beat: nothing but the retries can save the jobs
    _wait_for(lambda: _retried_deliveries(stack) >= len(job_ids),
              "every delivery must be retried while the database is down", stack)
    private_postgres.start()

    for job_id in job_ids:
        job = stack.wait_for_job(job_id, timeout=60)
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 1
        scripts = rows_of(private_postgres.url, VideoScript,
                        VideoScript.job_id == uuid.UUID(job_id))
        assert len(scripts) == 1


def test_a_running_job_interrupted_by_the_database_is_retried_at_once(
    make_stack: Callable[..., Stack], private_postgres: PrivatePostgres, fake_llm: FakeOpenAI
) -> None:
    fake_llm.configure(latency=2.0)
    # The lease is the production default (660 s): finishing within the wait below proves
    # the retry did not wait for it.
    stack = make_stack(DATABASE_URL=private_postgres.url, **FAST_DB_RETRY)
    stack.start_worker(concurrency=2)
    site_id = stack.create_site()
    job_id = stack.start_generation(site_id)
    _wait_for(lambda: len(fake_llm.chat_requests) >= 1, "the job must be calling the LLM",
              stack)

    private_postgres.stop()  # while the attempt waits on the LLM
    _wait_for(lambda: _retried_deliveries(stack) >= 1,
              "the interrupted attempt must be retried, not acknowledged", stack)
    fake_llm.configure(latency=0.0)
    private_postgres.start()

    job = stack.wait_for_job(job_id, timeout=60)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2  # the retry took over the interrupted attempt's lease
    scripts = rows_of(private_postgres.url, VideoScript, VideoScript.job_id == uuid.UUID(job_id))
    assert len(scripts) == 1
    # Every call served reached the ledger, those of the interrupted attempt included (they
    # could not be written during the outage and travelled with the retry).
    ledger = rows_of(private_postgres.url, LLMCall, LLMCall.job_id == uuid.UUID(job_id))
    assert len(ledger) == len(fake_llm.chat_requests)
    assert {row.attempt for row in ledger} == {1, 2}
    assert {row.script_id for row in ledger if row.attempt == 2} == {scripts[0].id}


def test_calls_of_a_killed_worker_are_in_the_ledger(
    make_stack: Callable[..., Stack], postgres_url: str, fake_llm: FakeOpenAI
) -> None:
    stack = make_stack()
    victim = stack.start_worker(name="victim")
    site_id = stack.create_site()
    fake_llm.push_faults("500", "503")  # two paid, failed calls, then a slow good one
    fake_llm.configure(latency=3.0)
    job_id = stack.start_generation(site_id)
    _wait_for(lambda: len(fake_llm.chat_requests) >= 3, "the third call must be in flight",
              stack)

    stack.kill_worker(victim)

    served = len(fake_llm.chat_requests)
    ledger = sorted(rows_of(postgres_url, LLMCall, LLMCall.job_id == uuid.UUID(job_id)),
                    key=lambda row: row.sequence)
    # No call is lost: the two answered before the kill carry their outcome, and the one in
    # flight was written before it went out, priced at its estimated prompt.
    assert len(ledger) == served == 3
    assert [row.outcome for row in ledger] == ["transient_error", "transient_error", "in_flight"]
    assert ledger[2].cost_source == "estimate"
    assert ledger[2].prompt_tokens > 0

    # The job's next attempt (a new worker, once the lease is over) finishes it and marks
    # what the dead attempt left in flight as interrupted, keeping its estimate.
    fake_llm.configure(latency=0.0)
    engine = create_engine(postgres_url)
    with engine.begin() as connection:  # the lease is 11 min in production: end it now
        connection.execute(update(Job).where(Job.id == uuid.UUID(job_id))
                           .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    engine.dispose()
    stack.start_worker(name="heir", beat=True)
    assert stack.wait_for_job(job_id)["status"] == "succeeded"
    first_attempt = [row for row in rows_of(postgres_url, LLMCall,
                                          LLMCall.job_id == uuid.UUID(job_id))
                     if row.attempt == 1]
    assert sorted(row.outcome for row in first_attempt) == [
        "interrupted", "transient_error", "transient_error"]



def test_jobs_posted_while_redis_is_down_are_accepted_and_finished_after(
    make_stack: Callable[..., Stack], postgres_url: str, private_redis: PrivateRedis
) -> None:
    stack = make_stack(REDIS_URL=private_redis.url)
    stack.start_worker(beat=True)  # beat runs the sweeper every second here
    site_id = stack.create_site()

    private_redis.stop()
    job_ids = [stack.start_generation(site_id) for _ in range(5)]  # each answered 202 (asserted)
    # Every publish failed (or was refused by the open breaker): the jobs are the sweeper's.
    _wait_for(lambda: not rows_of(postgres_url, Job, Job.id.in_([uuid.UUID(j) for j in job_ids]),
                                Job.published_at.is_not(None)),
              "failed publishes must leave the jobs to the sweeper", stack)
    private_redis.start()

    for job_id in job_ids:
        job = stack.wait_for_job(job_id, timeout=90)
        assert job["status"] == "succeeded", job
        assert len(rows_of(postgres_url, VideoScript,
                         VideoScript.job_id == uuid.UUID(job_id))) == 1
