"""Schemathesis over the whole OpenAPI document (§6, §10): no server error and no response
that breaks the documented schema, with every built-in check, on SQLite (the embedded app
with its in-process worker) and on Postgres (jobs recorded, not run).

Bounded for CI by ``MAX_EXAMPLES`` per operation: 25 operations x 2 databases. Measured on
two shared cores: 100 examples 43 s, 150 examples 60 s, 200 examples 73 s, both databases
together.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from shared.config import load_settings
from tests.support.keys import ALL_SCOPES, TEST_SECRET_KEY, bearer, issue_key
from tests.support.runtime import RecordingPublisher

MAX_EXAMPLES = 150

# - NUL characters are refused with a 422 (§6: Postgres cannot store them), a rule JSON
#   Schema cannot state next to the other patterns, so schema-valid strings exclude them
#   (tests/web/test_hostile_input.py covers NUL and lone surrogates by hand).
# - Some 422s depend on stored data or configuration, not on the request's shape: the
#   generate request's lead_id must be the demo site's lead and `model` needs
#   LLM_ALLOW_MODEL_OVERRIDE; a section index must lie inside the stored script; the
#   reports' `since` must not be after `until` (a rule between two parameters, which JSON
#   Schema cannot state); a webhook URL must be https on a public address unless
#   WEBHOOK_ALLOW_PRIVATE (known only after DNS). A schema-valid request may meet them, so
#   422 is an accepted answer there (only there).
DATA_DEPENDENT_422 = (
    "^/api/v1/(video-scripts/(generate|{script_id}/section/{section_index})|costs|stats"
    "|webhooks)$"
)
CONFIG = SchemathesisConfig.from_str(f"""
[generation]
allow-x00 = false
max-examples = {MAX_EXAMPLES}

[[operations]]
include-path-regex = "{DATA_DEPENDENT_422}"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx",
]
""")


def _openapi_document() -> dict[str, Any]:
    """The document the app serves; built without touching a database."""
    from web.app import create_app

    app = create_app(load_settings(database_url="sqlite://", log_level="WARNING",
                                   secret_key=TEST_SECRET_KEY),
                     publisher=RecordingPublisher())
    with app.test_client() as client:
        document: dict[str, Any] = client.get("/api/openapi.json").json
    app.extensions["scriptforge"].db_engine.dispose()
    return document


schema = schemathesis.openapi.from_dict(_openapi_document(), config=CONFIG)


@pytest.fixture(params=["sqlite", "postgres"], scope="module")
def api_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    from web.app import create_app

    tmp = tmp_path_factory.mktemp(request.param)
    base = {"var_dir": tmp / "var", "storage_dir": tmp / "audio", "log_level": "CRITICAL",
            "sweeper_interval_seconds": 3600}
    if request.param == "sqlite":
        app = create_app(load_settings(**base))
    else:
        url = request.getfixturevalue("postgres_database")
        app = create_app(load_settings(database_url=url, secret_key=TEST_SECRET_KEY, **base),
                         publisher=RecordingPublisher())
    yield app
    worker = app.extensions.get("scriptforge.worker")
    if worker is not None:
        worker.shutdown(wait=True)
    app.extensions["scriptforge"].db_engine.dispose()


# schemathesis' WSGI transport reads a response but never closes it (transport/wsgi.py), so
# a WAV sent with send_file leaves its file open until garbage collection; a WSGI server
# closes the iterable, so this is the harness's leak, not the app's.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, api_app: Flask) -> None:
    # No `checks=`: every built-in check schemathesis enables by default runs.
    # A fresh key per case: the API may revoke keys (DELETE /api-keys/{id}), the caller's own
    # included, and a revoked key would turn the remaining cases into 401s.
    # Checks that send probes of their own (ignored_auth: the same request without the key)
    # use the schema's transport, which is WSGI only when the schema knows the app.
    case.operation.schema.app = api_app
    token = issue_key(api_app.extensions["scriptforge"].session_factory, scopes=ALL_SCOPES)
    # Schemathesis writes a (random) Authorization header into every case the bearer scheme
    # covers; a negative case that leaves it out tests the 401, so it gets no key either.
    sends_key = "authorization" in {name.lower() for name in (case.headers or {})}
    case.call_and_validate(app=api_app, headers=bearer(token) if sends_key else None)
