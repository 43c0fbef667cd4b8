"""Each worker's own exporter (``WORKER_METRICS_PORT``) and the queues /metrics measures."""

from __future__ import annotations

import importlib
import logging
import urllib.request
from collections.abc import Callable

import pytest

from shared.config import Settings
from shared.observability.collector import celery_queues
from tests.support.private_services import free_port
from worker.exporter import start_exporter


def test_every_queue_a_task_is_routed_to_is_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/9")
    import worker.celery_app

    conf = importlib.reload(worker.celery_app).app.conf
    routed = {route["queue"] for route in conf.task_routes.values()}
    assert routed | {conf.task_default_queue} <= set(celery_queues())


def test_the_exporter_is_off_unless_a_port_is_set(make_settings: Callable[..., Settings]) -> None:
    assert start_exporter(make_settings()) is None


def test_the_exporter_serves_worker_metrics_and_a_taken_port_is_logged(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(worker_metrics_port=free_port())
    server = start_exporter(settings)
    assert server is not None
    try:
        url = f"http://127.0.0.1:{settings.worker_metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode()
        assert "# TYPE scriptforge_llm_latency_seconds histogram" in body
        assert 'scriptforge_webhook_deliveries_total{outcome="delivered"} ' in body

        with caplog.at_level(logging.ERROR, logger="worker.exporter"):
            assert start_exporter(settings) is None  # the port is taken: logged, not fatal
        assert "WORKER_METRICS_PORT" in caplog.text
    finally:
        server.shutdown()
        server.server_close()
