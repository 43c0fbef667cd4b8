"""Rate limits per API key (§11), enforced by flask-limiter.

Two limits, both counted per key (``g.principal.key_id``, set by the authentication hook in
web/auth.py, which runs first):

- ``RATE_LIMIT`` (600/minute): every authenticated request, all routes together, so a
  runaway integrator cannot spread its load over many routes.
- ``RATE_LIMIT_JOBS`` (120/minute): in addition, the operations that create jobs and so
  spend LLM and TTS money. They carry :func:`creates_job`.

Requests without a principal are never counted here: the public paths (health, docs)
need no key, and a request whose key was refused was answered with a 401 before this
hook runs. A key's requests to unknown routes count against ``RATE_LIMIT`` too.

The window is a fixed one that starts at the key's first counted request and lasts the
limit's period ("fixed-window" in ``limits``): one counter with a time-to-live per key and
limit (an INCR in Redis), and a process-memory sweep that stays cheap with thousands of
keys. The price is that a client can fit up to twice the limit around the moment one
window ends and the next begins. A moving window would refuse "121 in any 60 seconds"
exactly, but keeps every timestamp (a Redis list of up to the limit's size per key and
limit) and its memory sweep costs about 40 times more per pass (docs/benchmarks.md); the
sliding-window counter is cheap but its windows follow the clock, so 120 requests just
before a minute turns count only in part against the next ones.

Storage: Redis when the deployment has one (``REDIS_URL``; keys under
``REDIS_KEY_PREFIX`` + ``ratelimit:``, so deployments and test runs sharing a Redis keep
apart), shared by every web process; process memory when embedded (one process anyway).

When the Redis storage fails, the limiter falls back to process memory with the same
limits (``in_memory_fallback_enabled``) and looks at Redis again with an exponential
backoff (1, 2, 4 … 32 s), returning to it once it answers. That choice, against the
alternatives:

- failing the request (the library's default, an exception and a 500) would take the API
  down for an outage of a store that only holds counters, while Postgres and the workers
  are fine;
- swallowing the error alone (fail open) would drop every limit exactly while the system
  is degraded, and every request would still try Redis and log a traceback;
- the memory fallback keeps a limit (per web process, so looser by the number of
  processes) and costs one failed Redis call per backoff step, bounded by the same short
  timeouts the web uses for its broker (``BROKER_PUBLISH_TIMEOUT_SECONDS``, no redis-py
  retries), so a hung Redis cannot hold requests either.

``swallow_errors`` is on as well, so a failure in the fallback path itself is logged and
the request served rather than turned into a 500.

Beyond a limit the answer is a 429 in flask-smorest's error shape, with ``Retry-After``
(seconds) and a message naming the limit and its setting.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from redis.backoff import NoBackoff
from redis.retry import Retry

from shared.config import Settings
from web.auth import operation_handler

F = TypeVar("F", bound=Callable[..., Any])

EXTENSION = "scriptforge.limiter"
STRATEGY = "fixed-window"
ALL_REQUESTS_SCOPE = "api"
JOBS_SCOPE = "jobs"
_SETTING_OF_SCOPE = {ALL_REQUESTS_SCOPE: "RATE_LIMIT", JOBS_SCOPE: "RATE_LIMIT_JOBS"}
_UNROUTED = "<unrouted>"  # counts a key's requests to unknown routes as well

log = logging.getLogger(__name__)


def creates_job(func: F) -> F:
    """Mark an operation that creates a job: ``RATE_LIMIT_JOBS`` applies to it as well."""
    func.creates_job = True  # type: ignore[attr-defined]
    return func


def install_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Install the per-key limits on ``app``; call after ``auth.init_app`` (hook order)."""
    limiter = Limiter(
        _caller_key,
        application_limits=[
            ApplicationLimit(settings.rate_limit, scope=ALL_REQUESTS_SCOPE),
            ApplicationLimit(settings.rate_limit_jobs, scope=JOBS_SCOPE,
                             exempt_when=lambda: not _creates_job()),
        ],
        strategy=STRATEGY,
        storage_uri=_storage_uri(settings),
        storage_options=_storage_options(settings),
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,  # X-RateLimit-* would cost a storage read on every response
        request_identifier=lambda: request.endpoint or _UNROUTED,
    )
    limiter.request_filter(_without_principal)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    return limiter


def _storage_uri(settings: Settings) -> str:
    return settings.rate_limit_storage_url or settings.redis_url or "memory://"


def _storage_options(settings: Settings) -> dict[str, Any]:
    if not _storage_uri(settings).startswith(("redis://", "rediss://")):
        return {}
    timeout = settings.broker_publish_timeout_seconds
    return {
        "key_prefix": f"{settings.redis_key_prefix}ratelimit",
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        # One try: the limiter's own fallback and backoff decide what happens next.
        "retry": Retry(NoBackoff(), 0),
    }


def _without_principal() -> bool:
    return g.get("principal") is None


def _caller_key() -> str:
    return f"key-{g.principal.key_id}"


def _creates_job() -> bool:
    if request.endpoint is None:
        return False
    handler = operation_handler(current_app, request.endpoint, request.method)
    return bool(getattr(handler, "creates_job", False))


def _too_many_requests(error: RateLimitExceeded
                       ) -> tuple[dict[str, Any], int, dict[str, str]]:
    limit = error.limit
    retry_after = _retry_after_seconds(limit.limit.get_expiry())
    setting = _SETTING_OF_SCOPE.get(str(limit.scope), "RATE_LIMIT")
    body = {
        "code": 429, "status": "Too Many Requests",
        "message": f"rate limit exceeded: {limit.limit} for this API key ({setting}); "
                   f"retry in {retry_after} seconds",
    }
    return body, 429, {"Retry-After": str(retry_after)}


def _retry_after_seconds(window_seconds: int) -> int:
    """Seconds until the breached limit's window ends and admits requests again; the
    whole period if the storage cannot say."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    breached = limiter.current_limit
    if breached is None:
        return window_seconds
    try:
        reset_at = breached.window[0]
    except Exception:  # the storage failed between the check and now; the bound holds
        log.warning("rate limit storage did not answer for Retry-After", exc_info=True)
        return window_seconds
    return max(1, min(window_seconds, math.ceil(reset_at - time.time())))
