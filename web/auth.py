"""Authentication and scopes (§11): every request but the public paths carries a key.

A ``before_request`` hook reads ``Authorization: Bearer sf_…``, finds the live key by its
hash and sets ``g.principal`` (see docs/contract.md §11). Without a usable key the answer
is a 401 with ``WWW-Authenticate: Bearer``; with a key lacking the operation's scope, a
403 naming the scope. There is no setting that turns this off.

Each operation declares its scope once, with :func:`requires_scope`, which also writes
the scope into the operation's OpenAPI document (``x-scopes``). An API operation that
declares none is refused (fail closed), and a test asserts that none exists.

The review desk (``/review``, §14) is for browsers, which cannot send a bearer header with
a link or an ``<audio>`` element: its pages authenticate with a signed-in session instead
(``web/review/session.py``), which re-checks the same key and scopes on every request. This
hook leaves exactly those paths to it; every other path still needs a bearer key.

A key has exactly the scopes it was given: ``admin`` is not a superset of the others, so
an administration key cannot, by accident, also approve scripts or spend LLM money.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_smorest import Blueprint, abort

from shared.db.models import ApiKey, Tenant
from shared.db.tenancy import ALL_TENANTS, scope_session
from shared.errors import AuthenticationError
from shared.repositories import api_keys

F = TypeVar("F", bound=Callable[..., Any])

# /metrics is outside the key scheme; METRICS_TOKEN guards it (web/blueprints/metrics.py).
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/api/openapi.json", "/api/docs"})
PUBLIC_PREFIXES = ("/api/docs/",)  # the docs UI's local assets
SESSION_PREFIX = "/review"  # the review desk: browser sessions, see web/review/session.py
SECURITY_SCHEME = "bearerAuth"
_CHALLENGE = 'Bearer realm="scriptforge"'
_NO_SCOPE_NEEDED = frozenset({"OPTIONS"})
TOO_MANY_REQUESTS_DOC: dict[str, Any] = {
    "description": "Too many requests with this API key: RATE_LIMIT on every operation, "
                   "RATE_LIMIT_JOBS as well on those that create jobs. The message names the "
                   "limit; retry after Retry-After seconds.",
    "headers": {"Retry-After": {"description": "Seconds until the limit lets a request in.",
                                "schema": {"type": "integer"}}},
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's tenant, the key, its scopes (never the token itself)."""

    tenant_id: int
    tenant_slug: str
    key_id: int
    key_prefix: str
    scopes: frozenset[str]


def requires_scope(scope: str) -> Callable[[F], F]:
    """Declare the scope an operation needs; documented as ``x-scopes`` and enforced."""
    if scope not in api_keys.SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(func: F) -> F:
        documented: F = Blueprint.doc(**{
            "x-scopes": [scope],
            "responses": {
                "401": {"description": "Missing, unknown or revoked API key."},
                "403": {"description": f"The API key lacks the '{scope}' scope."},
                # Every operation with a scope is authenticated, hence rate limited per key
                # (web/rate_limits.py); documented here so no such operation can miss it.
                "429": copy.deepcopy(TOO_MANY_REQUESTS_DOC),
            },
        })(func)
        documented.required_scope = scope  # type: ignore[attr-defined]
        return documented

    return decorate


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def uses_session(path: str) -> bool:
    """Whether ``path`` belongs to the review desk, which authenticates by session."""
    return path == SESSION_PREFIX or path.startswith(SESSION_PREFIX + "/")


def principal_of(key: ApiKey, tenant: Tenant) -> Principal:
    return Principal(tenant_id=tenant.id, tenant_slug=tenant.slug, key_id=key.id,
                     key_prefix=key.prefix, scopes=frozenset(key.scopes))


def operation_handler(app: Flask, endpoint: str, method: str) -> Callable[..., Any] | None:
    """The function that answers ``method`` on ``endpoint`` (a MethodView's method, or the
    view itself), where decorators such as :func:`requires_scope` leave their marks."""
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    name = "get" if method == "HEAD" else method.lower()
    handler: Callable[..., Any] | None = getattr(view_class, name, None)
    return handler


def declared_scope(app: Flask, endpoint: str, method: str) -> str | None:
    """The scope the view behind ``endpoint`` declares for ``method`` (None: none)."""
    scope: str | None = getattr(operation_handler(app, endpoint, method), "required_scope", None)
    return scope


def _unauthorized(message: str) -> None:
    abort(401, message=message, headers={"WWW-Authenticate": _CHALLENGE})


def _authenticate() -> None:
    if is_public(request.path) or uses_session(request.path):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        _unauthorized("missing API key: send 'Authorization: Bearer sf_…'")
    if scheme.lower() != "bearer" or not token.strip():
        _unauthorized("the Authorization header must be 'Bearer sf_…'")
    from web.db import state  # the app's session factory

    session = scope_session(state().session_factory(), ALL_TENANTS)
    try:
        key, tenant = api_keys.authenticate(session, token.strip())
        g.principal = principal_of(key, tenant)
    except AuthenticationError as error:
        _unauthorized(str(error))
    finally:
        session.close()
    _authorize(g.principal)


def _authorize(principal: Principal) -> None:
    if request.endpoint is None or request.method in _NO_SCOPE_NEEDED:
        return  # unknown path or method: routing answers 404/405 after this
    scope = declared_scope(current_app, request.endpoint, request.method)
    if scope is None:
        abort(403, message="this operation declares no scope, so no key may call it")
    if scope not in principal.scopes:
        abort(403, message=f"this API key lacks the '{scope}' scope this operation needs")


def init_app(app: Flask, api: Any) -> None:
    """Install the hook and declare the bearer scheme (the global ``security`` requirement
    is set in the app's API_SPEC_OPTIONS)."""
    app.before_request(_authenticate)
    api.spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "An API key (sf_…); see `scriptforge keys create`.",
    })
