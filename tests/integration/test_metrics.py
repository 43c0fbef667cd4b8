"""``/metrics`` after real jobs ran through real Celery worker processes (§13).

The web process counts nothing of the workers' work in memory: jobs, the ledger and queue
depth are read from Postgres and Redis when scraped, so the counters must move by exactly
the jobs run. The worker's own exporter (``WORKER_METRICS_PORT``) answers with the LLM
latency histogram of the calls that worker made.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.db.models import JobKind, LLMCall
from shared.observability.collector import celery_queues
from shared.observability.instruments import OTHER
from tests.integration.conftest import Stack
from tests.support.fake_openai import FakeOpenAI
from tests.support.private_services import free_port
from tests.support.rows import rows_of

pytestmark = pytest.mark.integration

TOKEN = "scrape-" + "IntegrationTok3n" * 2
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(body: str) -> Samples:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body) for sample in family.samples}


def scrape(url: str, token: str | None = TOKEN) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                timeout=10) as response:
        assert response.status == 200
        return parse(response.read().decode())


def series(found: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: value for (sample, labels), value in found.items() if sample == name}


def delta(before: Samples, after: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Per-series increase of ``name``; series that did not move are left out."""
    old = series(before, name)
    moved = {labels: value - old.get(labels, 0.0) for labels, value in series(after, name).items()}
    return {labels: change for labels, change in moved.items() if change}


def labels(**pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs.items()))


EMPTY_QUEUES = {labels(queue=queue): 0 for queue in celery_queues()}



def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_metrics_move_by_exactly_the_jobs_real_workers_ran(
    make_stack: Callable[..., Stack], postgres_url: str, fake_llm: FakeOpenAI
) -> None:
    worker_port = free_port()
    stack = make_stack(METRICS_TOKEN=TOKEN, METRICS_CACHE_SECONDS="0",
                       WORKER_METRICS_PORT=str(worker_port))
    web_metrics = f"{stack.base_url}/metrics"
    budget_model = stack.settings.model_budget
    site_id = stack.create_site()
    before = scrape(web_metrics)
    assert series(before, "scriptforge_queue_depth") == EMPTY_QUEUES
    assert set(EMPTY_QUEUES) >= {labels(queue="scripts"), labels(queue="voiceover"),
                                 labels(queue="webhooks")}

    # No worker yet: the job waits in the scripts queue, under this test's key prefix.
    first = stack.start_generation(site_id)
    _wait_for(lambda: series(scrape(web_metrics), "scriptforge_queue_depth")
              [labels(queue="scripts")] == 1, "the queued job shows in scripts' depth")
    waiting = scrape(web_metrics)
    assert delta(before, waiting, "scriptforge_jobs_unfinished") == {
        labels(kind="generate_script", status="queued"): 1}

    stack.start_worker()
    second = stack.start_generation(site_id)
    for job_id in (first, second):
        assert stack.wait_for_job(job_id)["status"] == "succeeded"
        assert stack.call("GET", f"/api/v1/jobs/{job_id}")[0] == 200
    after = scrape(web_metrics)

    assert delta(before, after, "scriptforge_jobs_total") == {
        labels(kind=JobKind.GENERATE_SCRIPT.value, status="succeeded"): 2}
    assert delta(before, after, "scriptforge_job_duration_seconds_count") == {
        labels(kind="generate_script"): 2}
    assert series(after, "scriptforge_queue_depth") == EMPTY_QUEUES
    assert all(value == 0 for value in series(after, "scriptforge_jobs_unfinished").values())

    ledger = rows_of(postgres_url, LLMCall)
    assert ledger
    assert len(ledger) == len(fake_llm.chat_requests)
    expected_calls = Counter(labels(model=row.model, tier=row.tier, outcome=row.outcome)
                             for row in ledger)
    assert delta(before, after, "scriptforge_llm_calls_total") == dict(expected_calls)
    assert {dict(key)["model"] for key in expected_calls} == {budget_model}
    cost = delta(before, after, "scriptforge_llm_cost_usd_total")
    assert cost.keys() == {labels(model=budget_model, tier="budget")}
    assert Decimal(str(cost[labels(model=budget_model, tier="budget")])) == pytest.approx(
        sum(row.cost_usd for row in ledger))
    assert series(after, "scriptforge_metrics_source_up") == {
        labels(source="database"): 1, labels(source="broker"): 1}

    # HTTP requests are counted by URL rule: no job id in any label value.
    job_route = labels(method="GET", route="/api/v1/jobs/<uuid:job_id>", status="200")
    assert delta(before, after, "scriptforge_http_requests_total")[job_route] >= 4
    label_values = {value for (_name, pairs) in after for _key, value in pairs}
    assert not any(UUID.search(value) for value in label_values), label_values
    assert not any(job_id in value for value in label_values for job_id in (first, second))
    assert {dict(key)["kind"] for key in series(after, "scriptforge_jobs_total")} <= {
        *(kind.value for kind in JobKind), OTHER}

    # The worker's own exporter: LLM latency of the calls that worker made, none in flight.
    worker = scrape(f"http://127.0.0.1:{worker_port}/metrics", token=None)
    assert series(worker, "scriptforge_llm_latency_seconds_count") == {
        labels(model=budget_model): len(ledger)}
    assert series(worker, "scriptforge_llm_latency_seconds_bucket")[
        labels(model=budget_model, le="+Inf")] == len(ledger)
    assert series(worker, "scriptforge_llm_calls_in_flight") == {labels(model=budget_model): 0}


def test_metrics_refuse_a_scrape_without_the_token(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(METRICS_TOKEN=TOKEN)
    for token in (None, "not-the-token", stack.token):  # the last one is an API key
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(f"{stack.base_url}/metrics", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401, token
        assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")
    assert scrape(f"{stack.base_url}/metrics")  # the right token: 200 with samples
