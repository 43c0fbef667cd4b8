"""``/metrics`` on the embedded app (§13): the token guard, bounded labels, what the
collector reads from the jobs table and the ledger, and scrapes when a source is down.

The same endpoint against Postgres, Redis and real Celery workers is
tests/integration/test_metrics.py; gunicorn's processes, tests/web/test_metrics_multiprocess.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from shared.config import Settings
from shared.db.models import Job, JobKind, JobStatus, LLMCall
from shared.db.types import utcnow
from shared.observability.collector import DeploymentCollector, queue_keys
from shared.observability.instruments import OTHER
from tests.support.private_services import free_port
from tests.web.helpers import keyed_client

TOKEN = "metrics-" + "TestToken" * 3


def scrape(client: FlaskClient, token: str | None = None) -> dict[tuple[str, tuple], float]:
    """Every sample of ``/metrics`` as ``{(name, sorted labels): value}``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return samples(response.get_data(as_text=True))


def samples(body: str) -> dict[tuple[str, tuple], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body) for sample in family.samples}


def value(found: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def guarded_app(make_settings: Callable[..., Settings]) -> Iterator[Flask]:
    from web.app import create_app

    app = create_app(make_settings(metrics_token=TOKEN, metrics_cache_seconds=0))
    yield app
    app.extensions["scriptforge.worker"].shutdown(wait=True)
    app.extensions["scriptforge"].db_engine.dispose()


def test_metrics_token_is_required_when_set(guarded_app: Flask) -> None:
    anonymous = guarded_app.test_client()
    refused = [
        anonymous.get("/metrics"),
        anonymous.get("/metrics", headers={"Authorization": "Bearer wrong-token"}),
        anonymous.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}),
        keyed_client(guarded_app).get("/metrics"),  # an API key is not the metrics token
    ]
    for response in refused:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "METRICS_TOKEN" in response.json["message"]
        assert b"scriptforge_jobs_total" not in response.data
    assert anonymous.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
                         ).status_code == 200


def test_metrics_are_open_without_a_token_and_need_no_api_key(
    anonymous_client: FlaskClient,
) -> None:
    found = scrape(anonymous_client)
    for kind in JobKind:
        assert value(found, "scriptforge_jobs_total", kind=kind.value, status="succeeded") == 0
    assert value(found, "scriptforge_metrics_source_up", source="database") == 1
    # Exported from the start (process-wide: earlier tests' deliveries may have counted).
    assert value(found, "scriptforge_webhook_deliveries_total", outcome="delivered") >= 0


def test_http_requests_are_counted_by_url_rule_never_by_path(
    app: Flask, client: FlaskClient, anonymous_client: FlaskClient
) -> None:
    route = "/api/v1/leads/<id:lead_id>"
    before = scrape(anonymous_client)
    missing_id = 987654321
    for _ in range(3):
        assert client.get(f"/api/v1/leads/{missing_id}").status_code == 404
    assert anonymous_client.get(f"/no/such/path/{missing_id}").status_code == 401
    assert client.open("/healthz", method="BREW").status_code == 405

    after = scrape(anonymous_client)
    key = ("scriptforge_http_requests_total",
           tuple(sorted({"method": "GET", "route": route, "status": "404"}.items())))
    assert after[key] - before.get(key, 0) == 3
    assert value(after, "scriptforge_http_requests_total",
                 method="GET", route="<unmatched>", status="401") >= 1
    assert value(after, "scriptforge_http_requests_total",
                 method="other", route="<unmatched>", status="405") >= 1
    labels = {label for (_name, pairs) in after for _key, label in pairs}
    assert not any(str(missing_id) in label for label in labels), labels


def _add_job(app: Flask, kind: JobKind, status: JobStatus, seconds: float | None) -> uuid.UUID:
    started = utcnow() - timedelta(hours=1)
    job = Job(kind=kind, status=status, params={},
              started_at=started if seconds is not None else None,
              finished_at=started + timedelta(seconds=seconds) if seconds is not None else None)
    with app.extensions["scriptforge"].session_factory() as session:
        session.add(job)
        session.commit()
        return job.id


def _add_call(app: Flask, *, model: str, tier: str, outcome: str, cost: str,
              sequence: int) -> None:
    with app.extensions["scriptforge"].session_factory() as session:
        session.add(LLMCall(job_id=None, attempt=1, sequence=sequence, model=model, tier=tier,
                            purpose="generate", outcome=outcome, prompt_tokens=10,
                            completion_tokens=20, cost_usd=Decimal(cost), cost_source="computed",
                            latency_seconds=0.5, created_at=utcnow()))
        session.commit()


