"""/readyz names the component that is down (broker faked with fakeredis: honest here,
since what is under test is the probe's handling of a reachable vs unreachable Redis)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import fakeredis
import pytest
from flask import Flask

from shared.config import Settings
from tests.support.runtime import RecordingPublisher


@pytest.fixture
def broker_server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def production_like_app(
    make_settings: Callable[..., Settings], broker_server: fakeredis.FakeServer
) -> Iterator[Flask]:
    from web.app import create_app

    app = create_app(
        make_settings(redis_url="redis://broker.invalid:6379/0"),
        publisher=RecordingPublisher(),
        redis_client=fakeredis.FakeRedis(server=broker_server),
    )
    yield app
    app.extensions["scriptforge"].db_engine.dispose()


def test_ready_when_database_and_broker_answer(production_like_app: Flask) -> None:
    response = production_like_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "broker": "ok"}


def test_503_names_the_broker_when_it_is_down(
    production_like_app: Flask, broker_server: fakeredis.FakeServer
) -> None:
    broker_server.connected = False
    response = production_like_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["message"] == "down: broker"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["broker"].startswith("down")
    # Liveness does not depend on dependencies: a restart would not bring Redis back.
    assert production_like_app.test_client().get("/healthz").status_code == 200
