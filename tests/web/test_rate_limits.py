"""Rate limits per API key (§11): RATE_LIMIT on every authenticated request, RATE_LIMIT_JOBS
on top for the operations that create jobs; beyond them a 429 with Retry-After. Storage is
process memory here (embedded: no REDIS_URL); tests/integration/test_rate_limits_redis.py
covers Redis, and the outage test below a private Redis that goes away.

Jobs are recorded, not run (RecordingPublisher), so a hundred job POSTs stay cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from werkzeug.test import TestResponse

from shared.config import Settings
from tests.support.private_services import PrivateRedis
from tests.support.runtime import RecordingPublisher
from tests.web.helpers import keyed_client
from tests.web.test_broker_outage import SilentBroker

_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
JOB_OPERATIONS = {
    ("POST", "/api/v1/video-scripts/generate"),
    ("PUT", "/api/v1/video-scripts/{script_id}/section/{section_index}"),
    ("POST", "/api/v1/video-scripts/{script_id}/voiceover"),
    ("POST", "/api/v1/batches"),
}


@pytest.fixture
def build_app(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Flask]]:
    """Apps whose jobs are recorded by ``app.extensions["test.publisher"]``, not run."""
    from web.app import create_app

    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        publisher = RecordingPublisher()
        app = create_app(make_settings(**overrides), publisher=publisher)
        app.extensions["test.publisher"] = publisher
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["scriptforge"].db_engine.dispose()


def _assert_limited(response: TestResponse, limit: str, setting: str) -> None:
    assert response.status_code == 429, response.json
    assert response.json["code"] == 429
    assert response.json["status"] == "Too Many Requests"
    assert limit in response.json["message"]
    assert f"({setting})" in response.json["message"]
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 60


def test_121st_job_post_in_a_minute_is_429_while_other_keys_go_on(
    build_app: Callable[..., Flask],
) -> None:
    app = build_app()
    runaway = keyed_client(app)
    colleague = keyed_client(app)  # another key of the same tenant
    stranger = keyed_client(app, tenant="other")
    publisher: RecordingPublisher = app.extensions["test.publisher"]

    for _ in range(120):
        assert runaway.post("/api/v1/batches").status_code == 202
    refused = runaway.post("/api/v1/batches")
    _assert_limited(refused, "120 per 1 minute", "RATE_LIMIT_JOBS")
    assert len(publisher.published) == 120  # the refused POST created no job

    assert runaway.get("/api/v1/jobs").status_code == 200  # reads have 480 left
    assert colleague.post("/api/v1/batches").status_code == 202
    assert stranger.post("/api/v1/batches").status_code == 202
    assert len(publisher.published) == 122


def test_601st_request_is_429_counting_every_route(build_app: Callable[..., Flask]) -> None:
    app = build_app()
    client = keyed_client(app)
    paths = ["/api/v1/leads", "/api/v1/jobs", "/api/v1/video-scripts", "/api/v1/nowhere"]
    for index in range(600):
        response = client.get(paths[index % len(paths)])
        assert response.status_code in {200, 404}, response.json
    _assert_limited(client.get("/api/v1/leads"), "600 per 1 minute", "RATE_LIMIT")
    _assert_limited(client.post("/api/v1/batches"), "600 per 1 minute", "RATE_LIMIT")
    assert keyed_client(app).get("/api/v1/leads").status_code == 200


def test_job_posts_count_against_both_limits(build_app: Callable[..., Flask]) -> None:
    app = build_app(rate_limit="3/minute", rate_limit_jobs="10/minute")
    client = keyed_client(app)
    for _ in range(3):
        assert client.post("/api/v1/batches").status_code == 202
    _assert_limited(client.post("/api/v1/batches"), "3 per 1 minute", "RATE_LIMIT")


def test_public_paths_and_refused_keys_are_not_counted(build_app: Callable[..., Flask]) -> None:
    app = build_app(rate_limit="2/minute")
    client = keyed_client(app)
    anonymous = app.test_client()
    for _ in range(5):
        for path in ("/healthz", "/readyz", "/api/openapi.json", "/api/docs"):
            assert client.get(path).status_code == 200, path
            assert anonymous.get(path).status_code == 200, path
        assert anonymous.get("/api/v1/leads").status_code == 401
    assert client.get("/api/v1/leads").status_code == 200
    assert client.get("/api/v1/leads").status_code == 200
    assert client.get("/api/v1/leads").status_code == 429


def test_limited_operations_document_429(build_app: Callable[..., Flask]) -> None:
    from web.auth import operation_handler

    app = build_app()
    document = app.test_client().get("/api/openapi.json").json
    operations = [(method.upper(), path, operation)
                  for path, item in document["paths"].items()
                  for method, operation in item.items() if method in _HTTP_METHODS]
    assert operations
    for method, path, operation in operations:
        assert operation["x-scopes"], (method, path)
        too_many = operation["responses"]["429"]
        assert "RATE_LIMIT" in too_many["description"], (method, path)
        assert "Retry-After" in too_many["headers"], (method, path)

    marked = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            handler = operation_handler(app, rule.endpoint, method)
            if getattr(handler, "creates_job", False):
                path = rule.rule.replace("<id:", "{").replace("<signed_index:", "{")
                marked.add((method, path.replace(">", "}")))
    assert marked == JOB_OPERATIONS


# --- the Redis storage goes away ----------------------------------------------------------

def _redis_keys(server: PrivateRedis, prefix: str) -> list[bytes]:
    client = redis.Redis.from_url(server.url)
    try:
        return list(client.scan_iter(match=prefix + "*"))
    finally:
        client.close()


def test_limiter_storage_outage_falls_back_to_memory_and_recovers(
    build_app: Callable[..., Flask], private_redis: PrivateRedis,
) -> None:
    prefix = "sf-limits-outage:"
    app = build_app(redis_url=private_redis.url, redis_key_prefix=prefix,
                    rate_limit_jobs="3/minute")
    client = keyed_client(app)
    assert client.post("/api/v1/batches").status_code == 202
    assert any(key.startswith(f"{prefix}ratelimit:".encode())
               for key in _redis_keys(private_redis, prefix))

    private_redis.stop()
    # No 500: the limiter counts in process memory, with the same limits, from zero.
    during = [client.post("/api/v1/batches") for _ in range(4)]
    assert [r.status_code for r in during] == [202, 202, 202, 429], [r.json for r in during]
    _assert_limited(during[-1], "3 per 1 minute", "RATE_LIMIT_JOBS")
    assert client.get("/api/v1/jobs").status_code == 200

    private_redis.start()  # empty: no persistence
    # The limiter looks at Redis again after a backoff (1 s, then 2 s, …) and counts
    # there once it answers; reads show it without spending the job limit.
    deadline = time.monotonic() + 30
    while not _redis_keys(private_redis, prefix):
        assert client.get("/api/v1/jobs").status_code == 200
        assert time.monotonic() < deadline, "the limiter never went back to Redis"
        time.sleep(0.1)
    # Back on Redis the job count starts afresh from what Redis holds (nothing).
    assert client.post("/api/v1/batches").status_code == 202


def test_hung_limiter_storage_does_not_hold_requests(build_app: Callable[..., Flask]) -> None:
    """A Redis that accepts connections and never answers: the storage call gives up after
    BROKER_PUBLISH_TIMEOUT_SECONDS (one try) and the limiter falls back to memory."""
    broker = SilentBroker()
    try:
        app = build_app(redis_url=broker.url, broker_publish_timeout_seconds=0.2,
                        rate_limit_jobs="2/minute")
        client = keyed_client(app)
        statuses = [client.post("/api/v1/batches").status_code for _ in range(3)]
        assert broker.contacted.is_set()
        assert statuses == [202, 202, 429]
    finally:
        broker.close()
