"""Webhooks end to end in the embedded app (§12): a real receiver on loopback, the
in-process worker delivering, every signature verified with the standardwebhooks library.

The app allows private destinations (the receiver is on 127.0.0.1), retries on a tiny
schedule and, where a receiver hangs, gives up after 1 s instead of 10 s (a setting,
WEBHOOK_TIMEOUT_SECONDS), so the tests take seconds, not a day.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.config import Settings
from shared.db.models import WebhookDelivery, WebhookEvent
from shared.db.session import session_scope
from shared.db.tenancy import ALL_TENANTS
from tests.support.webhook_receiver import HANG, WebhookReceiver, webhook_receiver
from tests.web.helpers import create_lead_and_site, keyed_client, row_counts, wait_for_job

FAST = {"webhook_allow_private": True, "webhook_retry_schedule": "0.2,0.2,0.2",
        "webhook_timeout_seconds": 1.0}


@pytest.fixture
def make_app(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Flask]]:
    from web.app import create_app

    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        flask_app = create_app(make_settings(**{**FAST, **overrides}))
        flask_app.config["TESTING"] = True
        apps.append(flask_app)
        return flask_app

    yield build
    for flask_app in apps:
        flask_app.extensions["scriptforge.worker"].shutdown(wait=True)
        flask_app.extensions["scriptforge"].db_engine.dispose()


@pytest.fixture
def hooks_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def register(client: FlaskClient, receiver: WebhookReceiver,
             events: list[str] | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/webhooks", json={
        "url": receiver.url, "events": events or ["job.succeeded", "job.failed"],
        "description": "test receiver"})
    assert response.status_code == 201, response.json
    receiver.secret = response.json["secret"]
    return dict(response.json)


def log_of(client: FlaskClient, webhook_id: int, *, until: Callable[[list[dict[str, Any]]], bool],
           timeout: float = 30) -> list[dict[str, Any]]:
    """The delivery log, oldest attempt first, once ``until`` holds for it."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?limit=100")
        assert response.status_code == 200, response.json
        attempts = list(reversed(response.json))
        if until(attempts):
            return attempts
        assert time.monotonic() < deadline, attempts
        time.sleep(0.05)


