"""A broker that is down or hung never holds a request (§4, §6): the job is committed, the
client gets its 202 while the publish is still stuck, a failed publish is handed to the
sweeper, and while the broker is known to be down publishes are not even attempted."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.config import Settings
from shared.db.models import Job
from tests.web.helpers import create_lead_and_site, keyed_client


class SilentBroker:
    """A TCP listener that accepts connections and never answers: a hung Redis (or one
    behind a firewall that swallows replies). ``release()`` drops every connection."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.contacted = threading.Event()
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            self.contacted.set()

    def release(self) -> None:
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()

    def close(self) -> None:
        self.release()
        self._listener.close()


@pytest.fixture
def broker() -> Iterator[SilentBroker]:
    silent = SilentBroker()
    yield silent
    silent.close()


@pytest.fixture
def app_with_broker(
    make_settings: Callable[..., Settings], broker: SilentBroker
) -> Iterator[Flask]:
    from web.app import create_app

    # A long broker timeout: the publish stays stuck until the test releases the broker.
    # The rate limits count in memory, so every connection the broker sees is a publish.
    app = create_app(make_settings(redis_url=broker.url, broker_publish_timeout_seconds=30,
                                   publish_breaker_seconds=600,
                                   rate_limit_storage_url="memory://"))
    yield app
    app.extensions["scriptforge"].db_engine.dispose()


def _job(app: Flask, job_id: str) -> Job:
    with app.extensions["scriptforge"].session_factory() as session:
        job = session.get(Job, uuid.UUID(job_id))
        assert job is not None
        return job


def _wait_until(condition: Callable[[], Any], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_generate_answers_while_the_publish_is_stuck_and_the_sweeper_gets_the_job(
    app_with_broker: Flask, broker: SilentBroker
) -> None:
    client: FlaskClient = keyed_client(app_with_broker)
    _, site_id = create_lead_and_site(client)

    response = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id})

    assert response.status_code == 202
    assert broker.contacted.is_set()  # the publish reached the broker and is waiting on it
    job_id = response.json["id"]
    assert response.json["status"] == "queued"
    # Still in flight: published_at stays set until the publish is known to have failed.
    assert _job(app_with_broker, job_id).published_at is not None
    assert client.get("/healthz").status_code == 200

    broker.release()  # the broker hangs up: the stuck publish fails in the background
    _wait_until(lambda: _job(app_with_broker, job_id).published_at is None,
                "a failed background publish must hand the job to the sweeper")


def test_while_the_broker_is_known_down_publishes_are_not_attempted(
    app_with_broker: Flask, broker: SilentBroker
) -> None:
    client = keyed_client(app_with_broker)
    _, site_id = create_lead_and_site(client)
    first = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id})
    broker.release()
    _wait_until(lambda: _job(app_with_broker, first.json["id"]).published_at is None,
                "the first publish must fail once the broker hangs up")
    contacted = broker.connections

    second = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id})

    assert second.status_code == 202
    # The breaker is open: the publish was refused at once, the job left to the sweeper...
    assert _job(app_with_broker, second.json["id"]).published_at is None
    # ...without another connection to the broker.
    assert broker.connections == contacted


def test_readiness_gives_up_on_a_hung_broker_after_one_try(
    make_settings: Callable[..., Settings], broker: SilentBroker
) -> None:
    from web.app import create_app

    app = create_app(make_settings(redis_url=broker.url, broker_publish_timeout_seconds=0.2))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["message"] == "down: broker"
    # One connection, one timeout: no redis-py retries stacking seconds onto the probe.
    assert broker.connections == 1
    assert app.test_client().get("/healthz").status_code == 200
    app.extensions["scriptforge"].db_engine.dispose()
