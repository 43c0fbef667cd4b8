"""End to end over HTTP with real Celery worker processes, Postgres, Redis and LLM server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
import redis
from sqlalchemy import create_engine, update

from shared.db.models import Job, JobKind, LLMCall, VideoScript
from tests.integration.conftest import Stack
from tests.support.fake_openai import FakeOpenAI
from tests.support.rows import rows_of
from tests.web.helpers import SAMPLE

pytestmark = pytest.mark.integration


def _lead_and_site(stack: Stack, value: float) -> int:
    status, lead, _ = stack.call("POST", "/api/v1/leads", {**SAMPLE["lead"], "value": value})
    assert status == 201
    status, site, _ = stack.call("POST", "/api/v1/demo-sites",
                                 {"lead_id": lead["id"], **SAMPLE["demo_site"]})
    assert status == 201
    return int(site["id"])



def test_all_four_styles_through_real_workers(
    make_stack: Callable[..., Stack], postgres_url: str, fake_llm: FakeOpenAI
) -> None:
    stack = make_stack()
    stack.start_worker()
    site_id = _lead_and_site(stack, value=60_000)  # premium tier

    job_ids = {}
    for style in ("professional", "casual", "technical", "sales"):
        status, job, headers = stack.call("POST", "/api/v1/video-scripts/generate",
                                          {"demo_site_id": site_id, "style": style})
        assert status == 202
        assert headers["Location"].endswith(job["id"])
        job_ids[style] = job["id"]

    for style, job_id in job_ids.items():
        job = stack.wait_for_job(job_id)
        assert job["status"] == "succeeded", job
        status, script, _ = stack.call("GET", job["links"]["result"])
        assert status == 200
        assert script["script_style"] == style
        assert script["ai_model_used"] == stack.settings.model_premium
        assert script["ai_tier"] == "premium"
        assert script["fallback_used"] is False
        lo = int(script["max_duration_seconds"] * 0.9)
        assert lo <= script["total_duration_seconds"] <= script["max_duration_seconds"]

        calls = rows_of(postgres_url, LLMCall, LLMCall.script_id == script["id"])
        assert calls, "every LLM call is in the ledger"
        assert all(call.model == stack.settings.model_premium for call in calls)
        expected = sum(
            (Decimal(c.prompt_tokens) * stack.settings.price_premium_input
             + Decimal(c.completion_tokens) * stack.settings.price_premium_output)
            / Decimal(1_000_000)
            for c in calls
        )
        assert Decimal(str(script["ai_cost"])) == pytest.approx(expected)
        assert script["prompt_tokens"] == sum(c.prompt_tokens for c in calls) > 0
    assert len(fake_llm.chat_requests) >= 4


def test_broker_keys_stay_under_the_test_prefix(
    make_stack: Callable[..., Stack], redis_url: str, redis_key_prefix: str
) -> None:
    """The machine's Redis is shared: a run touches only keys under its own prefix."""
    client = redis.Redis.from_url(redis_url)
    stack = make_stack()
    stack.start_worker()
    site_id = _lead_and_site(stack, value=100)
    status, job, _ = stack.call("POST", "/api/v1/video-scripts/generate",
                                {"demo_site_id": site_id, "voiceover": False})
    assert status == 202
    assert stack.wait_for_job(job["id"])["status"] == "succeeded"
    ours = [key.decode() for key in client.scan_iter(match=redis_key_prefix + "*")]
    assert any(key.endswith("_kombu.binding.scripts") for key in ours), ours
    client.close()


def test_lost_publish_is_recovered_by_the_sweeper(
    make_stack: Callable[..., Stack], postgres_url: str
) -> None:
    # The API publishes to a broker that is down; the workers use the real one.
    api = make_stack(REDIS_URL="redis://127.0.0.1:1/0")
    site_id = _lead_and_site(api, value=100)
    status, job, _ = api.call("POST", "/api/v1/video-scripts/generate", {"demo_site_id": site_id})
    assert status == 202, "a failed publish still answers 202"
    stored = rows_of(postgres_url, Job, Job.id == uuid.UUID(job["id"]))[0]
    assert stored.status == "queued"
    assert stored.published_at is None

    workers = make_stack()
    workers.start_worker(beat=True)  # beat runs the sweeper every second here
    finished = workers.wait_for_job(job["id"], timeout=60)
    assert finished["status"] == "succeeded"