def test_a_webhook_is_created_with_a_secret_shown_once_and_managed(hooks_app: Flask) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver() as receiver:
        created = register(client, receiver)
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["job.succeeded", "job.failed"]
    assert created["enabled"] is True
    shown = client.get(f"/api/v1/webhooks/{created['id']}").json
    assert "secret" not in shown
    listed = client.get("/api/v1/webhooks")
    assert [w["id"] for w in listed.json] == [created["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert all("secret" not in w for w in listed.json)
    assert client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{created['id']}").status_code == 404


def test_the_secret_is_not_stored_in_clear(hooks_app: Flask) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver() as receiver:
        secret = register(client, receiver)["secret"]
    engine = hooks_app.extensions["scriptforge"].db_engine
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT secret_encrypted FROM webhook_endpoints"
                                            ).scalar_one()
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.com/x", "events": ["ping"]}, "url"),
    ({"url": "https://example.com/" + "x" * 2048, "events": ["ping"]}, "url"),
    ({"url": "https://example.com/x", "events": ["job.exploded"]}, "events"),
    ({"url": "https://example.com/x", "events": []}, "events"),
    ({"url": "https://example.com/x", "events": ["ping"], "description": "d" * 501},
     "description"),
    ({"events": ["ping"]}, "url"),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    hooks_app: Flask, body: dict[str, Any], field: str
) -> None:
    client = keyed_client(hooks_app)
    before = row_counts(client)
    response = client.post("/api/v1/webhooks", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["message"] or field in str(response.json.get("errors"))
    assert row_counts(client) == before


def test_job_succeeded_arrives_signed_with_its_script_id(hooks_app: Flask) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver() as receiver:
        register(client, receiver)
        _, site_id = create_lead_and_site(client)
        job = client.post("/api/v1/video-scripts/generate",
                          json={"demo_site_id": site_id, "voiceover": False}).json
        finished = wait_for_job(client, job["id"])
        arrived = receiver.wait_for_type("job.succeeded")
        events = receiver.verified()
    assert finished["status"] == "succeeded"
    event = arrived.event
    assert event["data"]["id"] == job["id"]
    assert event["data"]["result"]["script_id"] == finished["result"]["script_id"]
    # The data is the job as GET /jobs/{id} shows it.
    assert event["data"] == client.get(f"/api/v1/jobs/{job['id']}").json
    assert arrived.webhook_id.startswith("msg_")
    assert {e["type"] for e in events} == {"job.succeeded"}


def test_a_receiver_failing_twice_gets_three_attempts_with_one_webhook_id(
    hooks_app: Flask,
) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver(replies=[500, 500, 200]) as receiver:
        webhook = register(client, receiver, events=["ping"])
        queued = client.post(f"/api/v1/webhooks/{webhook['id']}/test")
        assert queued.status_code == 202, queued.json
        requests = receiver.wait_for(3)
        receiver.verified()
        attempts = log_of(client, webhook["id"],
                          until=lambda log: len(log) == 3 and log[-1]["outcome"] == "delivered")
    assert {r.webhook_id for r in requests} == {queued.json["webhook_id"]}
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert [a["status_code"] for a in attempts] == [500, 500, 200]
    assert [a["outcome"] for a in attempts] == ["retrying", "retrying", "delivered"]
    assert attempts[0]["next_retry_at"]
    assert attempts[0]["error"] == "HTTP 500"
    assert all(a["latency_ms"] is not None for a in attempts)
    assert {a["delivery_id"] for a in attempts} == {queued.json["delivery_id"]}
    assert attempts[-1]["delivery_state"] == "delivered"


def test_a_delivery_fails_once_the_schedule_is_used_up_and_can_be_redelivered(
    hooks_app: Flask,
) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver(replies=[503, 503, 503, 503]) as receiver:
        webhook = register(client, receiver, events=["ping"])
        queued = client.post(f"/api/v1/webhooks/{webhook['id']}/test").json
        attempts = log_of(client, webhook["id"], until=lambda log: len(log) == 4)
        assert attempts[-1]["outcome"] == "failed"
        assert attempts[-1]["delivery_state"] == "failed"
        again = client.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/"
                            f"{queued['delivery_id']}/redeliver")
        assert again.status_code == 202, again.json
        attempts = log_of(client, webhook["id"], until=lambda log: len(log) == 5)
        receiver.verified()
        assert {r.webhook_id for r in receiver.received} == {queued["webhook_id"]}
    assert attempts[-1]["attempt"] == 5
    assert attempts[-1]["outcome"] == "delivered"


def test_a_410_disables_the_endpoint(hooks_app: Flask) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver(replies=[410]) as receiver:
        webhook = register(client, receiver, events=["ping"])
        client.post(f"/api/v1/webhooks/{webhook['id']}/test")
        attempts = log_of(client, webhook["id"], until=lambda log: len(log) == 1)
        assert attempts[0]["outcome"] == "disabled"
        shown = client.get(f"/api/v1/webhooks/{webhook['id']}").json
        assert shown["enabled"] is False
        assert "410" in shown["disabled_reason"]
        # A disabled endpoint is not called again: the next ping is logged as failed
        # without a request (the log line is the event waited on).
        client.post(f"/api/v1/webhooks/{webhook['id']}/test")
        attempts = log_of(client, webhook["id"], until=lambda log: len(log) == 2)
        assert attempts[-1]["outcome"] == "failed"
        assert "disabled" in attempts[-1]["error"]
        assert len(receiver.received) == 1


def test_a_hanging_receiver_is_cut_at_the_timeout_and_retried(hooks_app: Flask) -> None:
    client = keyed_client(hooks_app)  # WEBHOOK_TIMEOUT_SECONDS=1 here (10 s by default)
    with webhook_receiver(replies=[HANG, 200]) as receiver:
        webhook = register(client, receiver, events=["ping"])
        client.post(f"/api/v1/webhooks/{webhook['id']}/test")
        attempts = log_of(client, webhook["id"],
                          until=lambda log: len(log) == 2 and log[-1]["outcome"] == "delivered")
        receiver.verified()
        assert receiver.received[0].webhook_id == receiver.received[1].webhook_id
    assert attempts[0]["status_code"] is None
    assert "no answer within 1 s" in attempts[0]["error"]


