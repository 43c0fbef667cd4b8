"""Signing in to the review desk with an API key, and who is signed in (§11, §14).

The cookie (Flask's signed session) holds the key's id and tenant, never the token. Every
request looks the key up again, as the API's bearer check does: a revoked key ends the
session at once, and scopes are the key's current ones. The principal is the API's
:class:`~web.auth.Principal`, so ``web.db.get_session`` scopes the request's database
session to the same tenant and the access log names the same tenant and key prefix.
"""

from __future__ import annotations

from flask import g, session

from shared.db.tenancy import ALL_TENANTS, scope_session
from shared.errors import AuthenticationError, MissingScopeError
from shared.repositories import api_keys
from web.auth import Principal, principal_of
from web.db import state

_KEY_ID = "key_id"
_TENANT_ID = "tenant_id"
#: Reading is what the desk is for; a key without it cannot sign in.
SIGN_IN_SCOPE = "read"


def sign_in(token: str) -> Principal:
    """Check ``token`` like a bearer key and start a session for it (no token is kept).

    Raises AuthenticationError (unknown, malformed, revoked) or MissingScopeError.
    """
    database = scope_session(state().session_factory(), ALL_TENANTS)
    try:
        key, tenant = api_keys.authenticate(database, token.strip())
        principal = principal_of(key, tenant)
    finally:
        database.close()
    if SIGN_IN_SCOPE not in principal.scopes:
        raise MissingScopeError(SIGN_IN_SCOPE)
    session.clear()  # nothing from before signing in carries over (a new CSRF token too)
    session[_KEY_ID] = principal.key_id
    session[_TENANT_ID] = principal.tenant_id
    g.principal = principal
    return principal


def sign_out() -> None:
    session.clear()


def signed_in() -> Principal | None:
    """The live principal of this request's session, or None (the session is then cleared)."""
    key_id, tenant_id = session.get(_KEY_ID), session.get(_TENANT_ID)
    if not isinstance(key_id, int) or not isinstance(tenant_id, int):
        return None
    database = scope_session(state().session_factory(), ALL_TENANTS)
    try:
        key, tenant = api_keys.live_key(database, key_id, tenant_id)
        principal = principal_of(key, tenant)
    except AuthenticationError:
        session.clear()
        return None
    finally:
        database.close()
    g.principal = principal
    return principal


def current() -> Principal:
    principal: Principal = g.principal
    return principal


def can(scope: str) -> bool:
    principal: Principal | None = g.get("principal")
    return principal is not None and scope in principal.scopes


def require(scope: str) -> None:
    """Refuse the action (a 403 page naming the scope) unless the key has ``scope``."""
    if not can(scope):
        raise MissingScopeError(scope)
