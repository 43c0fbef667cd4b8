"""A database outage is a 503 with Retry-After naming the database, and the web recovers
by itself when the database returns (§6, §10). Uses a private Postgres the test stops and
starts, never the machine's own."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable

import fakeredis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shared.config import Settings
from shared.db.migrate import upgrade_to_head
from tests.support.private_services import PrivatePostgres
from tests.support.runtime import RecordingPublisher
from tests.web.helpers import SAMPLE, create_lead_and_site, keyed_client


def _production_app(make_settings: Callable[..., Settings], database_url: str) -> Flask:
    from web.app import create_app

    return create_app(
        make_settings(database_url=database_url, redis_url="redis://broker.invalid:6379/0"),
        publisher=RecordingPublisher(),
        redis_client=fakeredis.FakeRedis(server=fakeredis.FakeServer()),
    )


def _assert_database_unavailable(response: TestResponse) -> None:
    assert response.status_code == 503, response.json
    assert response.headers["Retry-After"].isdigit()
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["code"] == 503
    assert "database is unavailable" in response.json["message"]


def _requests_during_outage(client: FlaskClient, site_id: int) -> list[TestResponse]:
    return [
        client.post("/api/v1/leads", json=SAMPLE["lead"]),
        client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id}),
        client.get(f"/api/v1/jobs/{uuid.uuid4()}"),
        client.get("/api/v1/jobs"),
        client.get("/api/v1/video-scripts"),
    ]


def test_requests_are_503_while_postgres_is_down_and_recover_after(
    make_settings: Callable[..., Settings], private_postgres: PrivatePostgres
) -> None:
    upgrade_to_head(private_postgres.url)
    app = _production_app(make_settings, private_postgres.url)
    client = keyed_client(app)
    _, site_id = create_lead_and_site(client)  # the pool now holds live connections

    private_postgres.stop()
    for response in _requests_during_outage(client, site_id):
        _assert_database_unavailable(response)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["message"] == "down: database"
    assert client.get("/healthz").status_code == 200

    private_postgres.start()
    # No restart of the web: the pre-pinged pool drops the dead connections by itself.
    assert client.post("/api/v1/leads", json=SAMPLE["lead"]).status_code == 201
    generate = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id})
    assert generate.status_code == 202
    assert client.get(f"/api/v1/jobs/{generate.json['id']}").status_code == 200
    app.extensions["scriptforge"].db_engine.dispose()


def test_a_database_that_refuses_connections_is_a_503(
    make_settings: Callable[..., Settings],
) -> None:
    # A bound socket that never listens: every connection attempt is refused at once.
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        port = closed_port.getsockname()[1]
        app = _production_app(
            make_settings, f"postgresql+psycopg://postgres@127.0.0.1:{port}/scriptforge"
        )
        # A well-formed key: checking it needs the database, which is what is down.
        client = keyed_client(app, token="sf_" + "k" * 43)
        for response in _requests_during_outage(client, site_id=1):
            _assert_database_unavailable(response)
        app.extensions["scriptforge"].db_engine.dispose()
