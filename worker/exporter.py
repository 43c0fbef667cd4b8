"""Each Celery worker's own Prometheus exporter (``WORKER_METRICS_PORT``; 0 or unset: off).

The web's ``/metrics`` reads jobs, the ledger and the queues from the database and the
broker, but only the process that makes an LLM call knows its latency and how many calls
are in flight right now (``shared.observability.instruments``). Each worker serves those
on its own port, for Prometheus to scrape next to the web (docs/prometheus.yml).

Pools: with the threads pool (the default here) the worker is one process and its own
registry holds everything. With prefork, the children count in prometheus_client's
multiprocess directory: set ``PROMETHEUS_MULTIPROC_DIR`` (a directory of this worker's
own, emptied before it starts) and the exporter, started in the parent before the pool
forks, sums the children's files; a child that exits is marked dead so its in-flight
gauge stops counting.

The exporter has no authentication: keep the port on the private network Prometheus
scrapes from.
"""

from __future__ import annotations

import logging
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

import shared.observability.instruments  # noqa: F401  (declares the worker's metrics)
from shared.config import Settings

log = logging.getLogger(__name__)


def start_exporter(settings: Settings) -> WSGIServer | None:
    """Serve this worker's metrics on ``WORKER_METRICS_PORT``; the server, or None if off.

    A port already taken is logged, not fatal: a worker without its exporter still runs
    jobs, and the error names the variable to fix.
    """
    port = settings.worker_metrics_port
    if not port:
        return None
    registry: Collector = REGISTRY
    if settings.prometheus_multiproc_dir:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=settings.prometheus_multiproc_dir)
    try:
        server, _thread = start_http_server(port, registry=registry)
    except OSError:
        log.exception("WORKER_METRICS_PORT: cannot serve worker metrics on this port",
                      extra={"port": port})
        return None
    log.info("worker metrics exporter listening", extra={"port": port})
    return server


def forget_child(settings: Settings, pid: int | None) -> None:
    """A prefork child exited: its live gauges (calls in flight) no longer count."""
    if settings.prometheus_multiproc_dir and pid is not None:
        mark_process_dead(pid, path=settings.prometheus_multiproc_dir)
