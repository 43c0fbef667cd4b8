"""One structured access-log line per request, written by the app (not gunicorn).

gunicorn's access log prints the raw request line, so a query string such as
``?email=jane@…`` and anything a format adds (headers) end up in the log. This log
records only what is safe and useful: the method, the route *template*
(``/api/v1/leads/<id:lead_id>``, never the path with its ids or the query string), the
status, the duration, and who called: ``tenant`` and ``key`` (the key's display prefix)
from ``flask.g.principal`` once authentication has run. Never the ``Authorization``
header, a body, or a query string.

The clock starts on Flask's ``request_started`` signal and the line is written on
``request_finished``, so a request refused by an earlier ``before_request`` hook (a 401, a
413) is still logged with its duration, and so are error responses.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request, request_finished, request_started

log = logging.getLogger("web.access")

UNMATCHED_ROUTE = "<unmatched>"
_MAX_METHOD_LENGTH = 16


def install_access_log(app: Flask) -> None:
    """Log every request of ``app`` to the ``web.access`` logger at INFO."""
    request_started.connect(_start, app)
    request_finished.connect(_finish, app)


def _start(sender: Flask, **_: Any) -> None:
    g.access_log_started = time.perf_counter()


def _finish(sender: Flask, response: Response, **_: Any) -> None:
    started = g.get("access_log_started")
    rule = request.url_rule
    fields: dict[str, Any] = {
        "method": request.method[:_MAX_METHOD_LENGTH],
        "route": rule.rule if rule is not None else UNMATCHED_ROUTE,
        "status": response.status_code,
        "duration_ms": (round((time.perf_counter() - started) * 1000, 1)
                        if started is not None else None),
    }
    principal = g.get("principal")
    if principal is not None:
        fields["tenant"] = principal.tenant_slug
        fields["key"] = principal.key_prefix
    log.info("request", extra=fields)
