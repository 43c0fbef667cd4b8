"""``scriptforge_http_requests_total{method,route,status}``, counted by the web process.

``route`` is the URL rule (``/api/v1/leads/<id:lead_id>``), never the path: a path carries
ids, and one series per id would grow without bound. Unknown paths count as
``<unmatched>`` and unusual methods as ``other``, so every label has a small fixed set of
values. Counted on Flask's ``request_finished`` signal, like the access log, so refused
requests (401, 413) and error responses count too.

Under gunicorn each worker process counts in its own file of prometheus_client's
multiprocess directory (``PROMETHEUS_MULTIPROC_DIR``) and ``/metrics`` sums them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request, request_finished
from prometheus_client import Counter

from shared.observability.instruments import bounded
from web.access_log import UNMATCHED_ROUTE

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "scriptforge_http_requests",
    "HTTP requests answered by the web process, by method, URL rule and status.",
    ["method", "route", "status"],
)


def install_http_metrics(app: Flask) -> None:
    request_finished.connect(_count, app)


def _count(sender: Flask, response: Response, **_: Any) -> None:
    rule = request.url_rule
    HTTP_REQUESTS.labels(
        method=bounded(request.method, METHODS),
        route=rule.rule if rule is not None else UNMATCHED_ROUTE,
        status=str(response.status_code),
    ).inc()
