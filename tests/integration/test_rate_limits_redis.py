"""Rate limits on the real Redis (§11): counts live under the deployment's REDIS_KEY_PREFIX
and are shared by every web process, so a key cannot escape its limit by landing on
another process; a deployment with another prefix counts apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from flask import Flask

from shared.config import Settings
from tests.support.keys import issue_key
from tests.support.runtime import RecordingPublisher
from tests.web.helpers import keyed_client

pytestmark = pytest.mark.integration


@pytest.fixture
def web_process(
    make_settings: Callable[..., Settings], redis_url: str, redis_key_prefix: str,
) -> Iterator[Callable[..., Flask]]:
    """Apps standing for web processes of one deployment: one SQLite file (so one set of
    keys), one Redis, the test's own key prefix unless told otherwise; jobs recorded."""
    from web.app import create_app

    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        values = {"redis_url": redis_url, "redis_key_prefix": redis_key_prefix,
                  "rate_limit_jobs": "2/minute", **overrides}
        app = create_app(make_settings(**values), publisher=RecordingPublisher())
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["scriptforge"].db_engine.dispose()


def test_processes_share_one_count_under_the_deployments_prefix(
    web_process: Callable[..., Flask], redis_url: str, redis_key_prefix: str,
) -> None:
    first, second = web_process(), web_process()
    token = issue_key(first.extensions["scriptforge"].session_factory)
    on_first, on_second = keyed_client(first, token=token), keyed_client(second, token=token)

    assert on_first.post("/api/v1/batches").status_code == 202
    assert on_second.post("/api/v1/batches").status_code == 202
    refused = on_first.post("/api/v1/batches")
    assert refused.status_code == 429, refused.json
    assert "(RATE_LIMIT_JOBS)" in refused.json["message"]
    assert refused.headers["Retry-After"].isdigit()
    assert on_second.post("/api/v1/batches").status_code == 429

    client = redis.Redis.from_url(redis_url)
    try:
        keys = {key.decode() for key in client.scan_iter(match=redis_key_prefix + "*")}
    finally:
        client.close()
    assert keys, "nothing was counted in Redis"
    assert all(key.startswith(f"{redis_key_prefix}ratelimit:") for key in keys), keys
    assert any("/jobs/2/1/minute" in key for key in keys), keys


def test_another_prefix_counts_apart(
    web_process: Callable[..., Flask], redis_key_prefix: str,
) -> None:
    ours = web_process()
    token = issue_key(ours.extensions["scriptforge"].session_factory)
    client = keyed_client(ours, token=token)
    for _ in range(2):
        assert client.post("/api/v1/batches").status_code == 202
    assert client.post("/api/v1/batches").status_code == 429

    # Same database and key id, another deployment's prefix (removed with ours: it starts
    # with it).
    theirs = web_process(redis_key_prefix=redis_key_prefix + "other:")
    assert keyed_client(theirs, token=token).post("/api/v1/batches").status_code == 202