def test_jobs_durations_and_ledger_are_read_from_the_tables(
    app: Flask, anonymous_client: FlaskClient
) -> None:
    settings: Settings = app.extensions["scriptforge"].settings
    _add_job(app, JobKind.GENERATE_SCRIPT, JobStatus.SUCCEEDED, seconds=3)
    _add_job(app, JobKind.GENERATE_SCRIPT, JobStatus.SUCCEEDED, seconds=40)
    _add_job(app, JobKind.VOICEOVER, JobStatus.FAILED, seconds=0.5)
    _add_job(app, JobKind.GENERATE_SCRIPT, JobStatus.QUEUED, seconds=None)
    odd = _add_job(app, JobKind.BATCH, JobStatus.SUCCEEDED, seconds=1)
    with app.extensions["scriptforge"].db_engine.begin() as connection:
        # A kind this code does not know (a newer release wrote it): counted, as "other".
        connection.execute(text("UPDATE jobs SET kind = 'from_the_future' WHERE id = :id"),
                           {"id": odd.hex})
    _add_call(app, model=settings.model_premium, tier="premium", outcome="success",
              cost="0.25", sequence=1)
    _add_call(app, model=settings.model_premium, tier="premium", outcome="transient_error",
              cost="0", sequence=2)
    _add_call(app, model=settings.model_premium, tier="premium", outcome="in_flight",
              cost="0.10", sequence=3)  # an estimate, replaced when the call ends
    _add_call(app, model="someone/unconfigured-model", tier="budget", outcome="success",
              cost="0.01", sequence=4)

    found = scrape(anonymous_client)

    jobs = "scriptforge_jobs_total"
    assert value(found, jobs, kind="generate_script", status="succeeded") == 2
    assert value(found, jobs, kind="voiceover", status="failed") == 1
    assert value(found, jobs, kind="batch", status="succeeded") == 0
    assert value(found, jobs, kind=OTHER, status="succeeded") == 1
    assert value(found, "scriptforge_jobs_unfinished", kind="generate_script",
                 status="queued") == 1
    assert not any(name == jobs and ("status", "queued") in labels for name, labels in found)

    duration = "scriptforge_job_duration_seconds"
    assert value(found, f"{duration}_bucket", kind="generate_script", le="2.5") == 0
    assert value(found, f"{duration}_bucket", kind="generate_script", le="5.0") == 1
    assert value(found, f"{duration}_bucket", kind="generate_script", le="60.0") == 2
    assert value(found, f"{duration}_count", kind="generate_script") == 2
    assert value(found, f"{duration}_sum", kind="generate_script") == pytest.approx(43, abs=0.01)
    assert value(found, f"{duration}_bucket", kind="voiceover", le="1.0") == 1

    calls = "scriptforge_llm_calls_total"
    premium = settings.model_premium
    assert value(found, calls, model=premium, tier="premium", outcome="success") == 1
    assert value(found, calls, model=premium, tier="premium", outcome="transient_error") == 1
    assert value(found, calls, model=OTHER, tier="budget", outcome="success") == 1
    assert not any(name == calls and ("outcome", "in_flight") in labels for name, labels in found)
    cost = "scriptforge_llm_cost_usd_total"
    assert value(found, cost, model=premium, tier="premium") == pytest.approx(0.25)
    assert value(found, cost, model=OTHER, tier="budget") == pytest.approx(0.01)
    models = {dict(labels).get("model") for name, labels in found if name in {calls, cost}}
    assert models <= {settings.model_premium, settings.model_mid, settings.model_budget, OTHER}


def test_a_down_broker_is_reported_not_a_failed_scrape(
    make_settings: Callable[..., Settings],
) -> None:
    from web.app import create_app

    app = create_app(make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    try:
        found = scrape(app.test_client())
    finally:
        app.extensions["scriptforge"].db_engine.dispose()
    assert value(found, "scriptforge_metrics_source_up", source="broker") == 0
    assert value(found, "scriptforge_metrics_source_up", source="database") == 1
    assert not any(name == "scriptforge_queue_depth" for name, _ in found)


def test_one_read_serves_every_scrape_within_the_cache_window(app: Flask) -> None:
    now = [100.0]
    collector = DeploymentCollector(
        session_factory=app.extensions["scriptforge"].session_factory, broker=None,
        key_prefix="", queues=("scripts",), models=(), cache_seconds=10,
        clock=lambda: now[0])

    def succeeded() -> float:
        family = next(f for f in collector.collect() if f.name == "scriptforge_jobs")
        return sum(s.value for s in family.samples
                   if s.labels == {"kind": "generate_script", "status": "succeeded"})

    assert succeeded() == 0
    _add_job(app, JobKind.GENERATE_SCRIPT, JobStatus.SUCCEEDED, seconds=1)
    now[0] += 9.9
    assert succeeded() == 0, "still the cached read"
    now[0] += 0.1
    assert succeeded() == 1


def test_queue_keys_follow_kombu_prefix_and_priority_lists() -> None:
    assert queue_keys("sf-a:", "scripts") == [
        "sf-a:scripts", "sf-a:scripts\x06\x163", "sf-a:scripts\x06\x166", "sf-a:scripts\x06\x169"]
