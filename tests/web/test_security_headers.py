"""Security headers on every kind of response (issue 10, item 6).

Status-agnostic on purpose: the assertions hold whatever a route answers (200, 401 once
keys exist, 404, 405, 422), because the headers must be on error responses too.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from web.docs_ui import DOCS_CSP
from web.security_headers import API_CSP

REQUESTS = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/v1/leads"),
    ("GET", "/api/v1/leads/1"),              # 404 (or 401 before that)
    ("DELETE", "/api/v1/jobs"),              # 405
    ("GET", "/api/v1/leads?stauts=failed"),  # 422
    ("POST", "/api/v1/leads"),               # 400/422: no body
    ("GET", "/no/such/path"),                # unmatched route
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_every_api_response_carries_the_security_headers(
    client: FlaskClient, method: str, path: str,
) -> None:
    response = client.open(path, method=method)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == API_CSP
    assert "frame-ancestors 'none'" in API_CSP
    assert headers["Cache-Control"] == "no-store"


def test_an_unhandled_error_still_carries_them(client: FlaskClient) -> None:
    app = client.application
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def _boom() -> None:
        raise RuntimeError("kaput")

    # First of the before_request hooks, so it fails whatever the others (auth) decide.
    app.before_request_funcs.setdefault(None, []).insert(0, _boom)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_docs_page_has_a_policy_that_lets_only_its_own_files_run(
    client: FlaskClient,
) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert policy == DOCS_CSP
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no CDN
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
