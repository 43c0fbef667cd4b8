"""Metrics a process counts in its own memory, as opposed to those read from the database.

Only the process that makes an LLM call knows how long it took and how many are in flight
right now, so these live here, next to nothing but ``prometheus_client``: the script engine
observes them where calls happen (:mod:`shared.llm.provider`), each worker exposes them on
its own exporter (``WORKER_METRICS_PORT``, :mod:`worker.exporter`) and the web process on
``/metrics`` (where they move only in embedded mode, whose worker runs in the web process).

Label values stay bounded: a model outside the configured three is reported as ``other``
(``LLM_ALLOW_MODEL_OVERRIDE`` lets a request name any model), never as the raw name.

Under prefork or gunicorn, prometheus_client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``) keeps one file per process; the gauge sums the live ones.
"""

from __future__ import annotations

from collections.abc import Collection

from prometheus_client import Counter, Gauge, Histogram

from shared.config import Settings

OTHER = "other"

# Seconds: the fake server answers in milliseconds, real providers in 1-60 s, and the
# client gives up after LLM_TIMEOUT_SECONDS (45 by default).
LLM_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 120.0)

LLM_LATENCY = Histogram(
    "scriptforge_llm_latency_seconds",
    "Wall time of one LLM chat call made by this process, failures included.",
    ["model"],
    buckets=LLM_LATENCY_BUCKETS,
)
LLM_IN_FLIGHT = Gauge(
    "scriptforge_llm_calls_in_flight",
    "LLM chat calls this process is waiting on right now.",
    ["model"],
    multiprocess_mode="livesum",
)

#: Outcomes of one webhook delivery attempt (§12); every one is exported from the start.
WEBHOOK_OUTCOMES = ("delivered", "failed", "retrying", "disabled")

#: Counted once per attempt by the process that made it (``shared.webhooks.delivery``):
#: the ``webhooks`` worker's exporter, or the web's ``/metrics`` in embedded mode. The
#: attempts are also in ``webhook_attempts`` for whoever wants deployment-wide figures.
WEBHOOK_DELIVERIES = Counter(
    "scriptforge_webhook_deliveries",
    "Webhook delivery attempts by outcome.",
    ["outcome"],
)
for _outcome in WEBHOOK_OUTCOMES:
    WEBHOOK_DELIVERIES.labels(outcome=_outcome)


def bounded(value: str, allowed: Collection[str]) -> str:
    """``value`` if it is one of ``allowed``, else ``other``: a label never grows unbounded."""
    return value if value in allowed else OTHER


def configured_models(settings: Settings) -> frozenset[str]:
    """The model names an operator configured, the only ones used as label values."""
    return frozenset({settings.model_premium, settings.model_mid, settings.model_budget})


def webhook_outcome(outcome: str) -> str:
    return bounded(outcome, WEBHOOK_OUTCOMES)