def test_duplicate_delivery_makes_one_script(
    make_stack: Callable[..., Stack], postgres_url: str
) -> None:
    stack = make_stack()
    site_id = _lead_and_site(stack, value=100)
    status, job, _ = stack.call("POST", "/api/v1/video-scripts/generate", {"demo_site_id": site_id})
    assert status == 202
    # Deliver the same job three more times before any worker runs.
    from web.publisher import CeleryPublisher

    publisher = CeleryPublisher(stack.settings)
    for _ in range(3):
        publisher.publish(uuid.UUID(job["id"]), JobKind.GENERATE_SCRIPT)
    stack.start_worker(concurrency=4)
    finished = stack.wait_for_job(job["id"])
    time.sleep(1.0)  # let the duplicate deliveries run too
    assert finished["status"] == "succeeded"
    assert finished["attempts"] == 1
    scripts = rows_of(postgres_url, VideoScript, VideoScript.job_id == uuid.UUID(job["id"]))
    assert len(scripts) == 1


def test_worker_killed_mid_job_is_finished_by_another(
    make_stack: Callable[..., Stack], postgres_url: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.configure(latency=4.0)
    stack = make_stack(TASK_TIME_LIMIT_SECONDS="10", JOB_LEASE_SECONDS="12",
                       BROKER_VISIBILITY_TIMEOUT_SECONDS="40", LLM_MAX_ATTEMPTS="1")
    victim = stack.start_worker(name="victim")
    site_id = _lead_and_site(stack, value=100)
    _, job, _ = stack.call("POST", "/api/v1/video-scripts/generate", {"demo_site_id": site_id})

    deadline = time.monotonic() + 20
    while stack.call("GET", f"/api/v1/jobs/{job['id']}")[1]["status"] != "running":
        assert time.monotonic() < deadline, stack.tail_logs()
        time.sleep(0.05)
    stack.kill_worker(victim)
    fake_llm.configure(latency=0.0)

    stack.start_worker(name="rescuer", beat=True)
    finished = stack.wait_for_job(job["id"], timeout=90)
    assert finished["status"] == "succeeded", finished
    assert finished["attempts"] == 2
    assert len(rows_of(postgres_url, VideoScript, VideoScript.job_id == uuid.UUID(job["id"]))) == 1


def test_job_whose_demo_site_vanished_fails_with_a_message(
    make_stack: Callable[..., Stack], postgres_url: str
) -> None:
    stack = make_stack()
    site_id = _lead_and_site(stack, value=100)
    _, job, _ = stack.call("POST", "/api/v1/video-scripts/generate", {"demo_site_id": site_id})
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == uuid.UUID(job["id"]))
                           .values(params={"demo_site_id": 987654, "lead_id": 1}))
    engine.dispose()
    stack.start_worker()
    finished = stack.wait_for_job(job["id"])
    assert finished["status"] == "failed"
    assert finished["error"]["type"] == "demo_site_not_found"
    assert "987654" in finished["error"]["message"]
    assert rows_of(postgres_url, VideoScript, VideoScript.job_id == uuid.UUID(job["id"])) == []


def test_voiceover_runs_on_its_own_queue_and_worker(
    make_stack: Callable[..., Stack], postgres_url: str
) -> None:
    stack = make_stack()
    stack.start_worker(queues="scripts", name="scripts")
    site_id = _lead_and_site(stack, value=100)
    _, job, _ = stack.call("POST", "/api/v1/video-scripts/generate",
                           {"demo_site_id": site_id, "max_duration_seconds": 30})
    script_id = stack.wait_for_job(job["id"])["result"]["script_id"]
    voiceover_job = rows_of(postgres_url, Job, Job.kind == JobKind.VOICEOVER)[0]
    time.sleep(1.0)
    # No voiceover worker yet: the scripts worker must not have taken it.
    assert rows_of(postgres_url, Job, Job.id == voiceover_job.id)[0].status == "queued"

    stack.start_worker(queues="voiceover", name="voiceover", concurrency=2)
    done = stack.wait_for_job(str(voiceover_job.id), timeout=120)
    if done["status"] == "failed":  # no espeak-ng on this machine: the message says so
        assert "espeak-ng" in done["error"]["message"]
        return
    status, manifest, _ = stack.call("GET", f"/api/v1/video-scripts/{script_id}/voiceover")
    assert status == 200
    assert manifest["status"] == "ready"
    scripts_log, voiceover_log = (path.read_text() for path in stack.logs)
    assert "run_voiceover_job[" in voiceover_log  # "Task …run_voiceover_job[id] received"
    assert "run_voiceover_job[" not in scripts_log
