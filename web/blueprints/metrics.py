"""``GET /metrics``: Prometheus text format for the whole deployment (§13).

Outside the API key scheme (a Prometheus server holds no tenant key): when
``METRICS_TOKEN`` is set the scrape must send it as a bearer token, compared in constant
time; when it is unset the endpoint is open and belongs on a private network.

What one scrape carries:

- figures of the deployment read from the database and the broker at scrape time
  (:class:`shared.observability.collector.DeploymentCollector`): jobs, job durations, the
  ledger's calls and cost, queue depth; whichever process or host did the work;
- figures this web process counted itself (HTTP requests; LLM latency in embedded mode),
  summed over gunicorn's processes via prometheus_client's multiprocess directory when
  ``PROMETHEUS_MULTIPROC_DIR`` is set.

LLM latency and calls in flight of Celery workers come from each worker's own exporter
(``WORKER_METRICS_PORT``); docs/prometheus.yml scrapes both.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from flask import Blueprint, Flask, Response, current_app, request
from flask_smorest import abort
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from shared.config import Settings
from shared.observability.collector import DeploymentCollector, celery_queues
from shared.observability.instruments import configured_models
from web.db import WebState

blp = Blueprint("metrics", __name__)
EXTENSION = "scriptforge.metrics"
_CHALLENGE = 'Bearer realm="scriptforge-metrics"'


class _ThisProcess(Collector):
    """The metrics this process registered globally (single-process mode only)."""

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def init_app(app: Flask, web_state: WebState) -> None:
    """Build this app's registry: the process's own metrics plus the deployment collector."""
    settings = web_state.settings
    registry = CollectorRegistry()
    if settings.prometheus_multiproc_dir:
        MultiProcessCollector(registry, path=settings.prometheus_multiproc_dir)
    else:
        registry.register(_ThisProcess())
    registry.register(DeploymentCollector(
        session_factory=web_state.session_factory,
        broker=web_state.broker,
        key_prefix=settings.redis_key_prefix,
        queues=celery_queues(),
        models=configured_models(settings),
        cache_seconds=settings.metrics_cache_seconds,
    ))
    app.extensions[EXTENSION] = registry
    app.register_blueprint(blp)


@blp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition of the deployment's figures."""
    _check_token(current_app.extensions["scriptforge"].settings)
    registry: CollectorRegistry = current_app.extensions[EXTENSION]
    # The Accept header picks the text format or OpenMetrics, as the worker exporter does.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(registry), content_type=content_type)


def _check_token(settings: Settings) -> None:
    if settings.metrics_token is None:
        return
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        abort(401, message="/metrics needs 'Authorization: Bearer <METRICS_TOKEN>'",
              headers={"WWW-Authenticate": _CHALLENGE})
