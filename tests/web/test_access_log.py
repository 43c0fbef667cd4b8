"""The app's access log: method, route template, status, duration, and tenant/key prefix;
never a key, an e-mail address, a query string or a body (issue 10, item 6)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from shared.config import Settings
from tests.support.keys import issue_key
from tests.web.helpers import SAMPLE

TOKEN = "sf_" + "SecretAccessLogTok3n" * 2
EMAIL = "jane.contact" + "@" + "harbor.example"
QUERY_EMAIL = "query.person" + "@" + "harbor.example"
BODY_MARKER = "Unmistakable" + "BodyText"


@pytest.fixture
def logged_app(make_settings: Callable[..., Settings]) -> Iterator[tuple[Flask, io.StringIO]]:
    """The embedded app logging JSON at INFO, its log handler writing to a buffer."""
    from web.app import create_app

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    app = create_app(make_settings(log_level="INFO", log_json=True))
    (handler,) = root.handlers  # the one configure_logging installed
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield app, buffer
    app.extensions["scriptforge.worker"].shutdown(wait=True)
    app.extensions["scriptforge"].db_engine.dispose()
    root.handlers[:] = handlers
    root.setLevel(level)


def _access_lines(err: str) -> list[dict[str, object]]:
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [record for record in records if record.get("logger") == "web.access"]


def test_the_access_log_names_the_route_never_the_secrets(
    logged_app: tuple[Flask, io.StringIO],
) -> None:
    app, log = logged_app
    token = issue_key(app.extensions["scriptforge"].session_factory)
    client = app.test_client()
    log.seek(0)
    log.truncate(0)
    lead = {**SAMPLE["lead"], "contact_email": EMAIL, "company_name": BODY_MARKER}
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/leads", json=lead, headers=bearer).status_code == 201
    client.get(f"/api/v1/leads?email={QUERY_EMAIL}", headers=bearer)
    client.get(f"/no/such/{QUERY_EMAIL}?email={QUERY_EMAIL}", headers=bearer)
    err = log.getvalue()
    for secret in (token, EMAIL, QUERY_EMAIL, BODY_MARKER, "Bearer", "harbor.example"):
        assert secret not in err, secret
    lines = _access_lines(err)
    assert [(line["method"], line["route"]) for line in lines] == [
        ("POST", "/api/v1/leads"), ("GET", "/api/v1/leads"), ("GET", "<unmatched>"),
    ]
    for line in lines:
        assert isinstance(line["status"], int)
        assert isinstance(line["duration_ms"], float)
        assert set(line) >= {"method", "route", "status", "duration_ms"}
    assert lines[2]["status"] == 404


def test_a_route_with_ids_is_logged_as_its_template(
    logged_app: tuple[Flask, io.StringIO],
) -> None:
    app, log = logged_app
    client = app.test_client()
    log.seek(0)
    log.truncate(0)
    client.get("/api/v1/leads/987654")
    lines = _access_lines(log.getvalue())
    assert lines[-1]["route"] == "/api/v1/leads/<id:lead_id>"
    assert "987654" not in json.dumps(lines)


def test_the_access_log_carries_the_tenant_and_key_prefix(
    logged_app: tuple[Flask, io.StringIO],
) -> None:
    app, log = logged_app
    token = issue_key(app.extensions["scriptforge"].session_factory, tenant="acme",
                      scopes=["read"])
    client = app.test_client()
    log.seek(0)
    log.truncate(0)
    assert client.get("/api/v1/leads",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.get("/api/v1/leads", headers={"Authorization": f"Bearer {TOKEN}"})  # unknown key
    err = log.getvalue()
    known, unknown = _access_lines(err)[-2:]
    prefix = token[: len(known["key"])]
    assert (known["route"], known["status"], known["tenant"]) == ("/api/v1/leads", 200, "acme")
    assert known["key"] == prefix
    assert len(prefix) < len(token)
    assert unknown["status"] == 401
    assert "tenant" not in unknown or unknown["tenant"] is None
    assert token not in err
    assert TOKEN not in err