def test_one_slow_endpoint_does_not_delay_another(make_app: Callable[..., Flask]) -> None:
    app = make_app(webhook_max_in_flight_per_endpoint=1, webhook_timeout_seconds=30.0,
                   webhook_retry_schedule="0.2")
    client = keyed_client(app)
    with webhook_receiver(default=HANG) as slow, webhook_receiver() as fast:
        slow_hook = register(client, slow, events=["ping"])
        fast_hook = register(client, fast, events=["ping"])
        for _ in range(3):  # the cap lets one through; the others wait without a thread
            client.post(f"/api/v1/webhooks/{slow_hook['id']}/test")
        slow.wait_for(1)
        client.post(f"/api/v1/webhooks/{fast_hook['id']}/test")
        fast.wait_for(1)
        fast.verified()
        assert len(slow.received) == 1  # still hanging: the cap held the other two back
        slow.release.set()


def test_another_tenants_webhook_never_sees_the_event(hooks_app: Flask) -> None:
    client_a = keyed_client(hooks_app, tenant="tenant-a")
    client_b = keyed_client(hooks_app, tenant="tenant-b")
    with webhook_receiver() as receiver_a, webhook_receiver() as receiver_b:
        register(client_a, receiver_a)
        hook_b = register(client_b, receiver_b)
        _, site_id = create_lead_and_site(client_a)
        job = client_a.post("/api/v1/video-scripts/generate",
                            json={"demo_site_id": site_id, "voiceover": False}).json
        receiver_a.wait_for_type("job.succeeded")
        # A's delivery was written in the transaction that finished A's job; had B been
        # sent the event, its delivery row would have been written in the same one.
        factory = hooks_app.extensions["scriptforge"].session_factory
        with session_scope(factory, ALL_TENANTS) as session:
            owners = set(session.scalars(select(WebhookEvent.tenant_id)))
            b_deliveries = session.scalars(select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == hook_b["id"])).all()
        assert b_deliveries == []
        assert len(owners) == 1
        assert receiver_b.received == []
    assert client_b.get(f"/api/v1/webhooks/{hook_b['id']}/deliveries").json == []
    assert client_b.get(f"/api/v1/jobs/{job['id']}").status_code == 404


def test_events_of_reviews_and_voiceovers_arrive(hooks_app: Flask) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver() as receiver:
        register(client, receiver, events=["voiceover.ready", "voiceover.failed",
                                           "script.reviewed", "job.succeeded"])
        _, site_id = create_lead_and_site(client)
        job = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id}).json
        script_id = wait_for_job(client, job["id"])["result"]["script_id"]
        voiced = receiver.wait_for_type("voiceover.ready").event
        assert voiced["data"]["script_id"] == script_id
        approved = client.put(f"/api/v1/video-scripts/{script_id}/approve",
                              json={"is_approved": "approved", "approved_by": "alice"})
        assert approved.status_code == 200, approved.json
        reviewed = receiver.wait_for_type("script.reviewed").event
        receiver.verified()
    assert reviewed["data"]["script_id"] == script_id
    assert reviewed["data"]["is_approved"] == "approved"
    assert reviewed["data"]["approved_by"] == "alice"


def test_batch_finished_arrives(hooks_app: Flask) -> None:
    client = keyed_client(hooks_app)
    with webhook_receiver() as receiver:
        register(client, receiver, events=["batch.finished"])
        create_lead_and_site(client)
        batch_job = client.post("/api/v1/batches").json
        batch_id = wait_for_job(client, batch_job["id"])["result"]["batch_id"]
        finished = receiver.wait_for_type("batch.finished").event
        receiver.verified()
    assert finished["data"]["id"] == batch_id
    assert finished["data"]["status"] == "succeeded"


def test_a_failed_voiceover_reports_voiceover_failed_and_job_failed(
    make_app: Callable[..., Flask],
) -> None:
    client = keyed_client(make_app(voiceover_engine="openai"))  # and no TTS key configured
    with webhook_receiver() as receiver:
        register(client, receiver, events=["voiceover.failed", "job.failed"])
        _, site_id = create_lead_and_site(client)
        job = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id}).json
        script_id = wait_for_job(client, job["id"])["result"]["script_id"]
        voiceover = receiver.wait_for_type("voiceover.failed").event
        failed = receiver.wait_for_type("job.failed").event
        receiver.verified()
    assert voiceover["data"]["script_id"] == script_id
    assert voiceover["data"]["status"] == "failed"
    assert failed["data"]["kind"] == "voiceover"
    assert failed["data"]["error"]["type"] == "tts_unavailable"
